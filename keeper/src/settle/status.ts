/** An epoch's status as the API and the CLI report it. */
import type { Address, Hex } from "viem";

import type { ChainView } from "../chain.js";
import type { Store } from "../store/types.js";
import type { TxStatus } from "../store/types.js";

export interface EpochStatus {
  epoch: string;
  status: "open" | "settling" | "settled" | "expired";
  start: number;
  end: number;
  deadline: number;
  readers: number;
  clicks: number;
  settledReaders: number;
  skippedReaders: number;
  droppedReaders: number;
  /** Dropped readers with the reason (the first STATUS_DROPPED_LIMIT by address). */
  dropped: { reader: Address; reason: string }[];
  transactions: {
    hash: Hex;
    readers: number;
    status: TxStatus;
    /** The keeper account that signed it (null for a record from before senders were stored). */
    from: Address | null;
    nonce: number;
    /** Gas used once mined (also by a reverted one), else null; a decimal string. */
    gasUsed: string | null;
  }[];
}

/** How many dropped readers an epoch's status lists by name (all are counted in droppedReaders). */
export const STATUS_DROPPED_LIMIT = 100;

export async function epochStatus(chain: ChainView, store: Store, epoch: bigint): Promise<EpochStatus> {
  const [now, stats, outcomes, txs] = await Promise.all([
    chain.chainTime(),
    store.epochStats(epoch),
    store.outcomes(epoch),
    store.transactions(epoch),
  ]);
  const bounds = chain.bounds(epoch);
  const count = (kind: string) => outcomes.filter((o) => o.outcome === kind).length;
  const settledReaders = count("settled");
  const decided = outcomes.length;
  let status: EpochStatus["status"];
  if (now < bounds.end) status = "open";
  else if (stats.readers > 0 && decided >= stats.readers) status = "settled";
  else if (stats.readers === 0 && now >= bounds.end) status = now >= bounds.deadline ? "expired" : "settled";
  else status = now >= bounds.deadline ? "expired" : "settling";
  return {
    epoch: epoch.toString(),
    status,
    start: Number(bounds.start),
    end: Number(bounds.end),
    deadline: Number(bounds.deadline),
    readers: stats.readers,
    clicks: stats.clicks,
    settledReaders,
    skippedReaders: count("skipped"),
    droppedReaders: count("dropped"),
    dropped: outcomes
      .filter((o) => o.outcome === "dropped")
      .slice(0, STATUS_DROPPED_LIMIT)
      .map((o) => ({ reader: o.reader, reason: o.reason })),
    transactions: txs.map((t) => ({
      hash: t.hash,
      readers: t.readers.length,
      status: t.status,
      from: t.from,
      nonce: t.nonce,
      gasUsed: t.gasUsed === null ? null : t.gasUsed.toString(),
    })),
  };
}
