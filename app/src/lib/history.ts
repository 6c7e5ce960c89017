/**
 * Where the pages read the past from: the indexer when the deployment names one (HTTP, no RPC), else
 * the pool's logs read by a bounded, resumable scanner (logScanner.ts). Both answer in the same shapes,
 * so pages do not know which one they read. Live state (balances, budgets, claimable) is not here: it
 * is read from the chain through wagmi.
 */
import { isAddressEqual, type Address, type Hash, type Hex, type PublicClient } from "viem";

import {
  epochAt,
  IndexerError,
  skipReasonNames,
  type EpochSchedule,
  type IndexerClient,
  type ReaderHistory as IndexedReaderHistory,
  type Tips,
} from "@plaudit/protocol";
import type { LogScanner, PoolLog } from "./logScanner.js";
import {
  readerHistory,
  tipsByEpoch,
  type ReaderHistory,
  type SentTip,
  type SettledLog,
  type SettledMonth,
  type SkippedLog,
} from "./payments.js";

/** A reader's past: settled and skipped months, and the first epoch it ever funded. */
export interface ReaderPast {
  history: ReaderHistory;
  /** The first epoch of the reader's first subscription; undefined when it never subscribed. */
  firstFundedEpoch: bigint | undefined;
}

/** A creator's earnings per month (oldest first) and what it has claimed in all. */
export interface CreatorPast {
  months: { epoch: bigint; amount: bigint }[];
  claimed: bigint;
}

/** Tips a creator received in one month: their sum and how many. */
export interface TipMonth {
  epoch: bigint;
  amount: bigint;
  count: number;
}

/** How far an epoch's settlement went on chain. */
export interface EpochSettlement {
  epoch: bigint;
  settledReaders: bigint;
  batches: number;
}

export interface HistorySource {
  readonly kind: "indexer" | "logs";
  reader(reader: Address): Promise<ReaderPast>;
  creator(creator: Address): Promise<CreatorPast>;
  /** The tips `creator` received, per month, oldest first (apart from its earnings of settlements). */
  creatorTips(creator: Address): Promise<TipMonth[]>;
  /** The settlement of each of `epochs`, in the same order. */
  epochs(epochs: readonly bigint[]): Promise<EpochSettlement[]>;
}

/** The indexer's answers in the pages' shapes. */
export function indexerHistory(indexer: IndexerClient): HistorySource {
  return {
    kind: "indexer",
    reader: async (reader) => {
      const [history, tips] = await Promise.all([indexer.readerHistory(reader), readerTipsOf(indexer, reader)]);
      return readerPastFromIndexer(history, tips);
    },
    creator: async (creator) => {
      const earnings = await indexer.creatorEarnings(creator);
      return { months: earnings.months.map(({ epoch, amount }) => ({ epoch, amount })), claimed: earnings.claimed };
    },
    creatorTips: async (creator) => (await indexer.creatorTips(creator)).months,
    epochs: async (epochs) => {
      const totals = new Map((await indexer.epochs()).map((t) => [t.epoch, t]));
      return epochs.map((epoch) => {
        const t = totals.get(epoch);
        return { epoch, settledReaders: BigInt(t?.settledReaders ?? 0), batches: t?.batches ?? 0 };
      });
    },
  };
}

/** The reader's tips from the indexer; none from an indexer older than the tips route (404). */
async function readerTipsOf(indexer: IndexerClient, reader: Address): Promise<Tips["tips"]> {
  try {
    return (await indexer.readerTips(reader)).tips;
  } catch (error) {
    if (error instanceof IndexerError && error.status === 404) return [];
    throw error;
  }
}

/**
 * A reader's indexed history as the pages show it. The indexer names no log index: a settlement is one
 * per month, and a month's skips keep the indexer's order (`logIndex` is their position).
 */
export function readerPastFromIndexer(indexed: IndexedReaderHistory, tips: Tips["tips"] = []): ReaderPast {
  const settled = new Map<bigint, SettledMonth>();
  const skipped = new Map<bigint, SkippedLog[]>();
  for (const month of indexed.months) {
    const s = month.settlement;
    if (s !== null) {
      settled.set(month.epoch, {
        epoch: month.epoch,
        budget: month.funded,
        tip: s.tip,
        clicks: s.clicks,
        transactionHash: s.transaction,
        blockNumber: s.block,
        logIndex: 0,
        payments: s.payments?.map((p) => ({ creator: p.creator, amount: p.amount, clicks: undefined })),
      });
    }
    if (month.skips.length > 0) {
      skipped.set(
        month.epoch,
        month.skips.map((skip, i) => ({
          epoch: month.epoch,
          reason: skipReasonNames.indexOf(skip.reason),
          transactionHash: skip.transaction,
          blockNumber: skip.block,
          logIndex: i,
        })),
      );
    }
  }
  const firsts = indexed.subscriptions.map((s) => s.firstEpoch);
  const firstFundedEpoch = firsts.reduce<bigint | undefined>(
    (min, e) => (min === undefined || e < min ? e : min),
    undefined,
  );
  const sent: SentTip[] = tips.map((t) => ({
    creator: t.creator,
    amount: t.amount,
    epoch: t.epoch,
    transactionHash: t.transaction,
    blockNumber: t.block,
  }));
  return { history: { settled, skipped, tips: tipsByEpoch(sent) }, firstFundedEpoch };
}

type Named<N extends PoolLog["eventName"]> = Extract<PoolLog, { eventName: N }>;
const named =
  <N extends PoolLog["eventName"]>(name: N) =>
  (log: PoolLog): log is Named<N> =>
    log.eventName === name;

/**
 * The same answers from the pool's logs (and, for a settled month's split, its settle transaction; for a
 * tip's month, its block's timestamp by the pool's `schedule`).
 */
export function logHistory(
  scanner: LogScanner,
  client: Pick<PublicClient, "getTransaction" | "getBlock">,
  schedule: EpochSchedule,
): HistorySource {
  // A mined transaction never changes: its input is read once per page load.
  const inputs = new Map<Hash, Promise<Hex>>();
  const inputOf = (hash: Hash) => {
    let input = inputs.get(hash);
    if (input === undefined) {
      input = client.getTransaction({ hash }).then((tx) => tx.input);
      input.catch(() => inputs.delete(hash));
      inputs.set(hash, input);
    }
    return input;
  };
  // A block's timestamp never changes either (a reorg replaces the log, and with it the block number read).
  const epochs = new Map<bigint, Promise<bigint>>();
  const epochOf = (blockNumber: bigint) => {
    let epoch = epochs.get(blockNumber);
    if (epoch === undefined) {
      epoch = client.getBlock({ blockNumber }).then((block) => epochAt(schedule, block.timestamp));
      epoch.catch(() => epochs.delete(blockNumber));
      epochs.set(blockNumber, epoch);
    }
    return epoch;
  };
  return {
    kind: "logs",
    reader: async (reader) => readerPastFromLogs(reader, await scanner.sync(), inputOf, epochOf),
    creator: async (creator) => creatorPastFromLogs(creator, await scanner.sync()),
    creatorTips: async (creator) => creatorTipsFromLogs(creator, await scanner.sync(), epochOf),
    epochs: async (epochs) => {
      const batches = (await scanner.sync()).filter(named("BatchSettled"));
      return epochs.map((epoch) => {
        const mine = batches.filter((b) => b.args.epoch === epoch);
        return { epoch, settledReaders: mine.reduce((sum, b) => sum + b.args.settled, 0n), batches: mine.length };
      });
    },
  };
}

export async function readerPastFromLogs(
  reader: Address,
  logs: readonly PoolLog[],
  inputOf: (hash: Hash) => Promise<Hex>,
  epochOf: (blockNumber: bigint) => Promise<bigint>,
): Promise<ReaderPast> {
  const settled: SettledLog[] = logs.filter(named("ReaderSettled")).flatMap((log) =>
    !isAddressEqual(log.args.reader, reader)
      ? []
      : [
          {
            epoch: log.args.epoch,
            budget: log.args.budget,
            tip: log.args.tip,
            clicks: log.args.clicks,
            transactionHash: log.transactionHash,
            blockNumber: log.blockNumber,
            logIndex: log.logIndex,
          },
        ],
  );
  const skipped: SkippedLog[] = logs.filter(named("ReaderSkipped")).flatMap((log) =>
    !isAddressEqual(log.args.reader, reader)
      ? []
      : [
          {
            epoch: log.args.epoch,
            reason: log.args.reason,
            transactionHash: log.transactionHash,
            blockNumber: log.blockNumber,
            logIndex: log.logIndex,
          },
        ],
  );
  const inputs = new Map<Hash, Hex>();
  await Promise.all(
    [...new Set(settled.map((log) => log.transactionHash))].map(async (hash) => {
      try {
        inputs.set(hash, await inputOf(hash));
      } catch {
        // The month still shows its totals from the event; only the split per creator is missing.
      }
    }),
  );
  const firstFundedEpoch = logs
    .filter(named("Subscribed"))
    .filter((log) => isAddressEqual(log.args.reader, reader))
    .reduce<bigint | undefined>(
      (min, log) => (min === undefined || log.args.firstEpoch < min ? log.args.firstEpoch : min),
      undefined,
    );
  const tips: SentTip[] = await Promise.all(
    logs
      .filter(named("Tipped"))
      .filter((log) => isAddressEqual(log.args.reader, reader))
      .map(async (log) => ({
        creator: log.args.creator,
        amount: log.args.amount,
        epoch: await epochOf(log.blockNumber),
        transactionHash: log.transactionHash,
        blockNumber: log.blockNumber,
      })),
  );
  return { history: readerHistory(reader, settled, skipped, inputs, tips), firstFundedEpoch };
}

export function creatorPastFromLogs(creator: Address, logs: readonly PoolLog[]): CreatorPast {
  const perEpoch = new Map<bigint, bigint>();
  for (const log of logs.filter(named("CreatorCredited")))
    if (isAddressEqual(log.args.creator, creator))
      perEpoch.set(log.args.epoch, (perEpoch.get(log.args.epoch) ?? 0n) + log.args.amount);
  const claimed = logs
    .filter(named("Claimed"))
    .filter((log) => isAddressEqual(log.args.creator, creator))
    .reduce((sum, log) => sum + log.args.amount, 0n);
  const months = [...perEpoch.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([epoch, amount]) => ({ epoch, amount }));
  return { months, claimed };
}

/** The tips `creator` received per month, from its `Tipped` logs and their blocks' epochs. */
export async function creatorTipsFromLogs(
  creator: Address,
  logs: readonly PoolLog[],
  epochOf: (blockNumber: bigint) => Promise<bigint>,
): Promise<TipMonth[]> {
  const perEpoch = new Map<bigint, TipMonth>();
  const received = logs.filter(named("Tipped")).filter((log) => isAddressEqual(log.args.creator, creator));
  const epochs = await Promise.all(received.map((log) => epochOf(log.blockNumber)));
  received.forEach((log, i) => {
    const epoch = epochs[i] ?? 0n;
    const month = perEpoch.get(epoch) ?? { epoch, amount: 0n, count: 0 };
    perEpoch.set(epoch, { epoch, amount: month.amount + log.args.amount, count: month.count + 1 });
  });
  return [...perEpoch.values()].sort((a, b) => (a.epoch < b.epoch ? -1 : a.epoch > b.epoch ? 1 : 0));
}
