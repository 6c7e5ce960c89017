/**
 * The durable queue of signed tallies the keeper has not acknowledged yet. A tally enters it in the
 * same locked step that signs it, so nothing signed is lost when the keeper is down, the tab closes or
 * the pop-up goes away; any first-party page of the dApp (and a button frame, for its own partition)
 * flushes it later. Entries are sent oldest first (seq order per key), retried with exponential
 * backoff, and leave the queue only when the keeper stored them, already holds them, or the epoch
 * closed (the tally then stays in the tally store for "settle it yourself"). A tally the keeper
 * refuses for good is kept, marked failed, for the reader.
 *
 * One session key may sign in several places that cannot see each other's storage: the dApp's own
 * origin and the partitioned button frames of sites the reader approved (frameGrant.ts). Their tallies
 * of one key form one chain at the keeper: when the keeper answers `stale_sequence` (another signer of
 * the key got there first), the queue reads the keeper's newest tally of the key, checks that the key
 * signed it, and re-signs its own waiting clicks on top of it (`rebase`), so no click of either is lost
 * and none counts twice. Only when an earlier attempt may have been stored without an answer does it
 * fall back to "the keeper's tally already includes it" (if that tally holds at least its clicks).
 */
import type { Address } from "viem";

import {
  addClick,
  clicksProblem,
  type Clicks,
  extendsClicks,
  isRetryable,
  isSuperseded,
  itemTitleSchema,
  KeeperError,
  type KeeperClient,
  type SignedTally,
  type SignedTallyInput,
  signedTallySchema,
  toWireTally,
} from "@plaudit/protocol";
import { describeTallyError } from "./errors.js";
import type { Locks } from "./locks.js";
import { keys, lockNames, outboxSchema, storedWireTallySchema, type OutboxEntry, type Scope } from "./records.js";
import type { StoredSession } from "./records.js";
import { loadSession } from "./session.js";
import { readJson, writeJson, type KeyValueStore } from "./storage.js";
import { keeperLatest, signTally } from "./tallySigning.js";
import { loadTally, saveTally } from "./tallyStore.js";

/** The stored tally, re-validated, in wire form for the keeper. */
function signedTallyWire(entry: OutboxEntry): SignedTallyInput {
  return toWireTally(signedTallySchema.parse(entry.tally));
}

/** The entry's title if the keeper would take it (`itemTitleSchema`); a bad one is left out, not the tally. */
function sendableTitle(entry: OutboxEntry): string | undefined {
  return entry.item !== undefined && itemTitleSchema.safeParse(entry.title).success ? entry.title : undefined;
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
  /**
   * The session that signed a queued tally, to re-sign it on top of another signer's newer one.
   * Default: the session record of this storage (first party). A button frame passes its grant's.
   */
  sessionFor?: (reader: Address, signer: Address) => StoredSession | undefined;
}

/** How many times one flush re-signs queued tallies on top of newer ones before it waits for the next round. */
export const MAX_REBASES_PER_FLUSH = 3;

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
export async function enqueue(
  deps: OutboxDeps,
  tally: SignedTallyInput,
  item?: string,
  creator?: Address,
  title?: string,
): Promise<void> {
  await deps.locks.run(lockNames.outbox(deps.scope), async () => {
    const entries = read(deps);
    const id = entryId(tally);
    if (entries.some((entry) => entry.id === id)) return;
    entries.push({
      id,
      tally: storedWireTallySchema.parse(tally),
      ...(item === undefined ? {} : { item }),
      ...(item === undefined || title === undefined ? {} : { title }),
      ...(creator === undefined ? {} : { creator }),
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
  /** Queued tallies re-signed on top of another signer's newer tally of the same key. */
  rebased: number;
  /** When the next retry is due (ms since epoch), if anything waits. */
  nextAttemptAt?: number;
  /** Set when this tab skipped the flush because another tab is flushing. */
  busy?: boolean;
  lastError?: string;
  /** The keeper's error code of the last failure, when it answered with one. */
  lastCode?: string;
  /** The last failure was that the keeper could not be reached. */
  unreachable?: boolean;
}

function sameChain(entry: OutboxEntry, tally: { reader: string; signer: string; epoch: string }): boolean {
  return (
    BigInt(entry.tally.reader) === BigInt(tally.reader) &&
    BigInt(entry.tally.signer) === BigInt(tally.signer) &&
    entry.tally.epoch === tally.epoch
  );
}

/**
 * What a `stale_sequence` answer came to: the entry was delivered after all, its clicks were re-signed
 * on top of the keeper's tally, it cannot be re-signed here (no key in this storage, or an entry queued
 * before entries named their creator: dropped, as the keeper holds newer), or the keeper's newest
 * tally could not be read or checked (try again later).
 */
type Reconciled = { kind: "included"; removed: number } | { kind: "rebased" | "cannot-rebase" | "retry" };

/**
 * The keeper holds a tally of this key at or above `entry`'s seq. Either it is (or builds on) this
 * queue's own tally, which then leaves the queue, or another signer of the key got there first, and
 * this queue's waiting clicks are re-signed on top of it.
 */
async function reconcile(deps: OutboxDeps, keeper: KeeperClient, entry: OutboxEntry): Promise<Reconciled> {
  const reader = entry.tally.reader as Address;
  const signer = entry.tally.signer as Address;
  const epoch = BigInt(entry.tally.epoch);
  const session = (deps.sessionFor ?? firstPartySession(deps))(reader, signer);
  let latest: SignedTally | undefined;
  try {
    latest = await keeperLatest(keeper, deps.scope, reader, signer, epoch);
  } catch {
    return { kind: "retry" };
  }
  if (latest === undefined) return { kind: "retry" };
  const newest = latest;
  return deps.locks.run(lockNames.tally(deps.scope, reader, signer), () =>
    deps.locks.run(lockNames.outbox(deps.scope), async () => {
      const entries = read(deps);
      const mine = entries
        .filter((e) => e.failed !== true && sameChain(e, entry.tally))
        .sort((a, b) => (BigInt(a.tally.seq) < BigInt(b.tally.seq) ? -1 : 1));
      const keep = (e: OutboxEntry) => !mine.includes(e);
      // The keeper's newest is one of ours: it and everything before it are delivered.
      const own = mine.find((e) => e.tally.signature.toLowerCase() === newest.signature.toLowerCase());
      if (own !== undefined) {
        const seq = BigInt(own.tally.seq);
        const left = entries.filter((e) => keep(e) || BigInt(e.tally.seq) > seq);
        writeJson(deps.store, keys.outbox(deps.scope), left);
        return { kind: "included", removed: entries.length - left.length };
      }
      const head = mine[0];
      if (head === undefined) return { kind: "included", removed: 0 };
      const headClicks = signedTallySchema.parse(head.tally);
      // An earlier attempt may have been stored without an answer and built upon since.
      const cannotRebase = session === undefined || mine.some((e) => e.creator === undefined);
      if ((head.uncertain === true || cannotRebase) && extendsClicks(headClicks, newest)) {
        writeJson(
          deps.store,
          keys.outbox(deps.scope),
          entries.filter((e) => e !== head),
        );
        return { kind: "included", removed: 1 };
      }
      if (cannotRebase) return { kind: "cannot-rebase" };
      let clicks: Clicks = { creators: newest.creators, counts: newest.counts };
      let seq = newest.seq;
      const rebased: OutboxEntry[] = [];
      for (const e of mine) {
        clicks = addClick(clicks, e.creator as Address);
        if (clicksProblem(reader, clicks) !== undefined) return { kind: "cannot-rebase" };
        seq += 1n;
        const tally = toWireTally(await signTally(deps.scope, session, epoch, seq, clicks));
        rebased.push({
          id: entryId(tally),
          tally: storedWireTallySchema.parse(tally),
          ...(e.item === undefined ? {} : { item: e.item }),
          ...(e.title === undefined ? {} : { title: e.title }),
          creator: e.creator,
          attempts: 0,
          nextAttemptAt: 0,
        });
      }
      const at = entries.indexOf(head);
      const next = [...entries.slice(0, at).filter(keep), ...rebased, ...entries.slice(at).filter(keep)];
      writeJson(deps.store, keys.outbox(deps.scope), next);
      const last = rebased[rebased.length - 1];
      const record = loadStoredTally(deps, reader, epoch, signer);
      if (last !== undefined && record !== undefined) {
        saveTally(deps.store, deps.scope, reader, epoch, signer, {
          ...record,
          seq: last.tally.seq,
          creators: [...clicks.creators],
          counts: [...clicks.counts],
          last: last.tally,
        });
      }
      return { kind: "rebased" };
    }),
  );
}

function loadStoredTally(deps: OutboxDeps, reader: Address, epoch: bigint, signer: Address) {
  try {
    return loadTally(deps.store, deps.scope, reader, epoch, signer);
  } catch {
    return undefined;
  }
}

function firstPartySession(deps: OutboxDeps) {
  return (reader: Address, signer: Address): StoredSession | undefined => {
    const session = loadSession(deps.store, deps.scope, reader);
    return session !== undefined && BigInt(session.key) === BigInt(signer) ? session : undefined;
  };
}

/** An attempt that ended this way may have been stored by the keeper before the answer was lost. */
function mayHaveBeenStored(error: unknown): boolean {
  return !(error instanceof KeeperError) || error.kind !== "rejected";
}

/**
 * Sends every due entry, oldest first. Only one tab flushes at a time; the others return `busy`.
 * A retryable failure stops the round (later seqs wait behind the earlier one).
 */
export async function flush(deps: OutboxDeps, keeper: KeeperClient): Promise<FlushResult> {
  const result = await deps.locks.tryRun(lockNames.flush(deps.scope), async () => {
    const outcome: FlushResult = { sent: 0, dropped: 0, failed: 0, waiting: 0, rebased: 0 };
    let rebases = 0;
    let entries = read(deps);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as OutboxEntry;
      if (entry.failed === true) continue;
      if (entry.nextAttemptAt > deps.now()) break;
      try {
        await keeper.postTally(signedTallyWire(entry), entry.item, sendableTitle(entry));
        await update(deps, entry.id, () => undefined);
        outcome.sent++;
      } catch (error) {
        // What the reader may read: a sentence, never the keeper's raw text.
        const message =
          error instanceof KeeperError
            ? describeTallyError(error)
            : error instanceof Error
              ? error.message
              : String(error);
        const code = error instanceof KeeperError ? error.code : undefined;
        const unreachable = error instanceof KeeperError && error.kind === "unreachable";
        const lastCode = code ?? (unreachable ? "unreachable" : undefined);
        const reconciled: Reconciled =
          code === "stale_sequence" && rebases < MAX_REBASES_PER_FLUSH
            ? await reconcile(deps, keeper, entry)
            : { kind: "retry" };
        if (code === "stale_sequence" && reconciled.kind !== "retry") {
          if (reconciled.kind === "rebased") {
            rebases++;
            outcome.rebased++;
          } else if (reconciled.kind === "included") outcome.dropped += reconciled.removed;
          else {
            await update(deps, entry.id, () => undefined);
            outcome.dropped++;
          }
          // The queue changed under this loop: start again from its head.
          entries = read(deps);
          i = -1;
        } else if (isSuperseded(error) && code !== "stale_sequence") {
          await update(deps, entry.id, () => undefined);
          outcome.dropped++;
        } else if (isRetryable(error) || code === "stale_sequence") {
          // (A stale tally lands here only when the keeper's newest could not be read or checked now.)
          const attempts = entry.attempts + 1;
          await update(deps, entry.id, (e) => ({
            ...e,
            attempts,
            nextAttemptAt: deps.now() + backoffDelay(attempts),
            lastError: message,
            ...(lastCode === undefined ? {} : { lastCode }),
            ...(mayHaveBeenStored(error) ? { uncertain: true } : {}),
          }));
          outcome.lastError = message;
          outcome.lastCode = code;
          outcome.unreachable = unreachable;
          break;
        } else {
          await update(deps, entry.id, (e) => ({
            ...e,
            attempts: e.attempts + 1,
            failed: true,
            lastError: message,
            ...(lastCode === undefined ? {} : { lastCode }),
          }));
          outcome.failed++;
          outcome.lastError = message;
          outcome.lastCode = code;
          outcome.unreachable = false;
        }
      }
    }
    const left = read(deps).filter((entry) => entry.failed !== true);
    outcome.waiting = left.length;
    // Entries go out in order, so the head of the line decides when the next round is due.
    if (left[0] !== undefined) outcome.nextAttemptAt = left[0].nextAttemptAt;
    return outcome;
  });
  return result ?? { sent: 0, dropped: 0, failed: 0, rebased: 0, waiting: pendingEntries(deps).length, busy: true };
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
