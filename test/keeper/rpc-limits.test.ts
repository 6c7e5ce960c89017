/**
 * The keeper on a public RPC's limits: its chain reads go through the limits proxy (10-block
 * `eth_getLogs` range, a few calls per second, 429s past it), listed after a dead RPC URL so that viem's
 * `fallback` must pass them on. Its status endpoints keep answering, and it never asks for logs over
 * the range while it follows the pool's reader events over many blocks.
 */
import { expect } from "chai";

import { plauditPoolAbi } from "@plaudit/protocol";
import { startKeeper, type RunningKeeper } from "../../keeper/src/index.js";
import { accounts, clients, deployPool, type Deployed } from "../../e2e/harness/chain.js";
import { HARDHAT_CHAIN_ID } from "../../scripts/local/accounts.js";
import { jsonRpc, startHardhatNode, type HardhatNode } from "../../scripts/local/hardhat-node.js";
import { freePort } from "../../scripts/local/ports.js";
import { RPC_LIMIT_PROFILES } from "../../scripts/rpc-limits/limits.js";
import { startRpcLimitsProxy, type RpcLimitsProxy } from "../../scripts/rpc-limits/proxy.js";
import { getJson, tempDir } from "./keeper-fixture.js";

const LOG_RANGE = 10;
/** Low enough that the keeper's bursts meet 429s. */
const REQUESTS_PER_SECOND = 5;

describe("keeper: on a public RPC's limits", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  let deployed: Deployed;
  let proxy: RpcLimitsProxy;
  let keeper: RunningKeeper;
  const dir = tempDir();

  before(async () => {
    node = await startHardhatNode();
    deployed = await deployPool(node.rpcUrl, 3600, 50);
    proxy = await startRpcLimitsProxy({
      upstream: node.rpcUrl,
      limits: {
        ...RPC_LIMIT_PROFILES.public,
        maxLogRange: LOG_RANGE,
        requestsPerSecond: REQUESTS_PER_SECOND,
        timeoutRate: 0,
      },
    });
    // Nothing listens on the first URL: every call must fall back to the proxy.
    const dead = `http://127.0.0.1:${await freePort("127.0.0.1")}/`;
    keeper = await startKeeper({
      rpcUrl: `${dead},${proxy.urlFor("keeper")}`,
      pool: deployed.pool,
      chainId: HARDHAT_CHAIN_ID,
      dataDir: dir.path,
      port: 0,
      settle: false,
      pollIntervalMs: 200,
      // Every status request reads the chain's time, and with it follows reader events up to the head.
      chainTimeTtlMs: 0,
      graceSeconds: 60,
      logLevel: "silent",
    });
  });

  after(async () => {
    await keeper?.stop();
    await proxy?.close();
    await node?.stop();
    dir.remove();
  });

  it("answers its status endpoints and follows reader events in ranges within the limit", async () => {
    expect((await getJson(`${keeper.url}/v1/epochs/current`)).status).to.equal(200);
    // Blocks go by (several log ranges), with a reader event among them.
    for (let i = 0; i < 3 * LOG_RANGE; i++) await jsonRpc(node.rpcUrl, "evm_mine");
    const { publicClient, walletFor } = clients(node.rpcUrl);
    const hash = await walletFor(accounts.reader).writeContract({
      address: deployed.pool,
      abi: plauditPoolAbi,
      functionName: "revokeSessions",
    });
    await publicClient.waitForTransactionReceipt({ hash });
    for (let i = 0; i < LOG_RANGE; i++) await jsonRpc(node.rpcUrl, "evm_mine");

    // A burst of status requests, past the proxy's rate: each still answers.
    const answers = await Promise.all(
      ["/healthz", "/v1/epochs/current", "/v1/epochs/0", "/v1/config", "/healthz", "/v1/epochs/current"].map((path) =>
        getJson(`${keeper.url}${path}`),
      ),
    );
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200, 200, 200, 200]);
    expect(answers[0]?.body).to.include({ status: "ok" });

    const stats = proxy.stats();
    expect(stats.byClient["key:keeper"] ?? 0).to.be.above(0, "the keeper reached the chain through the proxy");
    expect(stats.logs.queries).to.be.above(0, "the keeper followed reader events");
    expect(stats.logs.maxRange).to.be.at.most(LOG_RANGE);
    expect(stats.rejected.logRange).to.equal(0);
  });
});
