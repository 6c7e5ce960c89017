/** An epoch's status as the API and the CLI report it. */
import type { EpochStatusResponse } from "@plaudit/protocol";

import type { ChainView } from "../chain.js";
import type { Store } from "../store/types.js";

/** The answer of `GET /v1/epochs/:epoch`, as the protocol package defines it. */
export type EpochStatus = EpochStatusResponse;

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
    clicks: stats.clicks - stats.droppedClicks,
    settledClicks: stats.settledClicks,
    droppedClicks: stats.droppedClicks,
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
