/** This epoch's projected split of a reader's budget, from the tallies known so far. */
import type { Address } from "viem";

import { splitBudget, totalClicks, type Clicks, type SignedTally } from "@plaudit/protocol";

export interface ProjectedShare {
  creator: Address;
  clicks: number;
  amount: bigint;
}

/** `tallies` as `mergeTallies` returns them (one per key, keys ascending). */
export function projectSplit(
  budget: bigint,
  keeperTipBps: number,
  tallies: readonly SignedTally[],
): {
  tip: bigint;
  shares: ProjectedShare[];
  clicks: number;
} {
  const clicks: Clicks[] = tallies.map((t) => ({ creators: t.creators, counts: t.counts }));
  const { tip, shares } = splitBudget(budget, keeperTipBps, clicks);
  const perCreator = new Map<Address, number>();
  for (const c of clicks)
    c.creators.forEach((creator, i) => perCreator.set(creator, (perCreator.get(creator) ?? 0) + (c.counts[i] ?? 0)));
  return {
    tip,
    clicks: clicks.reduce((sum, c) => sum + totalClicks(c), 0),
    shares: [...perCreator.entries()].map(([creator, n]) => ({
      creator,
      clicks: n,
      amount: shares.get(creator) ?? 0n,
    })),
  };
}
