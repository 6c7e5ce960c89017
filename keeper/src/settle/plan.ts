/**
 * Pure settlement decisions: which tallies of which readers to submit, and how to pack them into
 * batches. No I/O here; the settler gathers the chain facts and performs the plan.
 */
import type { Address } from "viem";

import { compareAddresses, selectTallies, type SignedTally } from "@plaudit/protocol";
import type { ReaderOutcome } from "../store/types.js";

/** What the chain says about a reader at settlement time. */
export interface ReaderFacts {
  settled: boolean;
  budget: bigint;
  /** The session nonce of the reader's budget: delegations with another nonce were revoked. */
  sessionNonce: number;
}

export interface ReaderEntry {
  reader: Address;
  /** Signing keys strictly ascending, as `settle` requires. */
  tallies: SignedTally[];
}

export interface EpochPlan {
  include: ReaderEntry[];
  /** Readers decided without a transaction: settled by someone else, or dropped with the reason. */
  outcomes: ReaderOutcome[];
}

export function groupByReader(tallies: readonly SignedTally[]): Map<Address, SignedTally[]> {
  const groups = new Map<Address, SignedTally[]>();
  for (const tally of tallies) {
    const list = groups.get(tally.reader);
    if (list === undefined) groups.set(tally.reader, [tally]);
    else list.push(tally);
  }
  return groups;
}

export function planEpoch(input: {
  epochEnd: bigint;
  tallies: readonly SignedTally[];
  facts: ReadonlyMap<Address, ReaderFacts>;
}): EpochPlan {
  const plan: EpochPlan = { include: [], outcomes: [] };
  for (const [reader, tallies] of groupByReader(input.tallies)) {
    const facts = input.facts.get(reader);
    if (facts === undefined) continue;
    if (facts.settled) {
      plan.outcomes.push({ reader, outcome: "settled", reason: "settled_elsewhere", txHash: null });
      continue;
    }
    if (facts.budget === 0n) {
      plan.outcomes.push({ reader, outcome: "dropped", reason: "no budget", txHash: null });
      continue;
    }
    const chosen = selectTallies(tallies, input.epochEnd, facts.sessionNonce);
    if (chosen.length === 0) {
      plan.outcomes.push({ reader, outcome: "dropped", reason: "no valid tally", txHash: null });
      continue;
    }
    plan.include.push({ reader, tallies: chosen });
  }
  plan.include.sort((a, b) => compareAddresses(a.reader, b.reader));
  return plan;
}

/**
 * A rough gas figure for one reader (from `npm run bench:gas`: budget slot, event and calldata per reader,
 * a signature and hashing per tally, a check, a share and a possibly new creator balance per click
 * entry), scaled by the settler from real estimates.
 */
export function readerGasHint(entry: ReaderEntry): number {
  let gas = 10_000;
  for (const tally of entry.tallies) {
    gas += 5_000 + tally.creators.length * 3_000;
    if (tally.session !== null) gas += 4_000;
  }
  return gas;
}

/** Packs entries in order into batches whose hinted gas stays under `budget`. */
export function packBatches(
  entries: readonly ReaderEntry[],
  budget: number,
  hint: (entry: ReaderEntry) => number = readerGasHint,
): ReaderEntry[][] {
  const batches: ReaderEntry[][] = [];
  let current: ReaderEntry[] = [];
  let used = 0;
  for (const entry of entries) {
    const gas = hint(entry);
    if (current.length > 0 && used + gas > budget) {
      batches.push(current);
      current = [];
      used = 0;
    }
    current.push(entry);
    used += gas;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
