/**
 * Cumulative tallies as the contract wants them: creators strictly ascending (as 160-bit numbers),
 * one positive count each. The dApp adds clicks with `addClick`; keepers and tests reuse the checks.
 */
import { getAddress, type Address } from "viem";

import { MAX_CLICK_COUNT, MAX_CREATORS_PER_TALLY } from "./limits.js";

export interface Clicks {
  creators: readonly Address[];
  counts: readonly number[];
}

export const NO_CLICKS: Clicks = { creators: [], counts: [] };

function compareAddresses(a: Address, b: Address): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Returns `clicks` with one more click for `creator`, keeping the canonical order. */
export function addClick(clicks: Clicks, creator: Address, times = 1): Clicks {
  const normalized = getAddress(creator);
  const creators = [...clicks.creators];
  const counts = [...clicks.counts];
  const index = creators.findIndex((c) => compareAddresses(c, normalized) >= 0);
  if (index !== -1 && compareAddresses(creators[index] as Address, normalized) === 0) {
    const next = (counts[index] as number) + times;
    if (next > MAX_CLICK_COUNT) throw new RangeError(`click count for ${normalized} exceeds ${MAX_CLICK_COUNT}`);
    counts[index] = next;
  } else {
    if (creators.length >= MAX_CREATORS_PER_TALLY) {
      throw new RangeError(`a tally names at most ${MAX_CREATORS_PER_TALLY} creators`);
    }
    const at = index === -1 ? creators.length : index;
    creators.splice(at, 0, normalized);
    counts.splice(at, 0, times);
  }
  return { creators, counts };
}

export function totalClicks(clicks: Clicks): number {
  return clicks.counts.reduce((sum, n) => sum + n, 0);
}

/**
 * The pool and its token, which the contract refuses as creators: a share credited to either could never
 * leave the pool.
 */
export interface PoolAccounts {
  pool: Address;
  token: Address;
}

/**
 * Why the contract would reject these clicks for `reader`, or undefined if it would accept them. Without
 * `accounts` the pool's and its token's refusal is not checked: keepers (admission and plans) pass them.
 */
export function clicksProblem(reader: Address, clicks: Clicks, accounts?: PoolAccounts): string | undefined {
  const { creators, counts } = clicks;
  if (creators.length === 0) return "a tally names no creator";
  if (creators.length > MAX_CREATORS_PER_TALLY) return `a tally names at most ${MAX_CREATORS_PER_TALLY} creators`;
  if (counts.length !== creators.length) return "creators and counts differ in length";
  for (let i = 0; i < creators.length; i++) {
    const creator = creators[i] as Address;
    const count = counts[i] as number;
    if (i > 0 && compareAddresses(creators[i - 1] as Address, creator) >= 0) {
      return "creators must be strictly ascending";
    }
    if (BigInt(creator) === 0n) return "the zero address is no creator";
    if (compareAddresses(creator, reader) === 0) return "a reader cannot click itself";
    if (accounts !== undefined && compareAddresses(creator, accounts.pool) === 0) return "the pool is no creator";
    if (accounts !== undefined && compareAddresses(creator, accounts.token) === 0)
      return "the pool's token is no creator";
    if (!Number.isInteger(count) || count < 1 || count > MAX_CLICK_COUNT) return `bad click count ${count}`;
  }
  return undefined;
}

/** Whether `next` only adds clicks to `previous` (a cumulative tally never goes down). */
export function extendsClicks(previous: Clicks, next: Clicks): boolean {
  const nextCounts = new Map(next.creators.map((c, i) => [BigInt(c), next.counts[i] as number]));
  return previous.creators.every((c, i) => (nextCounts.get(BigInt(c)) ?? 0) >= (previous.counts[i] as number));
}

export { compareAddresses };
