/**
 * The durable queue of signed tallies the keeper has not acknowledged yet. A tally enters it in the
 * same locked step that signs it, so nothing signed is lost when the keeper is down, the tab closes or
 * the pop-up goes away; any first-party page of the dApp flushes it later. Entries are sent oldest
 * first (seq order per key), retried with exponential backoff, and leave the queue only when the keeper
 * stored them, already has a newer tally, or the epoch closed (the tally then stays in the tally store
 * for "settle it yourself"). A tally the keeper refuses for good is kept, marked failed, for the reader.
 */
import {
  isRetryable,
  isSuperseded,
  type KeeperClient,
  type SignedTallyInput,
  signedTallySchema,
  toWireTally,
} from "@plaudit/protocol";
import type { Locks } from "./locks.js";
import { keys, lockNames, outboxSchema, storedWireTallySchema, type OutboxEntry, type Scope } from "./records.js";
import { readJson, writeJson, type KeyValueStore } from "./storage.js";

/** The stored tally, re-validated, in wire form for the keeper. */
function signedTallyWire(entry: OutboxEntry): SignedTallyInput {
  return toWireTally(signedTallySchema.parse(entry.tally));
}

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 5 * 60 * 1000;

export function backoffDelay(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_MAX_MS);
}

export interface OutboxDeps {
  store: KeyValueStore;
  locks: Locks;
  scope: Scope;
  now: () => number;
}

type ReadDeps = Pick<OutboxDeps, "store" | "scope" | "now">;

function read(deps: ReadDeps): OutboxEntry[] {
  try {
    return readJson(deps.store, keys.outbox(deps.scope), outboxSchema) ?? [];
  } catch {
    // Never drop a corrupt queue silently: keep it aside for inspection and start afresh.
    const raw = deps.store.get(keys.outbox(deps.scope));
    if (raw !== null) deps.store.set(`${keys.outbox(deps.scope)}:corrupt:${deps.now()}`, raw);
    return [];
  }
}

export function entryId(tally: SignedTallyInput): string {
  return `${tally.reader}:${tally.signer}:${tally.epoch}:${tally.seq}`.toLowerCase();
}

/** Adds a signed tally; call while holding the tally's lock so seqs enter in order. */
export async function enqueue(deps: OutboxDeps, tally: SignedTallyInput, item?: string): Promise<void> {
  await deps.locks.run(lockNames.outbox(deps.scope), async () => {
    const entries = read(deps);
    const id = entryId(tally);
    if (entries.some((entry) => entry.id === id)) return;
    entries.push({
      id,
      tally: storedWireTallySchema.parse(tally),
      ...(item === undefined ? {} : { item }),
      attempts: 0,
      nextAttemptAt: 0,
    });
    writeJson(deps.store, keys.outbox(deps.scope), entries);
  });
}

export function pendingEntries(deps: ReadDeps): OutboxEntry[] {
  return read(deps);
}

async function update(deps: OutboxDeps, id: string, change: (entry: OutboxEntry) => OutboxEntry | undefined) {
  await deps.locks.run(lockNames.outbox(deps.scope), async () => {
    const entries = read(deps);
    const next: OutboxEntry[] = [];
    for (const entry of entries) {
      if (entry.id !== id) next.push(entry);
      else {
        const changed = change(entry);
        if (changed !== undefined) next.push(changed);
      }
    }
    writeJson(deps.store, keys.outbox(deps.scope), next);
  });
}

export interface FlushResult {
  sent: number;
  dropped: number;
  failed: number;
  waiting: number;
  /** When the next retry is due (ms since epoch), if anything waits. */
  nextAttemptAt?: number;
  /** Set when this tab skipped the flush because another tab is flushing. */
  busy?: boolean;
  lastError?: string;
}

/**
 * Sends every due entry, oldest first. Only one tab flushes at a time; the others return `busy`.
 * A retryable failure stops the round (later seqs wait behind the earlier one).
 */
export async function flush(deps: OutboxDeps, keeper: KeeperClient): Promise<FlushResult> {
  const result = await deps.locks.tryRun(lockNames.flush(deps.scope), async () => {
    const outcome: FlushResult = { sent: 0, dropped: 0, failed: 0, waiting: 0 };
    for (const entry of read(deps)) {
      if (entry.failed === true) continue;
      if (entry.nextAttemptAt > deps.now()) break;
      try {
        await keeper.postTally(signedTallyWire(entry), entry.item);
        await update(deps, entry.id, () => undefined);
        outcome.sent++;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (isSuperseded(error)) {
          await update(deps, entry.id, () => undefined);
          outcome.dropped++;
        } else if (isRetryable(error)) {
          const attempts = entry.attempts + 1;
          await update(deps, entry.id, (e) => ({
            ...e,
            attempts,
            nextAttemptAt: deps.now() + backoffDelay(attempts),
            lastError: message,
          }));
          outcome.lastError = message;
          break;
        } else {
          await update(deps, entry.id, (e) => ({ ...e, attempts: e.attempts + 1, failed: true, lastError: message }));
          outcome.failed++;
          outcome.lastError = message;
        }
      }
    }
    const left = read(deps).filter((entry) => entry.failed !== true);
    outcome.waiting = left.length;
    // Entries go out in order, so the head of the line decides when the next round is due.
    if (left[0] !== undefined) outcome.nextAttemptAt = left[0].nextAttemptAt;
    return outcome;
  });
  return result ?? { sent: 0, dropped: 0, failed: 0, waiting: pendingEntries(deps).length, busy: true };
}

/** Puts failed entries back in line (after the reader fixed the cause, e.g. subscribed). */
export async function retryFailed(deps: OutboxDeps): Promise<void> {
  await deps.locks.run(lockNames.outbox(deps.scope), async () => {
    const entries = read(deps).map((entry) => ({ ...entry, failed: false, nextAttemptAt: 0 }));
    writeJson(deps.store, keys.outbox(deps.scope), entries);
  });
}

/** Removes failed entries the reader chose to give up. */
export async function discardFailed(deps: OutboxDeps): Promise<void> {
  await deps.locks.run(lockNames.outbox(deps.scope), async () => {
    writeJson(
      deps.store,
      keys.outbox(deps.scope),
      read(deps).filter((entry) => entry.failed !== true),
    );
  });
}
