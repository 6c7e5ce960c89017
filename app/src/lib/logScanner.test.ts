import {
  createPublicClient,
  custom,
  encodeAbiParameters,
  encodeEventTopics,
  getAddress,
  numberToHex,
  type Address,
  type Hex,
} from "viem";
import { describe, expect, it } from "vitest";

import { plauditPoolAbi } from "@plaudit/protocol";
import { creatorA, creatorB, scope } from "../testing/fixtures.js";
import { createLogScanner, REORG_DEPTH, tooLargeRange, type PoolLog } from "./logScanner.js";

const hex = (n: bigint) => `0x${n.toString(16)}`;
/** Alchemy's free-tier refusal, word for word (docs/operations.md, the limits proxy's `public` profile). */
const logRangeError = (fromBlock: bigint, maxRange: number) =>
  `Under the Free tier plan, you can make eth_getLogs requests with up to a ${maxRange} block range. ` +
  `Based on your parameters, this block range should work: [${hex(fromBlock)}, ${hex(fromBlock + BigInt(maxRange) - 1n)}]`;
/** Infura's result cap refusal, word for word. */
const logResultsError = (fromBlock: bigint, toBlock: bigint, limit: number) =>
  `query returned more than ${limit} results. Try with this block range [${hex(fromBlock)}, ${hex(toBlock)}].`;

/** A credited log's amount and creator (the only kind these tests make). */
function credited(log: PoolLog) {
  if (log.eventName !== "CreatorCredited") throw new Error(`a ${log.eventName} log`);
  return log.args;
}

const DEPLOY_BLOCK = 5n;

/** A `CreatorCredited` log as a node sends it. */
function creditedLog(block: bigint, creator: Address, amount: bigint, logIndex = 0) {
  return {
    address: scope.pool,
    topics: encodeEventTopics({ abi: plauditPoolAbi, eventName: "CreatorCredited", args: { epoch: 0n, creator } }),
    data: encodeAbiParameters([{ type: "uint256" }], [amount]),
    blockNumber: numberToHex(block),
    blockHash: `0x${block.toString(16).padStart(64, "0")}` as Hex,
    transactionHash: `0x${(block * 1000n + BigInt(logIndex)).toString(16).padStart(64, "0")}` as Hex,
    transactionIndex: "0x0",
    logIndex: numberToHex(logIndex),
    removed: false,
  };
}

/**
 * A chain of `head` blocks with the given logs behind a free tier's limits, as the limits proxy
 * enforces them (scripts/rpc-limits): a block range cap answered as Alchemy does, a result cap answered
 * as Infura does. Every `eth_getLogs` span is recorded.
 */
function limitedChain(options: {
  head: bigint;
  logs: ReturnType<typeof creditedLog>[];
  maxRange?: number;
  maxResults?: number;
}) {
  const state = { head: options.head, logs: options.logs, spans: [] as bigint[], down: false };
  const transport = custom({
    async request({ method, params }: { method: string; params?: unknown }) {
      if (method === "eth_blockNumber") return numberToHex(state.head);
      if (method !== "eth_getLogs") throw new Error(`unexpected ${method}`);
      const [filter] = params as [{ fromBlock: string; toBlock: string }];
      const span = { fromBlock: BigInt(filter.fromBlock), toBlock: BigInt(filter.toBlock) };
      const blocks = span.toBlock - span.fromBlock + 1n;
      state.spans.push(blocks);
      if (state.down) throw new Error("upstream timed out");
      if (options.maxRange !== undefined && blocks > BigInt(options.maxRange))
        throw Object.assign(new Error(logRangeError(span.fromBlock, options.maxRange)), { code: -32600 });
      const found = state.logs.filter((l) => {
        const block = BigInt(l.blockNumber);
        return block >= span.fromBlock && block <= span.toBlock;
      });
      if (options.maxResults !== undefined && found.length > options.maxResults) {
        const lastOk = BigInt(found[options.maxResults]?.blockNumber ?? "0x0") - 1n;
        throw Object.assign(new Error(logResultsError(span.fromBlock, lastOk, options.maxResults)), {
          code: -32005,
        });
      }
      return found;
    },
  });
  return { state, client: createPublicClient({ transport }) };
}

describe("createLogScanner", () => {
  it("reads every pool log in ranges no wider than the deployment's limit", async () => {
    const logs = [creditedLog(6n, creatorA, 1n), creditedLog(17n, creatorB, 2n), creditedLog(40n, creatorA, 3n)];
    const { state, client } = limitedChain({ head: 42n, logs, maxRange: 10 });
    const scanner = createLogScanner({ client, pool: scope.pool, fromBlock: DEPLOY_BLOCK, maxRange: 10n });
    const found = await scanner.sync();
    expect(found.map((l) => [l.eventName, credited(l).creator === getAddress(creatorA), l.blockNumber])).toEqual([
      ["CreatorCredited", true, 6n],
      ["CreatorCredited", false, 17n],
      ["CreatorCredited", true, 40n],
    ]);
    expect(Math.max(...state.spans.map(Number))).toBeLessThanOrEqual(10);
    // 38 blocks (5..42) in ranges of 10: four queries, none refused.
    expect(state.spans).toEqual([10n, 10n, 10n, 8n]);
  });

  it("shrinks to the range a provider suggests when it refuses a wide one", async () => {
    const logs = [creditedLog(30n, creatorA, 5n)];
    const { state, client } = limitedChain({ head: 60n, logs, maxRange: 10 });
    const scanner = createLogScanner({ client, pool: scope.pool, fromBlock: DEPLOY_BLOCK });
    const found = await scanner.sync();
    expect(found).toHaveLength(1);
    expect(scanner.range()).toBe(10n);
    // One refused query (the default range), then only queries within the limit.
    expect(state.spans.filter((s) => s > 10n)).toHaveLength(1);
    expect(state.spans.slice(1).every((s) => s <= 10n)).toBe(true);
  });

  it("shrinks under a result cap until every range returns all its logs", async () => {
    const logs = Array.from({ length: 12 }, (_, i) => creditedLog(10n + BigInt(i), creatorA, BigInt(i + 1)));
    const { client } = limitedChain({ head: 30n, logs, maxResults: 4 });
    const scanner = createLogScanner({ client, pool: scope.pool, fromBlock: DEPLOY_BLOCK });
    const found = await scanner.sync();
    expect(found.map((l) => credited(l).amount)).toEqual(logs.map((_, i) => BigInt(i + 1)));
  });

  it("resumes where a failed read stopped and re-reads only the newest blocks afterwards", async () => {
    const logs = [creditedLog(8n, creatorA, 1n), creditedLog(28n, creatorB, 2n)];
    const { state, client } = limitedChain({ head: 34n, logs, maxRange: 10 });
    const scanner = createLogScanner({ client, pool: scope.pool, fromBlock: DEPLOY_BLOCK, maxRange: 10n });
    await scanner.sync(24n);
    expect(scanner.scannedTo()).toBe(24n);
    state.down = true;
    await expect(scanner.sync()).rejects.toThrow(/timed out/);
    expect(scanner.scannedTo()).toBe(24n - REORG_DEPTH);
    state.down = false;
    state.spans = [];
    const found = await scanner.sync();
    expect(found.map((l) => credited(l).amount)).toEqual([1n, 2n]);
    // From the reorg window below block 24 to the head, not from the deployment block again.
    const reread = 34n - (24n - REORG_DEPTH);
    expect(state.spans.reduce((a, b) => a + b, 0n)).toBe(reread);
    // Nothing new: only the reorg window is read again, and the logs are not duplicated.
    state.spans = [];
    expect((await scanner.sync()).map((l) => credited(l).amount)).toEqual([1n, 2n]);
    expect(state.spans).toEqual([REORG_DEPTH]);
  });

  it("gives up on an error that is not about the range", async () => {
    const { state, client } = limitedChain({ head: 20n, logs: [], maxRange: 10 });
    state.down = true;
    const scanner = createLogScanner({ client, pool: scope.pool, fromBlock: DEPLOY_BLOCK, maxRange: 10n });
    await expect(scanner.sync()).rejects.toThrow(/timed out/);
    expect(scanner.range()).toBe(10n);
  });
});

describe("tooLargeRange", () => {
  it("reads the window Alchemy and Infura suggest, and recognises other providers' wording", () => {
    expect(tooLargeRange(new Error(logRangeError(100n, 10)))).toEqual({ suggested: 10n });
    expect(tooLargeRange(new Error(logResultsError(100n, 149n, 10_000)))).toEqual({ suggested: 50n });
    expect(tooLargeRange(new Error("eth_getLogs is limited to a 5 block range"))).toEqual({ suggested: null });
    expect(tooLargeRange(new Error("execution reverted"))).toBeNull();
  });
});
