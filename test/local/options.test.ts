/** `npm start` options: defaults, environment, flags, and errors that name the setting. */
import { expect } from "chai";

import { parseStartOptions } from "../../scripts/local/options.js";
import { CliOptionsError } from "../../keeper/src/cli-options.js";

describe("local system: options", () => {
  it("defaults to the usual local ports and five-minute epochs", () => {
    expect(parseStartOptions([], {})).to.deep.equal({
      chainPort: 8545,
      keeperPort: 8787,
      appPort: 5173,
      sitePort: 5174,
      indexerPort: 42069,
      rpcLimits: "none",
      rpcLimitsPort: 8546,
      epochLength: 300,
      grace: 15,
      mineInterval: 2,
      rebuild: false,
      keeperLogLevel: "warn",
      token: "usdc",
    });
  });

  it("takes the token flavour to mock, and names the choices of a bad one", () => {
    expect(parseStartOptions(["--token", "dai"], {})).to.include({ token: "dai" });
    expect(parseStartOptions([], { PLAUDIT_TOKEN: "usdt" })).to.include({ token: "usdt" });
    expect(() => parseStartOptions(["--token", "eurc"], {})).to.throw(
      /--token \(PLAUDIT_TOKEN\): must be one of usdc, usdt, dai, musd/,
    );
  });

  it("puts a free tier's limits in front of the chain on request, and names the choices of a bad value", () => {
    expect(parseStartOptions(["--rpc-limits", "public"], {})).to.include({ rpcLimits: "public", rpcLimitsPort: 8546 });
    expect(parseStartOptions([], { PLAUDIT_RPC_LIMITS: "public" })).to.include({ rpcLimits: "public" });
    expect(() => parseStartOptions(["--rpc-limits", "alchemy"], {})).to.throw(
      /--rpc-limits \(PLAUDIT_RPC_LIMITS\): must be none or public/,
    );
  });

  it("takes the environment, and flags over it", () => {
    const options = parseStartOptions(["--chain-port", "9545", "--epoch-length=120", "--rebuild"], {
      PLAUDIT_CHAIN_PORT: "7545",
      PLAUDIT_APP_PORT: "3000",
    });
    expect(options).to.include({ chainPort: 9545, appPort: 3000, epochLength: 120, rebuild: true });
  });

  it("names the flag and variable of a bad value", () => {
    expect(() => parseStartOptions(["--app-port", "70000"], {})).to.throw(
      CliOptionsError,
      /--app-port \(PLAUDIT_APP_PORT\): must be 1 to 65535/,
    );
    expect(() => parseStartOptions([], { PLAUDIT_EPOCH_LENGTH: "5" })).to.throw(
      /--epoch-length \(PLAUDIT_EPOCH_LENGTH\): must be at least 30/,
    );
    expect(() => parseStartOptions(["--epoch-length", "60", "--grace", "60"], {})).to.throw(
      /--grace \(PLAUDIT_LOCAL_GRACE\): must be shorter than the epoch/,
    );
    expect(() => parseStartOptions(["--chain-port", "x"], {})).to.throw(
      /--chain-port \(PLAUDIT_CHAIN_PORT\): must be a port number, 1 to 65535/,
    );
    expect(() => parseStartOptions([], { PLAUDIT_EPOCH_LENGTH: "five" })).to.throw(
      /--epoch-length \(PLAUDIT_EPOCH_LENGTH\): must be a whole number of seconds/,
    );
    expect(() => parseStartOptions(["--chain-prot", "1"], {})).to.throw(/unknown option --chain-prot/);
    expect(() => parseStartOptions(["--keeper-port"], {})).to.throw(/--keeper-port needs a value/);
  });

  it("answers help", () => {
    expect(parseStartOptions(["--help"], {})).to.equal("help");
  });
});
