/**
 * The history sources against the indexer's documented answers (docs/indexer-api.md), served over a
 * fetch and parsed by the protocol's own client and schemas (an answer off the schema fails the test),
 * and against the same history as pool logs.
 */
import {
  createPublicClient,
  custom,
  encodeAbiParameters,
  encodeEventTopics,
  numberToHex,
  type Address,
  type Hex,
} from "viem";
import { describe, expect, it } from "vitest";

import {
  createIndexerClient,
  plauditPoolAbi,
  type CreatorEarningsResponse,
  type EpochListResponse,
  type EpochTotalsInput,
  type ReaderHistoryResponse,
  type TipsResponse,
} from "@plaudit/protocol";
import { creatorA, creatorB, schedule, scope } from "../testing/fixtures.js";
import { creatorPastFromLogs, indexerHistory, logHistory, readerPastFromLogs } from "./history.js";
import { createLogScanner, type PoolLog } from "./logScanner.js";

const reader: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const keeper: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
const origin = (block: number) => ({
  block: String(block),
  timestamp: String(1_700_000_000 + block),
  transaction: tx(block),
});

/** The reader funded epochs 0–2 (10 USD each); epoch 0 was settled (A 6.97, B 2.98, tip 0.05); epoch 1 skipped once. */
const readerAnswer: ReaderHistoryResponse = {
  reader,
  months: [
    {
      epoch: "0",
      funded: "10000000",
      budget: "10000000",
      state: "Settled",
      settlement: {
        tip: "50000",
        clicks: "3",
        payments: [
          { creator: creatorA, amount: "6966667" },
          { creator: creatorB, amount: "2983333" },
        ],
        ...origin(20),
      },
      skips: [],
      returned: null,
    },
    {
      epoch: "1",
      funded: "10000000",
      budget: "10000000",
      state: "Open",
      settlement: null,
      skips: [{ reason: "BadSession", ...origin(30) }],
      returned: null,
    },
    { epoch: "2", funded: "10000000", budget: "10000000", state: "Open", settlement: null, skips: [], returned: null },
  ],
  subscriptions: [{ firstEpoch: "0", epochs: "3", amountPerEpoch: "10000000", total: "30000000", ...origin(10) }],
  cancellations: [],
  withdrawals: [],
  sessionRevocations: [],
};

const creatorAnswer: CreatorEarningsResponse = {
  creator: creatorA,
  earned: "9966667",
  claimed: "6966667",
  months: [
    { epoch: "0", amount: "6966667", readers: 1 },
    { epoch: "3", amount: "3000000", readers: 1 },
  ],
  claims: [{ recipient: creatorA, amount: "6966667", ...origin(25) }],
};

/** The reader tipped creator A 1 USD at block 12 (epoch 0) and creator B 0.5 USD at block 35 (epoch 1). */
const readerTipsAnswer: TipsResponse = {
  account: reader,
  total: "1500000",
  months: [
    { epoch: "0", amount: "1000000", count: 1 },
    { epoch: "1", amount: "500000", count: 1 },
  ],
  tips: [
    { reader, creator: creatorB, amount: "500000", epoch: "1", ...origin(35) },
    { reader, creator: creatorA, amount: "1000000", epoch: "0", ...origin(12) },
  ],
  truncated: false,
};
/** Creator A received the reader's tip at block 12 and creator B's 7 units at block 38 (epoch 1). */
const creatorATipsAnswer: TipsResponse = {
  account: creatorA,
  total: "1000007",
  months: [
    { epoch: "0", amount: "1000000", count: 1 },
    { epoch: "1", amount: "7", count: 1 },
  ],
  tips: [
    { reader: creatorB, creator: creatorA, amount: "7", epoch: "1", ...origin(38) },
    { reader, creator: creatorA, amount: "1000000", epoch: "0", ...origin(12) },
  ],
  truncated: false,
};
/** Chain time of block `n` in the logs below: epoch 0 up to block 25, epoch 1 from block 26 on. */
const blockTime = (n: number) => schedule.startTime + BigInt(n) * 100_000n;

const totals = (epoch: number, over: Partial<EpochTotalsInput> = {}): EpochTotalsInput => ({
  epoch: String(epoch),
  start: "0",
  end: "1",
  deadline: "2",
  fundedReaders: 1,
  funded: "10000000",
  settledReaders: 0,
  settled: "0",
  tips: "0",
  clicks: "0",
  skips: 0,
  returnedReaders: 0,
  returned: "0",
  credited: "0",
  creators: 0,
  batches: 0,
  ...over,
});
const epochsAnswer: EpochListResponse = {
  epochs: [totals(0, { settledReaders: 1, settled: "10000000", batches: 1 }), totals(1, { skips: 1, batches: 1 })],
};

/** An indexer serving exactly those answers at its documented routes. */
function servedIndexer(options: { tipsRoute?: boolean } = {}) {
  const asked: string[] = [];
  const fetchImpl: typeof fetch = async (input) => {
    const path = new URL(String(input)).pathname;
    asked.push(path);
    if (path === `/v1/readers/${reader}/history`) return Response.json(readerAnswer);
    if (path === `/v1/readers/${reader}/tips` && options.tipsRoute !== false) return Response.json(readerTipsAnswer);
    if (path === `/v1/creators/${creatorA}/earnings`) return Response.json(creatorAnswer);
    if (path === `/v1/creators/${creatorA}/tips`) return Response.json(creatorATipsAnswer);
    if (path === "/v1/epochs") return Response.json(epochsAnswer);
    return Response.json({ error: { code: "not_found", message: "no such route" } }, { status: 404 });
  };
  return { asked, indexer: createIndexerClient("http://indexer.test", { fetch: fetchImpl }) };
}

describe("indexerHistory", () => {
  it("shows a reader's settled month with what it paid each creator, and its skips", async () => {
    const { indexer } = servedIndexer();
    const past = await indexerHistory(indexer).reader(reader);
    expect(past.firstFundedEpoch).toBe(0n);
    const month0 = past.history.settled.get(0n);
    expect(month0).toMatchObject({
      budget: 10_000_000n,
      tip: 50_000n,
      clicks: 3n,
      transactionHash: tx(20),
      blockNumber: 20n,
    });
    expect(month0?.payments).toEqual([
      { creator: creatorA, amount: 6_966_667n, clicks: undefined },
      { creator: creatorB, amount: 2_983_333n, clicks: undefined },
    ]);
    // What the creators got and the tip add up to the budget.
    expect((month0?.payments ?? []).reduce((sum, p) => sum + p.amount, month0?.tip ?? 0n)).toBe(10_000_000n);
    expect(past.history.settled.has(1n)).toBe(false);
    expect(past.history.skipped.get(1n)).toEqual([
      { epoch: 1n, reason: 4, transactionHash: tx(30), blockNumber: 30n, logIndex: 0 },
    ]);
  });

  it("gives a creator's earnings per month and what it claimed", async () => {
    const { indexer } = servedIndexer();
    expect(await indexerHistory(indexer).creator(creatorA)).toEqual({
      months: [
        { epoch: 0n, amount: 6_966_667n },
        { epoch: 3n, amount: 3_000_000n },
      ],
      claimed: 6_966_667n,
    });
  });

  it("gives each asked epoch's settlement, with nothing for one the indexer never saw", async () => {
    const { indexer } = servedIndexer();
    expect(await indexerHistory(indexer).epochs([1n, 0n, 7n])).toEqual([
      { epoch: 1n, settledReaders: 0n, batches: 1 },
      { epoch: 0n, settledReaders: 1n, batches: 1 },
      { epoch: 7n, settledReaders: 0n, batches: 0 },
    ]);
  });

  it("shows no tips, rather than failing, from an indexer older than the tips route", async () => {
    const { indexer } = servedIndexer({ tipsRoute: false });
    const past = await indexerHistory(indexer).reader(reader);
    expect(past.history.tips.size).toBe(0);
    expect(past.history.settled.size).toBe(1);
  });

  it("fails with the indexer's error when an answer is off its schema", async () => {
    const broken: typeof fetch = async () => Response.json({ ...readerAnswer, months: [{ epoch: "-1" }] });
    const indexer = createIndexerClient("http://indexer.test", { fetch: broken });
    await expect(indexerHistory(indexer).reader(reader)).rejects.toThrow(/unexpected answer/);
  });
});

/** A pool log as a node sends it. */
function rawLog<N extends "CreatorCredited" | "Claimed" | "BatchSettled" | "Subscribed" | "Tipped">(
  block: number,
  eventName: N,
  topics: Record<string, unknown>,
  data: readonly { type: string }[],
  values: readonly unknown[],
) {
  return {
    address: scope.pool,
    topics: encodeEventTopics({ abi: plauditPoolAbi, eventName, args: topics } as Parameters<
      typeof encodeEventTopics
    >[0]),
    data: encodeAbiParameters(data, values),
    blockNumber: numberToHex(block),
    blockHash: tx(block + 1_000_000),
    transactionHash: tx(block),
    transactionIndex: "0x0",
    logIndex: "0x0",
    removed: false,
  };
}

describe("logHistory", () => {
  /** The creator's and epochs' history above, as the pool logged it. */
  const logs = [
    rawLog(
      10,
      "Subscribed",
      { reader, firstEpoch: 0n },
      [{ type: "uint64" }, { type: "uint256" }, { type: "uint256" }],
      [3n, 10_000_000n, 30_000_000n],
    ),
    rawLog(12, "Tipped", { reader, creator: creatorA }, [{ type: "uint256" }], [1_000_000n]),
    rawLog(20, "CreatorCredited", { epoch: 0n, creator: creatorA }, [{ type: "uint256" }], [6_966_667n]),
    rawLog(
      20,
      "BatchSettled",
      { epoch: 0n, keeper },
      [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }],
      [1n, 0n, 50_000n],
    ),
    rawLog(25, "Claimed", { creator: creatorA, recipient: creatorA }, [{ type: "uint256" }], [6_966_667n]),
    rawLog(
      30,
      "BatchSettled",
      { epoch: 1n, keeper },
      [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }],
      [0n, 1n, 0n],
    ),
    rawLog(35, "Tipped", { reader, creator: creatorB }, [{ type: "uint256" }], [500_000n]),
    rawLog(38, "Tipped", { reader: creatorB, creator: creatorA }, [{ type: "uint256" }], [7n]),
    rawLog(40, "CreatorCredited", { epoch: 3n, creator: creatorA }, [{ type: "uint256" }], [3_000_000n]),
  ];
  const blocksRead: number[] = [];
  const chain = () => {
    const transport = custom({
      async request({ method, params }: { method: string; params?: unknown }) {
        if (method === "eth_blockNumber") return numberToHex(45);
        if (method === "eth_getBlockByNumber") {
          const [number] = params as [Hex];
          blocksRead.push(Number(number));
          return {
            number,
            hash: tx(Number(number) + 2_000_000),
            timestamp: numberToHex(blockTime(Number(number))),
            transactions: [],
          };
        }
        if (method !== "eth_getLogs") throw new Error(`unexpected ${method}`);
        const [filter] = params as [{ fromBlock: Hex; toBlock: Hex }];
        return logs.filter(
          (l) => BigInt(l.blockNumber) >= BigInt(filter.fromBlock) && BigInt(l.blockNumber) <= BigInt(filter.toBlock),
        );
      },
    });
    return createPublicClient({ transport });
  };

  it("agrees with the indexer on a creator's earnings and each epoch's settlement", async () => {
    const client = chain();
    const fromLogs = logHistory(
      createLogScanner({ client, pool: scope.pool, fromBlock: 1n, maxRange: 10n }),
      client,
      schedule,
    );
    const { indexer } = servedIndexer();
    const fromIndexer = indexerHistory(indexer);
    expect(await fromLogs.creator(creatorA)).toEqual(await fromIndexer.creator(creatorA));
    expect(await fromLogs.epochs([0n, 1n, 7n])).toEqual(await fromIndexer.epochs([0n, 1n, 7n]));
    expect(await fromLogs.creatorTips(creatorA)).toEqual(await fromIndexer.creatorTips(creatorA));
    expect(await fromLogs.creatorTips(creatorA)).toEqual([
      { epoch: 0n, amount: 1_000_000n, count: 1 },
      { epoch: 1n, amount: 7n, count: 1 },
    ]);
  });

  it("finds the reader's first funded epoch and leaves other accounts' logs out", async () => {
    const client = chain();
    const scanner = createLogScanner({ client, pool: scope.pool, fromBlock: 1n, maxRange: 10n });
    const all: readonly PoolLog[] = await scanner.sync();
    const noInput = () => Promise.reject(new Error("not read"));
    const epochOf = async (block: bigint) => (block < 26n ? 0n : 1n);
    expect((await readerPastFromLogs(reader, all, noInput, epochOf)).firstFundedEpoch).toBe(0n);
    expect((await readerPastFromLogs(creatorB, all, noInput, epochOf)).firstFundedEpoch).toBeUndefined();
    expect(creatorPastFromLogs(creatorB, all)).toEqual({ months: [], claimed: 0n });
  });

  it("agrees with the indexer on the tips a reader sent, by the epoch of their blocks, and reads each block once", async () => {
    const client = chain();
    const fromLogs = logHistory(
      createLogScanner({ client, pool: scope.pool, fromBlock: 1n, maxRange: 10n }),
      client,
      schedule,
    );
    const { indexer } = servedIndexer();
    const start = blocksRead.length;
    const logTips = (await fromLogs.reader(reader)).history.tips;
    // Only the reader's own tips' blocks are read (not creator B's tip at block 38).
    expect(blocksRead.slice(start).sort((a, b) => a - b)).toEqual([12, 35]);
    expect(logTips).toEqual((await indexerHistory(indexer).reader(reader)).history.tips);
    expect([...logTips.entries()].map(([epoch, tips]) => [epoch, tips.map((t) => [t.creator, t.amount])])).toEqual([
      [0n, [[creatorA, 1_000_000n]]],
      [1n, [[creatorB, 500_000n]]],
    ]);
    const before = blocksRead.length;
    await fromLogs.reader(reader);
    // A block's epoch is read once per page load.
    expect(blocksRead.length).toBe(before);
  });
});
