/**
 * The tallies this browser signed, per (reader, epoch, signing key). They back the outbox and let a
 * reader settle an epoch no keeper settled ("settle it yourself").
 */
import type { Address } from "viem";

import { signedTallySchema, type SignedTally } from "@plaudit/protocol";
import { itemOfKey } from "./item.js";
import { keys, storedTallySchema, type Scope, type StoredTally } from "./records.js";
import { readJson, writeJson, type KeyValueStore } from "./storage.js";

export function loadTally(
  store: KeyValueStore,
  scope: Scope,
  reader: Address,
  epoch: bigint,
  signer: Address,
): StoredTally | undefined {
  return readJson(store, keys.tally(scope, reader, epoch, signer), storedTallySchema);
}

export function saveTally(
  store: KeyValueStore,
  scope: Scope,
  reader: Address,
  epoch: bigint,
  signer: Address,
  tally: StoredTally,
): void {
  writeJson(store, keys.tally(scope, reader, epoch, signer), tally);
}

/** Every tally this browser signed for `reader` in `epoch`, one per signing key, parsed. */
export function localTallies(store: KeyValueStore, scope: Scope, reader: Address, epoch: bigint): SignedTally[] {
  const found: SignedTally[] = [];
  for (const key of store.keys(keys.tallyPrefix(scope, reader, epoch))) {
    try {
      const record = readJson(store, key, storedTallySchema);
      if (record !== undefined) found.push(signedTallySchema.parse(record.last));
    } catch {
      // A corrupt record is skipped; the others still count.
    }
  }
  return found;
}

/** The items (URLs) this browser counted for `reader` in `epoch`, by creator (checksummed address). */
export function localItems(store: KeyValueStore, scope: Scope, reader: Address, epoch: bigint): Map<Address, string[]> {
  const found = new Map<Address, string[]>();
  for (const key of store.keys(keys.tallyPrefix(scope, reader, epoch))) {
    let record: StoredTally | undefined;
    try {
      record = readJson(store, key, storedTallySchema);
    } catch {
      continue; // A corrupt record names no items; the others still do.
    }
    for (const item of (record?.items ?? []).map(itemOfKey))
      if (item !== undefined) found.set(item.creator, [...(found.get(item.creator) ?? []), item.url]);
  }
  return found;
}

/**
 * Merges tally sets (from this browser and from the keeper) into what `settle` takes: the highest seq
 * per signing key, keys ascending, only tallies of this reader, epoch, chain and pool.
 */
export function mergeTallies(scope: Scope, reader: Address, epoch: bigint, ...sets: SignedTally[][]): SignedTally[] {
  const best = new Map<bigint, SignedTally>();
  for (const tally of sets.flat()) {
    if (tally.chainId !== scope.chainId || BigInt(tally.pool) !== BigInt(scope.pool)) continue;
    if (BigInt(tally.reader) !== BigInt(reader) || tally.epoch !== epoch) continue;
    const signer = BigInt(tally.signer);
    const current = best.get(signer);
    if (current === undefined || tally.seq > current.seq) best.set(signer, tally);
  }
  return [...best.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, tally]) => tally);
}
