/**
 * Which of a reader's tallies a settlement submits: the rule every submitter (a keeper, or the reader's
 * own "settle it yourself") applies before calling `settle`, so that the pool does not skip the reader
 * for one revoked, expired or malformed tally among good ones.
 */
import type { Address } from "viem";

import { MAX_TALLIES_PER_READER } from "./limits.js";
import type { SignedTally } from "./schemas.js";
import { clicksProblem, compareAddresses, totalClicks } from "./tally.js";

/** What the pool checks a tally against, besides the tally itself. */
export interface SelectionContext {
  /** The end of the tally's epoch (a session must last at least until then). */
  epochEnd: bigint;
  /** The reader's session nonce for that epoch (`budgetOf(reader, epoch).sessionNonce`). */
  sessionNonce: number;
  /** The pool's token (no creator; the pool itself is `tally.pool`). */
  token: Address;
}

/**
 * Why the pool would reject this tally, or undefined when it would not. Signatures are not checked here
 * (the keeper checks them on arrival; the pool checks them again).
 */
export function tallyProblem(tally: SignedTally, context: SelectionContext): string | undefined {
  const { epochEnd, sessionNonce, token } = context;
  const clicks = clicksProblem(tally.reader, tally, { pool: tally.pool, token });
  if (clicks !== undefined) return clicks;
  if (tally.signer !== tally.reader) {
    if (tally.session === null) return "no session for a session key";
    if (tally.session.expiry < epochEnd) return "session expired before the epoch's end";
    if (tally.session.nonce !== sessionNonce) return "session revoked (old nonce)";
  }
  return undefined;
}

/**
 * The tallies to submit for one reader: valid ones only, one per signing key (the highest seq), at most
 * MAX_TALLIES_PER_READER (those with the most clicks), ordered by signer as `settle` requires.
 */
export function selectTallies(tallies: readonly SignedTally[], context: SelectionContext): SignedTally[] {
  const bySigner = new Map<Address, SignedTally>();
  for (const tally of tallies) {
    if (tallyProblem(tally, context) !== undefined) continue;
    const kept = bySigner.get(tally.signer);
    if (kept === undefined || kept.seq < tally.seq) bySigner.set(tally.signer, tally);
  }
  let chosen = [...bySigner.values()];
  if (chosen.length > MAX_TALLIES_PER_READER) {
    chosen = chosen.sort((a, b) => totalClicks(b) - totalClicks(a)).slice(0, MAX_TALLIES_PER_READER);
  }
  return chosen.sort((a, b) => compareAddresses(a.signer, b.signer));
}
