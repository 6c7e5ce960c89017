/**
 * Records one click with the session key: under a cross-tab lock per (reader, key), reads the key's
 * latest tally for the epoch, refuses a second click on the same item, adds the click, signs the next
 * seq and stores both the tally and an outbox entry before the lock is released. Two tabs therefore
 * never sign the same seq, and a signed tally is durable before anyone tries to send it.
 */
import { getAddress, type Address } from "viem";

import { addClick, clicksProblem, toWireTally, NO_CLICKS, type SignedTally } from "@plaudit/protocol";
import { itemKey, normalizeItemUrl, withTitle, type Item } from "./item.js";
import type { Locks } from "./locks.js";
import { enqueue } from "./outbox.js";
import {
  keys,
  lockNames,
  storedTallySchema,
  storedWireTallySchema,
  type Scope,
  type StoredSession,
} from "./records.js";
import { readJson, type KeyValueStore } from "./storage.js";
import { signTally } from "./tallySigning.js";
import { loadTally, saveTally } from "./tallyStore.js";

export interface ClickDeps {
  store: KeyValueStore;
  locks: Locks;
  scope: Scope;
  /** The pool's token: like the pool itself (`scope.pool`), never a creator a click may credit. */
  token: Address;
  now: () => number;
  /** Items (`itemKey`) this reader's click already counted this epoch elsewhere (a frame grant's). */
  countedElsewhere?: readonly string[];
}

export type ClickOutcome =
  { status: "signed"; tally: SignedTally; creatorClicks: number } | { status: "already"; creatorClicks: number };

export class ClickRefused extends Error {
  override name = "ClickRefused";
}

export async function recordClick(
  deps: ClickDeps,
  session: StoredSession,
  epoch: bigint,
  clicked: Item,
): Promise<ClickOutcome> {
  const item: Item = withTitle(
    { creator: getAddress(clicked.creator), url: normalizeItemUrl(clicked.url) },
    clicked.title,
  );
  const reader = session.reader;
  const signer = session.key;
  return deps.locks.run(lockNames.tally(deps.scope, reader, signer), async () => {
    const previous = loadTally(deps.store, deps.scope, reader, epoch, signer);
    const seen = previous?.items ?? [];
    const key = itemKey(item);
    const clicks = previous === undefined ? NO_CLICKS : { creators: previous.creators, counts: previous.counts };
    const countFor = (c: typeof clicks) => {
      const i = c.creators.findIndex((a) => BigInt(a) === BigInt(item.creator));
      return i === -1 ? 0 : (c.counts[i] ?? 0);
    };
    // One click per item per epoch, whichever of this browser's keys counted it (one-click mode may
    // have been turned off and on again with a new key).
    if (seen.includes(key) || deps.countedElsewhere?.includes(key) || itemsCounted(deps, reader, epoch).has(key))
      return { status: "already", creatorClicks: countFor(clicks) };

    const next = addClick(clicks, item.creator);
    // A hostile page may name the pool or its token as the creator: refused before signing, or the
    // cumulative tally would carry it, and every later click of this key this month would be refused.
    const problem = clicksProblem(reader, next, { pool: deps.scope.pool, token: deps.token });
    if (problem !== undefined) throw new ClickRefused(problem);
    const seq = (previous === undefined ? 0n : BigInt(previous.seq)) + 1n;
    const tally = await signTally(deps.scope, session, epoch, seq, next);
    const wire = toWireTally(tally);
    saveTally(deps.store, deps.scope, reader, epoch, signer, {
      seq: seq.toString(),
      creators: [...next.creators],
      counts: [...next.counts],
      items: [...seen, key],
      last: storedWireTallySchema.parse(wire),
    });
    await enqueue(deps, wire, item.url, item.creator, item.title);
    return { status: "signed", tally, creatorClicks: countFor(next) };
  });
}

function itemsCounted(deps: ClickDeps, reader: Address, epoch: bigint): Set<string> {
  const items = new Set<string>();
  for (const name of deps.store.keys(keys.tallyPrefix(deps.scope, reader, epoch))) {
    try {
      for (const item of readJson(deps.store, name, storedTallySchema)?.items ?? []) items.add(item);
    } catch {
      // A corrupt record counts no items.
    }
  }
  return items;
}

/** The reader's clicks this browser signed in `epoch` with `signer`, for display. */
export function clickedItems(deps: ClickDeps, reader: Address, epoch: bigint, signer: Address): string[] {
  return loadTally(deps.store, deps.scope, reader, epoch, signer)?.items ?? [];
}
