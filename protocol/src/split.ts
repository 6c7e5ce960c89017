/**
 * The contract's split, recomputed off chain (for projections in the dApp and independent checks of
 * the books). Pays each (creator, count) entry, in order over the reader's tallies, the difference of
 * running totals `floor(amount * cumulative / total)`.
 */
import type { Address } from "viem";

import { BPS } from "./limits.js";
import type { Clicks } from "./tally.js";

export interface ReaderSplit {
  tip: bigint;
  shares: Map<Address, bigint>;
}

/** Splits `budget` for tallies given in ascending signer order, as `settle` does. */
export function splitBudget(budget: bigint, keeperTipBps: number, tallies: readonly Clicks[]): ReaderSplit {
  const tip = (budget * BigInt(keeperTipBps)) / BigInt(BPS);
  const amount = budget - tip;
  const total = tallies.reduce((sum, t) => sum + t.counts.reduce((s, n) => s + BigInt(n), 0n), 0n);
  const shares = new Map<Address, bigint>();
  if (total === 0n) return { tip: 0n, shares };
  let cumulative = 0n;
  let paid = 0n;
  for (const tally of tallies) {
    tally.creators.forEach((creator, i) => {
      cumulative += BigInt(tally.counts[i] as number);
      const paidThrough = (amount * cumulative) / total;
      const share = paidThrough - paid;
      paid = paidThrough;
      if (share !== 0n) shares.set(creator, (shares.get(creator) ?? 0n) + share);
    });
  }
  return { tip, shares };
}
