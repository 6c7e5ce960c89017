/** The deploy command's options and the check of the Ignition parameters file, before any transaction. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { checkParametersFile, deployOptionsFromArgs, parseDeployOptions } from "../../scripts/deploy/options.js";

describe("deploy: options", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "plaudit-deploy-options-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, json: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof json === "string" ? json : JSON.stringify(json));
    return path;
  };

  it("accepts the example parameters file", () => {
    expect(() => checkParametersFile("ignition/parameters/example.json", "PlauditPool")).to.not.throw();
  });

  it("rejects a parameters file with a bad token, a tip over the cap or broken JSON, naming the field", () => {
    const badToken = file("token.json", { PlauditPool: { token: "0x12", startTime: 1 } });
    expect(() => checkParametersFile(badToken, "PlauditPool")).to.throw(/PlauditPool\.token: not an address/);
    const highTip = file("tip.json", {
      PlauditPool: { token: "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238", startTime: 1, keeperTipBps: 101 },
    });
    expect(() => checkParametersFile(highTip, "PlauditPool")).to.throw(/keeperTipBps: must be at most 100/);
    expect(() => checkParametersFile(file("broken.json", "{"), "PlauditPool")).to.throw(/--parameters/);
  });

  it("reads flags, repeats --out, and names missing or unknown options", () => {
    const { raw } = deployOptionsFromArgs([
      "--network",
      "sepolia",
      "--parameters=p.json",
      "--out",
      "a.json",
      "--out",
      "b.json",
    ]);
    const options = parseDeployOptions(raw);
    expect(options).to.include({ network: "sepolia", parameters: "p.json", module: "PlauditPool", dir: "deployments" });
    expect(options.out).to.deep.equal(["a.json", "b.json"]);
    expect(() => parseDeployOptions({ network: "sepolia" })).to.throw(
      /--parameters \(PLAUDIT_DEPLOY_PARAMETERS\): missing/,
    );
    expect(() => deployOptionsFromArgs(["--netwrok", "x"])).to.throw(/unknown option --netwrok/);
    expect(() => parseDeployOptions({ parameters: "p.json", keeperUrl: "not a url" })).to.throw(/--keeper-url/);
  });
});
