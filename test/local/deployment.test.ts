/** The plaudit.json the local system and the browser test serve to the dApp. */
import { expect } from "chai";

import { deploymentSchema } from "@plaudit/protocol";
import { hardhatAccount } from "../../scripts/local/accounts.js";
import { deploymentFile, DeploymentFileError } from "../../scripts/local/deployment.js";

const deployment = {
  chainId: 31337,
  rpcUrl: "http://127.0.0.1:8545",
  pool: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  tokenSymbol: "mUSD",
  tokenDecimals: 6,
  startTime: 1_700_000_000,
  epochLength: 300,
  keeperTipBps: 50,
  deployBlock: 2,
  keeperUrl: "http://127.0.0.1:8787",
} as const;

describe("local system: plaudit.json", () => {
  it("writes what deploymentSchema reads back unchanged", () => {
    const parsed = deploymentSchema.parse(JSON.parse(deploymentFile(deployment)));
    expect(parsed).to.deep.equal(deployment);
  });

  it("refuses a deployment the dApp would reject, naming each field", () => {
    const bad = { ...deployment, pool: "0x1234", epochLength: 0, keeperUrl: "not a url" };
    expect(() => deploymentFile(bad as never)).to.throw(
      DeploymentFileError,
      /pool: .*\n.*epochLength: .*\n.*keeperUrl: /,
    );
    expect(() => deploymentFile({ ...deployment, extra: 1 } as never)).to.throw(DeploymentFileError, /extra/);
  });

  it("refuses a deployment without the rpcUrl the dApp needs", () => {
    const { rpcUrl: _rpcUrl, ...withoutRpc } = deployment;
    expect(() => deploymentFile(withoutRpc as never)).to.throw(DeploymentFileError, /rpcUrl/);
  });

  it("derives demo accounts and their keys from Hardhat's public mnemonic", () => {
    const first = hardhatAccount(0);
    // Hardhat's documented first default account.
    expect(first.address).to.equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(first.privateKey).to.equal("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    expect(hardhatAccount(2).address).to.not.equal(first.address);
  });
});
