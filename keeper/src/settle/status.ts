/** An epoch's status as the API and the CLI report it. */
import type { Hex } from "viem";

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
  /** Clicks of the epoch's readers that were not dropped (all of them while none is). */
  clicks: number;
  /** Clicks of the readers settled so far, and of the dropped ones (never submitted). */
  settledClicks: number;
  droppedClicks: number;
  settledReaders: number;
  skippedReaders: number;
  droppedReaders: number;
  transactions: { hash: Hex; readers: number; status: TxStatus; nonce: number }[];
}

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
    transactions: txs.map((t) => ({ hash: t.hash, readers: t.readers.length, status: t.status, nonce: t.nonce })),
  };
}
