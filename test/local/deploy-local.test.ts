/** `npm start`'s deployment: epoch 0 starts when the pool is deployed, not at the chain's first block. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { createPublicClient, http } from "viem";

import { plauditPoolAbi } from "@plaudit/protocol";
import { deployLocalPlaudit } from "../../scripts/local/deploy-local.js";
import { jsonRpc, repoRoot, startHardhatNode, type HardhatNode } from "../../scripts/local/hardhat-node.js";

/** How long the first run's compiling and building keep the chain waiting, simulated on its clock. */
const SETUP_SECONDS = 600;

describe("local system: deployment", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  let stateDir: string;
  before(async () => {
    node = await startHardhatNode();
    stateDir = mkdtempSync(join(tmpdir(), "plaudit-deploy-local-"));
  });
  after(async () => {
    await node?.stop();
    if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
  });

  it("starts epoch 0 at deployment, however long ago the chain's last block was mined", async () => {
    const client = createPublicClient({ transport: http(node.rpcUrl) });
    const first = await client.getBlock({ blockTag: "latest" });
    // Chain time moves on without a block, as it does while npm start compiles and builds.
    await jsonRpc(node.rpcUrl, "evm_increaseTime", [SETUP_SECONDS]);
    const deployment = await deployLocalPlaudit({
      repoRoot,
      rpcUrl: node.rpcUrl,
      stateDir,
      epochLength: 300,
      keeperTipBps: 50,
      keeperUrl: "http://127.0.0.1:8787",
      token: "usdc",
    });
    expect(deployment.startTime).to.be.at.least(Number(first.timestamp) + SETUP_SECONDS);
    const deployBlock = await client.getBlock({ blockNumber: BigInt(deployment.deployBlock) });
    expect(deployment.startTime).to.be.at.most(Number(deployBlock.timestamp));
    const epoch = await client.readContract({
      address: deployment.pool,
      abi: plauditPoolAbi,
      functionName: "currentEpoch",
    });
    expect(epoch).to.equal(0n);
  });
});
