/**
 * Pure settlement decisions: which tallies of which readers to submit, and how to group them into
 * batches (EOA readers apart from wallet readers, reverted batches bisected). No I/O here; the settler
 * gathers the chain facts and performs the plan.
 */
import type { Address, Hex } from "viem";

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
  /**
   * Settled only in batches of wallet readers: the reader has code (a contract wallet, or an EIP-7702
   * delegated account), or one of its signatures is one only code could accept.
   */
  wallet: boolean;
  /**
   * Reader signatures (a tally's own, or a session key's `Session`) that are not the reader's ECDSA
   * signature: each is one ERC-1271 call of the reader's code when the pool checks it.
   */
  walletChecks: number;
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

/**
 * Readers to submit, as EOA readers (`wallet` false, no wallet checks) until `withWalletFacts` says
 * otherwise. Readers in `inFlight` (in a transaction that may still be mined) are left for later.
 */
export function planEpoch(input: {
  epochEnd: bigint;
  /** The pool's token: a tally naming it (or the pool) as a creator is left out. */
  token: Address;
  tallies: readonly SignedTally[];
  facts: ReadonlyMap<Address, ReaderFacts>;
  inFlight?: ReadonlySet<Address>;
}): EpochPlan {
  const plan: EpochPlan = { include: [], outcomes: [] };
  for (const [reader, tallies] of groupByReader(input.tallies)) {
    if (input.inFlight?.has(reader) === true) continue;
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
    const chosen = selectTallies(tallies, {
      epochEnd: input.epochEnd,
      sessionNonce: facts.sessionNonce,
      token: input.token,
    });
    if (chosen.length === 0) {
      plan.outcomes.push({ reader, outcome: "dropped", reason: "no valid tally", txHash: null });
      continue;
    }
    plan.include.push({ reader, tallies: chosen, wallet: false, walletChecks: 0 });
  }
  plan.include.sort((a, b) => compareAddresses(a.reader, b.reader));
  return plan;
}

/** The signature of `tally` that the pool checks as the reader's: the tally's own, or its `Session`'s. */
export function readerSignatureOf(tally: SignedTally): { kind: "Tally" | "Session"; signature: Hex } {
  if (tally.signer === tally.reader || tally.session === null) return { kind: "Tally", signature: tally.signature };
  return { kind: "Session", signature: tally.session.signature };
}

/**
 * `entry` classified: `walletChecks` is how many of its reader signatures (see readerSignatureOf) do not
 * recover to the reader by ECDSA; a reader with code or with such a signature is a wallet reader. (The
 * count does not depend on the code: an account without code now may have some when the batch is mined.)
 */
export function withWalletFacts(entry: ReaderEntry, facts: { hasCode: boolean; walletChecks: number }): ReaderEntry {
  return { ...entry, wallet: facts.hasCode || facts.walletChecks > 0, walletChecks: facts.walletChecks };
}

/** Packs entries in order into batches whose hinted gas stays under `budget`. */
export function packBatches(
  entries: readonly ReaderEntry[],
  budget: number,
  hint: (entry: ReaderEntry) => number,
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

/** A mined settle transaction that reverted, with its readers in batch order. */
export interface RevertedBatch {
  hash: Hex;
  readers: readonly Address[];
}

export interface BatchPlan {
  /** In sending order: EOA readers first, then wallet readers; each batch of one kind only. */
  batches: ReaderEntry[][];
  /** Readers whose settle transaction reverted with them alone: dropped, with the transaction named. */
  outcomes: ReaderOutcome[];
}

/** Which half of a reverted batch of `size` readers position `index` falls in. */
function halfOf(index: number, size: number): 0 | 1 {
  return index < Math.ceil(size / 2) ? 0 : 1;
}

/**
 * Groups readers into batches. A reader whose latest reverted batch (`reverted`, oldest first) had other
 * readers goes with the readers of its half of that batch only, so a reverted batch is bisected, never
 * re-sent as it was; a reader whose batch reverted with it alone is dropped. Everyone else is packed
 * under `budget` by `hint`, EOA readers apart from (and before) wallet readers, so an honest EOA never
 * shares a transaction with a wallet.
 */
export function planBatches(input: {
  entries: readonly ReaderEntry[];
  reverted: readonly RevertedBatch[];
  budget: number;
  hint: (entry: ReaderEntry) => number;
}): BatchPlan {
  const latest = new Map<Address, { batch: RevertedBatch; index: number }>();
  for (const batch of input.reverted) batch.readers.forEach((reader, index) => latest.set(reader, { batch, index }));

  const outcomes: ReaderOutcome[] = [];
  const fresh: { eoa: ReaderEntry[]; wallet: ReaderEntry[] } = { eoa: [], wallet: [] };
  const halves = new Map<string, ReaderEntry[]>();
  for (const entry of input.entries) {
    const last = latest.get(entry.reader);
    if (last === undefined) {
      (entry.wallet ? fresh.wallet : fresh.eoa).push(entry);
      continue;
    }
    if (last.batch.readers.length === 1) {
      outcomes.push({
        reader: entry.reader,
        outcome: "dropped",
        reason: `settle transaction ${last.batch.hash} reverted with this reader alone`,
        txHash: null,
      });
      continue;
    }
    const key = `${entry.wallet ? "wallet" : "eoa"}:${last.batch.hash}:${halfOf(last.index, last.batch.readers.length)}`;
    halves.set(key, [...(halves.get(key) ?? []), entry]);
  }

  const pack = (entries: readonly ReaderEntry[]) => packBatches(entries, input.budget, input.hint);
  const bisected = (kind: "eoa" | "wallet") =>
    [...halves.entries()].filter(([key]) => key.startsWith(`${kind}:`)).flatMap(([, group]) => pack(group));
  return {
    batches: [...pack(fresh.eoa), ...bisected("eoa"), ...pack(fresh.wallet), ...bisected("wallet")],
    outcomes,
  };
}
