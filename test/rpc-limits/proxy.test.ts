/**
 * The public-RPC limits proxy in front of a real Hardhat node: each limit refuses what a free tier
 * refuses, with that provider's error shape, lets through what it allows, and is counted.
 */
import { getLogsRetryHelper } from "@ponder/utils";
import { expect } from "chai";
import { createPublicClient, http, numberToHex, type RpcError } from "viem";

import { mockStablecoinAbi } from "@plaudit/protocol";
import { jsonRpc, startHardhatNode, type HardhatNode } from "../../scripts/local/hardhat-node.js";
import { RPC_LIMIT_PROFILES, type RpcLimits } from "../../scripts/rpc-limits/limits.js";
import { startRpcLimitsProxy, type RpcLimitsProxy } from "../../scripts/rpc-limits/proxy.js";
import { accounts, clients, deployPool, type Deployed } from "../../e2e/harness/chain.js";

const NO_LIMITS: RpcLimits = { ...RPC_LIMIT_PROFILES.none };

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

async function post(url: string, body: unknown): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null), headers: response.headers };
}

const call = (method: string, params: unknown[] = [], id = 1) => ({ jsonrpc: "2.0", id, method, params });
const getLogs = (fromBlock: bigint | string, toBlock: bigint | string, id = 1) =>
  call(
    "eth_getLogs",
    [
      {
        fromBlock: typeof fromBlock === "bigint" ? numberToHex(fromBlock) : fromBlock,
        toBlock: typeof toBlock === "bigint" ? numberToHex(toBlock) : toBlock,
      },
    ],
    id,
  );

describe("rpc-limits proxy", function () {
  this.timeout(120_000);
  let node: HardhatNode;
  let deployed: Deployed;
  const proxies: RpcLimitsProxy[] = [];

  async function proxyWith(limits: Partial<RpcLimits>, clientRates?: Record<string, number | null>) {
    const proxy = await startRpcLimitsProxy({
      upstream: node.rpcUrl,
      limits: { ...NO_LIMITS, ...limits },
      ...(clientRates === undefined ? {} : { clientRates }),
    });
    proxies.push(proxy);
    return proxy;
  }

  before(async () => {
    node = await startHardhatNode();
    deployed = await deployPool(node.rpcUrl, 300, 50);
    // Five Transfer logs in five blocks, then 40 empty blocks.
    const { publicClient, walletFor } = clients(node.rpcUrl);
    const minter = walletFor(accounts.deployer);
    for (let i = 0; i < 5; i++) {
      const hash = await minter.writeContract({
        address: deployed.token,
        abi: mockStablecoinAbi,
        functionName: "mint",
        args: [accounts.reader.address, 1n],
      });
      await publicClient.waitForTransactionReceipt({ hash });
    }
    await jsonRpc(node.rpcUrl, "hardhat_mine", ["0x28"]);
  });
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });
  after(async () => {
    await node?.stop();
  });

  describe("eth_getLogs block range", () => {
    it("refuses a range over the limit as Alchemy does, suggesting the first allowed window", async () => {
      const proxy = await proxyWith({ maxLogRange: 10 });
      const { status, body } = await post(proxy.url, getLogs(5n, 15n, 7));
      expect(status).to.equal(200);
      expect(body).to.deep.equal({
        jsonrpc: "2.0",
        id: 7,
        error: {
          code: -32600,
          message:
            "Under the Free tier plan, you can make eth_getLogs requests with up to a 10 block range. " +
            "Based on your parameters, this block range should work: [0x5, 0xe]",
        },
      });
      expect(proxy.stats().rejected.logRange).to.equal(1);
      expect(proxy.stats().logs.maxRange).to.equal(11);
    });

    it("answers a range of exactly the limit from the chain", async () => {
      const proxy = await proxyWith({ maxLogRange: 10 });
      const direct = await post(node.rpcUrl, getLogs(1n, 10n));
      const { body } = await post(proxy.url, getLogs(1n, 10n));
      expect((body as { result: unknown[] }).result).to.deep.equal((direct.body as { result: unknown[] }).result);
      expect((body as { result: unknown[] }).result.length).to.be.greaterThan(0);
      expect(proxy.stats().logs).to.deep.equal({ queries: 1, maxRange: 10, minFromBlock: 1 });
    });

    it("resolves block tags against the head, so 'earliest' to 'latest' is the whole chain", async () => {
      const proxy = await proxyWith({ maxLogRange: 10 });
      const head = BigInt(await jsonRpc<string>(node.rpcUrl, "eth_blockNumber"));
      const { body } = await post(proxy.url, getLogs("earliest", "latest"));
      expect((body as { error: { code: number } }).error.code).to.equal(-32600);
      expect(proxy.stats().logs.maxRange).to.equal(Number(head) + 1);
      const recent = await post(proxy.url, call("eth_getLogs", [{ fromBlock: numberToHex(head - 5n) }]));
      expect((recent.body as { result: unknown[] }).result).to.be.an("array");
    });

    it("is understood by Ponder's eth_getLogs retry helper as a 10-block range", async () => {
      const proxy = await proxyWith({ maxLogRange: 10 });
      const client = createPublicClient({ transport: http(proxy.url, { retryCount: 0 }) });
      const error = await client
        .request({ method: "eth_getLogs", params: [{ fromBlock: "0x1", toBlock: "0x20" }] })
        .catch((e: unknown) => e);
      const retry = getLogsRetryHelper({
        params: [{ fromBlock: "0x1", toBlock: "0x20" }],
        error: error as RpcError,
      });
      expect(retry.shouldRetry).to.equal(true);
      expect(retry.ranges?.[0]).to.deep.equal({ fromBlock: "0x1", toBlock: "0xa" });
    });

    it("counts a block-hash query as one block", async () => {
      const proxy = await proxyWith({ maxLogRange: 10 });
      const block = await jsonRpc<{ hash: string }>(node.rpcUrl, "eth_getBlockByNumber", ["0x2", false]);
      const { body } = await post(proxy.url, call("eth_getLogs", [{ blockHash: block.hash }]));
      expect((body as { result: unknown[] }).result).to.be.an("array");
      expect(proxy.stats().logs.maxRange).to.equal(1);
    });
  });

  describe("eth_getLogs result cap", () => {
    it("refuses more results than the cap as Infura does, with a range that fits", async () => {
      const proxy = await proxyWith({ maxLogResults: 3 });
      const logs = (await post(node.rpcUrl, getLogs(0n, 30n))).body as { result: { blockNumber: string }[] };
      expect(logs.result.length).to.be.greaterThan(3);
      const fourth = BigInt(logs.result[3]?.blockNumber ?? "0x0");
      const { body } = await post(proxy.url, getLogs(0n, 30n));
      expect(body).to.deep.equal({
        jsonrpc: "2.0",
        id: 1,
        error: {
          code: -32005,
          message: `query returned more than 3 results. Try with this block range [0x0, ${numberToHex(fourth - 1n)}].`,
          data: { from: "0x0", to: numberToHex(fourth - 1n), limit: 3 },
        },
      });
      const fitting = await post(proxy.url, getLogs(0n, fourth - 1n));
      expect((fitting.body as { result: unknown[] }).result.length).to.be.at.most(3);
      expect(proxy.stats().rejected.logResults).to.equal(1);
    });
  });

  describe("requests per second", () => {
    it("answers HTTP 429 with Alchemy's error past the rate, per client", async () => {
      const proxy = await proxyWith({ requestsPerSecond: 4 }, { indexer: null });
      const answers = await Promise.all([1, 2, 3, 4, 5].map((id) => post(proxy.url, call("eth_chainId", [], id))));
      const limited = answers.filter((answer) => answer.status === 429);
      expect(limited).to.have.length(1);
      expect(limited[0]?.body).to.deep.include({ jsonrpc: "2.0" });
      expect((limited[0]?.body as { error: { code: number; message: string } }).error.code).to.equal(429);
      expect((limited[0]?.body as { error: { message: string } }).error.message).to.match(/compute units per second/);
      expect(Number(limited[0]?.headers.get("retry-after"))).to.be.at.least(1);

      // Another client has its own bucket; one named with its own (unlimited) rate is never limited.
      expect((await post(proxy.urlFor("other"), call("eth_chainId"))).status).to.equal(200);
      const indexer = await Promise.all(
        Array.from({ length: 12 }, (_, id) => post(proxy.urlFor("indexer"), call("eth_chainId", [], id))),
      );
      expect(indexer.map((answer) => answer.status)).to.deep.equal(Array(12).fill(200));
      expect(proxy.stats().rejected.rateLimited).to.equal(1);
    });

    it("counts every call of a batch against the rate", async () => {
      const proxy = await proxyWith({ requestsPerSecond: 3 });
      const batch = [1, 2, 3, 4].map((id) => call("eth_chainId", [], id));
      const { status, body } = await post(proxy.url, batch);
      expect(status).to.equal(429);
      expect(body).to.have.length(4);
    });
  });

  describe("batch size", () => {
    it("refuses a batch over the cap with geth's error and answers one within it in order", async () => {
      const proxy = await proxyWith({ maxBatch: 3 });
      const tooLarge = await post(
        proxy.url,
        [1, 2, 3, 4].map((id) => call("eth_chainId", [], id)),
      );
      expect(tooLarge.body).to.deep.equal([
        { jsonrpc: "2.0", id: 1, error: { code: -32600, message: "batch too large" } },
      ]);
      const fits = await post(proxy.url, [
        call("eth_chainId", [], 9),
        call("eth_blockNumber", [], 8),
        getLogs(1n, 2n, 7),
      ]);
      expect((fits.body as { id: number }[]).map((answer) => answer.id)).to.deep.equal([9, 8, 7]);
      expect((fits.body as { result: string }[])[0]?.result).to.equal("0x7a69");
      expect(proxy.stats().rejected.batchTooLarge).to.equal(1);
    });
  });

  describe("timeouts", () => {
    it("times out a seeded share of requests with HTTP 504, the same ones for the same seed", async () => {
      const pattern = async () => {
        const proxy = await proxyWith({ timeoutRate: 0.3, timeoutMs: 20, seed: 5 });
        const statuses: number[] = [];
        for (let id = 0; id < 20; id++) statuses.push((await post(proxy.url, call("eth_chainId", [], id))).status);
        expect(proxy.stats().rejected.timeouts).to.equal(statuses.filter((s) => s === 504).length);
        return statuses;
      };
      const first = await pattern();
      expect(first).to.include(504).and.to.include(200);
      expect(await pattern()).to.deep.equal(first);
    });
  });

  describe("browsers", () => {
    it("answers any origin's preflight and lets a page read a 429's Retry-After, as public RPCs do", async () => {
      const proxy = await proxyWith({ requestsPerSecond: 1 });
      const preflight = await fetch(proxy.urlFor("dapp"), {
        method: "OPTIONS",
        headers: {
          origin: "http://localhost:5173",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
      expect(preflight.status).to.be.below(300);
      expect(preflight.headers.get("access-control-allow-origin")).to.equal("*");
      expect(preflight.headers.get("access-control-allow-headers")).to.match(/content-type/i);
      const answers = await Promise.all([1, 2].map((id) => post(proxy.urlFor("dapp"), call("eth_chainId", [], id))));
      const limited = answers.find((answer) => answer.status === 429);
      expect(limited?.headers.get("access-control-expose-headers")).to.match(/retry-after/i);
    });
  });

  describe("counters", () => {
    it("counts calls by method, by client and by client and method, serves them at /limits/stats and resets them", async () => {
      const proxy = await proxyWith({});
      await post(proxy.url, [call("eth_chainId", [], 1), call("eth_blockNumber", [], 2)]);
      await post(proxy.urlFor("tab"), call("eth_chainId"));
      const served = (await (await fetch(`${proxy.url}/limits/stats`)).json()) as ReturnType<RpcLimitsProxy["stats"]>;
      expect(served.byMethod).to.deep.equal({ eth_chainId: 2, eth_blockNumber: 1 });
      expect(served.calls).to.equal(3);
      expect(served.httpRequests).to.equal(2);
      expect(served.byClient["key:tab"]).to.equal(1);
      expect(served.byClientMethod["key:tab"]).to.deep.equal({ eth_chainId: 1 });
      expect(Object.values(served.byClientMethod).map((methods) => methods["eth_blockNumber"] ?? 0)).to.include(1);
      expect((await fetch(`${proxy.url}/limits/reset`, { method: "POST" })).status).to.equal(204);
      expect(proxy.stats().calls).to.equal(0);
    });
  });
});
