/**
 * Where a reader's money went in a settled month, read back from the pool's own record: the
 * `ReaderSettled` event (budget, keeper tip, clicks) and the `settle` call of its transaction (the
 * reader's tallies, in the packed batch), split again with the protocol's `splitBudget` as the pool
 * split it. `CreatorCredited` cannot say this: it sums a creator's earnings over a whole batch.
 *
 * Every number is checked against the event before it is shown; when the call cannot be read (sent
 * through another contract) or does not add up, the month says so instead of guessing.
 */
import { decodeFunctionData, getAddress, type Address, type Hash, type Hex } from "viem";

import { decodeSettlementBatch, plauditPoolAbi, splitBudget, type Clicks } from "@plaudit/protocol";

export interface CreatorPayment {
  creator: Address;
  /** The reader's clicks for the creator; undefined when the source names only amounts (the indexer). */
  clicks: number | undefined;
  amount: bigint;
}

/** A `ReaderSettled` log of one reader, as the history needs it. */
export interface SettledLog {
  epoch: bigint;
  budget: bigint;
  tip: bigint;
  clicks: bigint;
  transactionHash: Hash;
  blockNumber: bigint;
  logIndex: number;
}

/** A `ReaderSkipped` log of one reader. */
export interface SkippedLog {
  epoch: bigint;
  reason: number;
  transactionHash: Hash;
  blockNumber: bigint;
  logIndex: number;
}

export interface SettledMonth extends SettledLog {
  /** Each creator paid, in the order the pool paid them; undefined when the call could not be read back. */
  payments: CreatorPayment[] | undefined;
}

/** A one-off tip the reader sent (`Tipped`): apart from its budgets, in the epoch its block fell in. */
export interface SentTip {
  creator: Address;
  amount: bigint;
  epoch: bigint;
  transactionHash: Hash;
  blockNumber: bigint;
}

export interface ReaderHistory {
  /** Settled months by epoch (a reader is settled at most once per epoch). */
  settled: Map<bigint, SettledMonth>;
  /** Attempts the pool skipped, by epoch, oldest first. */
  skipped: Map<bigint, SkippedLog[]>;
  /** Tips the reader sent, by epoch, oldest first. */
  tips: Map<bigint, SentTip[]>;
}

/** Tips by the epoch they were sent in, each month's oldest first. */
export function tipsByEpoch(tips: readonly SentTip[]): Map<bigint, SentTip[]> {
  const byEpoch = new Map<bigint, SentTip[]>();
  const chainOrder = [...tips].sort((a, b) =>
    a.blockNumber < b.blockNumber ? -1 : a.blockNumber > b.blockNumber ? 1 : 0,
  );
  for (const tip of chainOrder) byEpoch.set(tip.epoch, [...(byEpoch.get(tip.epoch) ?? []), tip]);
  return byEpoch;
}

/** Chain order of logs. */
const byChainOrder = (a: { blockNumber: bigint; logIndex: number }, b: { blockNumber: bigint; logIndex: number }) =>
  a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1;

/**
 * The reader's payments in the `settle` call `input`, where the reader is the `position`-th entry of
 * that reader in the batch (a batch may name a reader twice; the pool logs each entry in order).
 */
export function paymentsFromSettleCall(
  input: Hex,
  reader: Address,
  settled: Pick<SettledLog, "epoch" | "budget" | "tip" | "clicks">,
  position = 0,
): CreatorPayment[] | undefined {
  let entry;
  try {
    const call = decodeFunctionData({ abi: plauditPoolAbi, data: input });
    if (call.functionName !== "settle") return undefined;
    const [epoch, creators, batch] = call.args;
    if (epoch !== settled.epoch) return undefined;
    const mine = decodeSettlementBatch({ creators: [...creators], batch }).filter(
      (r) => r.reader === getAddress(reader),
    );
    entry = mine[position];
  } catch {
    return undefined;
  }
  if (entry === undefined) return undefined;
  const clicks: Clicks[] = entry.tallies.map((t) => ({
    creators: t.creators.map((c) => getAddress(c)),
    counts: t.counts,
  }));
  const toCreators = settled.budget - settled.tip;
  // The tip is the event's; what is left is split over the same entries in the same order as the pool.
  const { shares } = splitBudget(toCreators, 0, clicks);
  const perCreator = new Map<Address, number>();
  for (const c of clicks)
    c.creators.forEach((creator, i) => perCreator.set(creator, (perCreator.get(creator) ?? 0) + (c.counts[i] ?? 0)));
  const payments = [...perCreator.entries()].map(([creator, n]) => ({
    creator,
    clicks: n,
    amount: shares.get(creator) ?? 0n,
  }));
  const paid = payments.reduce((sum, p) => sum + p.amount, 0n);
  const counted = payments.reduce((sum, p) => sum + BigInt(p.clicks), 0n);
  if (paid !== toCreators || counted !== settled.clicks) return undefined;
  return payments;
}

/**
 * A reader's history from its `ReaderSettled` and `ReaderSkipped` logs and the input of each settled
 * log's transaction (`inputs`, by hash; a missing input leaves that month's payments undefined), with the
 * tips it sent.
 */
export function readerHistory(
  reader: Address,
  settledLogs: readonly SettledLog[],
  skippedLogs: readonly SkippedLog[],
  inputs: ReadonlyMap<Hash, Hex>,
  tips: readonly SentTip[] = [],
): ReaderHistory {
  // The reader's entries in one transaction, in batch order, whatever the pool made of them.
  const entriesOf = (hash: Hash) =>
    [...settledLogs, ...skippedLogs].filter((l) => l.transactionHash === hash).sort(byChainOrder);
  const settled = new Map<bigint, SettledMonth>();
  for (const log of settledLogs) {
    const input = inputs.get(log.transactionHash);
    const position = entriesOf(log.transactionHash).indexOf(log);
    settled.set(log.epoch, {
      ...log,
      payments: input === undefined ? undefined : paymentsFromSettleCall(input, reader, log, position),
    });
  }
  const skipped = new Map<bigint, SkippedLog[]>();
  for (const log of [...skippedLogs].sort(byChainOrder))
    skipped.set(log.epoch, [...(skipped.get(log.epoch) ?? []), log]);
  return { settled, skipped, tips: tipsByEpoch(tips) };
}
