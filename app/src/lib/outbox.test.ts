import { describe, expect, it } from "vitest";

import type { Address } from "viem";

import { signedTallySchema, toWireTally } from "@plaudit/protocol";

import { creatorA, creatorB, fakeKeeper, readerWithSession, scope, token } from "../testing/fixtures.js";
import { recordClick } from "./clicker.js";
import { mutexLocks } from "./locks.js";
import { backoffDelay, BACKOFF_MAX_MS, discardFailed, flush, pendingEntries, retryFailed } from "./outbox.js";
import { keys } from "./recordKeys.js";
import type { StoredSession } from "./records.js";
import { memoryStore } from "./storage.js";
import { loadTally } from "./tallyStore.js";

async function twoClicks(f: Awaited<ReturnType<typeof readerWithSession>>) {
  await recordClick(f.deps, f.session, 0n, { creator: creatorA, url: "https://o.example/1" });
  await recordClick(f.deps, f.session, 0n, { creator: creatorB, url: "https://o.example/2" });
}

describe("outbox", () => {
  it("sends queued tallies in seq order with their items and empties the queue", async () => {
    const f = await readerWithSession();
    const keeper = fakeKeeper();
    await twoClicks(f);
    const result = await flush(f.deps, keeper.client);
    expect(result).toMatchObject({ sent: 2, dropped: 0, failed: 0, waiting: 0 });
    expect(keeper.latestFor(f.session.reader, f.session.key, 0n)?.seq).toBe(2n);
    expect(keeper.items).toEqual(["https://o.example/1", "https://o.example/2"]);
    expect(pendingEntries(f.deps)).toEqual([]);
  });

  it("sends each item's declared title with its tally, and leaves out a stored title the keeper would refuse", async () => {
    const f = await readerWithSession();
    const keeper = fakeKeeper();
    keeper.state.up = false;
    await recordClick(f.deps, f.session, 0n, { creator: creatorA, url: "https://o.example/1", title: "First post" });
    await recordClick(f.deps, f.session, 0n, { creator: creatorB, url: "https://o.example/2" });
    await recordClick(f.deps, f.session, 0n, { creator: creatorA, url: "https://o.example/3", title: "Third" });
    // A queue written by another build, or tampered with: its bad title must not cost the click.
    const name = keys.outbox(scope);
    const stored = JSON.parse(f.store.get(name) ?? "[]") as { title?: string }[];
    (stored[2] as { title?: string }).title = "bad\u202etitle";
    f.store.set(name, JSON.stringify(stored));
    keeper.state.up = true;
    f.advance(backoffDelay(1));
    expect(await flush(f.deps, keeper.client)).toMatchObject({ sent: 3, failed: 0 });
    expect(keeper.items).toEqual(["https://o.example/1", "https://o.example/2", "https://o.example/3"]);
    expect(keeper.titles).toEqual(["First post", undefined, undefined]);
  });

  it("keeps clicks made while the keeper is unreachable and retries them after a growing backoff", async () => {
    const f = await readerWithSession();
    const keeper = fakeKeeper();
    keeper.state.up = false;
    await twoClicks(f);
    const first = await flush(f.deps, keeper.client);
    expect(first.sent).toBe(0);
    expect(first.waiting).toBe(2);
    expect(first.lastError).toMatch(/cannot be reached/);
    expect(first.nextAttemptAt).toBe(f.now() + backoffDelay(1));

    // Not due yet: nothing is attempted.
    const early = await flush(f.deps, keeper.client);
    expect(early.waiting).toBe(2);
    expect(pendingEntries(f.deps)[0]?.attempts).toBe(1);

    f.advance(backoffDelay(1));
    await flush(f.deps, keeper.client);
    expect(pendingEntries(f.deps)[0]?.attempts).toBe(2);
    expect(pendingEntries(f.deps)[0]?.nextAttemptAt).toBe(f.now() + backoffDelay(2));

    keeper.state.up = true;
    f.advance(backoffDelay(2));
    const last = await flush(f.deps, keeper.client);
    expect(last).toMatchObject({ sent: 2, waiting: 0 });
    expect(keeper.latestFor(f.session.reader, f.session.key, 0n)?.counts).toEqual([1, 1]);
  });

  it("drops the tallies of its own that the keeper already holds a newer one of", async () => {
    const f = await readerWithSession();
    const keeper = fakeKeeper();
    await twoClicks(f);
    // Another tab already delivered seq 2 alone: seq 1 is stale for the keeper, and seq 2 is there.
    const second = pendingEntries(f.deps)[1];
    if (second === undefined) throw new Error("missing entry");
    await keeper.client.postTally(toWireTally(signedTallySchema.parse(second.tally)), second.item);
    const result = await flush(f.deps, keeper.client);
    expect(result).toMatchObject({ sent: 0, dropped: 2, rebased: 0, waiting: 0 });
    expect(keeper.latestFor(f.session.reader, f.session.key, 0n)?.seq).toBe(2n);
  });

  it("marks a tally the keeper refuses for good as failed, keeps it, and can put it back in line", async () => {
    const f = await readerWithSession();
    const keeper = fakeKeeper();
    await twoClicks(f);
    keeper.state.rejectWith = { status: 400, code: "bad_session" };
    const result = await flush(f.deps, keeper.client);
    expect(result.failed).toBe(2);
    expect(
      pendingEntries(f.deps).every(
        (e) => e.failed === true && e.lastCode === "bad_session" && /one-click key/.test(e.lastError ?? ""),
      ),
    ).toBe(true);
    keeper.state.rejectWith = undefined;
    await retryFailed(f.deps);
    expect(await flush(f.deps, keeper.client)).toMatchObject({ sent: 2, waiting: 0 });
    await discardFailed(f.deps);
    expect(pendingEntries(f.deps)).toEqual([]);
  });

  it("retries rate-limited posts instead of failing them", async () => {
    const f = await readerWithSession();
    const keeper = fakeKeeper();
    await twoClicks(f);
    keeper.state.rejectWith = { status: 429, code: "rate_limited" };
    const result = await flush(f.deps, keeper.client);
    expect(result).toMatchObject({ failed: 0, waiting: 2 });
    expect(keeper.state.posts).toBe(1);
  });

  it("lets only one tab flush at a time", async () => {
    const f = await readerWithSession();
    const keeper = fakeKeeper();
    await twoClicks(f);
    const [a, b] = await Promise.all([flush(f.deps, keeper.client), flush(f.deps, keeper.client)]);
    expect([a.busy, b.busy].filter(Boolean)).toHaveLength(1);
    expect(keeper.state.posts).toBe(2);
  });

  describe("one key signing in two storages (the dApp's origin and an allowed site's button frame)", () => {
    /** The reader's first-party storage and a partitioned frame holding the same session (a frame grant). */
    async function twoSigners() {
      const f = await readerWithSession();
      const frame = {
        store: memoryStore(),
        locks: mutexLocks(),
        scope,
        token,
        now: f.now,
        sessionFor: (reader: Address, signer: Address) =>
          BigInt(reader) === BigInt(f.session.reader) && BigInt(signer) === BigInt(f.session.key)
            ? f.session
            : undefined,
      };
      return { f, frame, keeper: fakeKeeper() };
    }
    const click = (deps: Parameters<typeof recordClick>[0], session: StoredSession, url: string, creator = creatorA) =>
      recordClick(deps, session, 0n, { creator, url });

    it("keeps one chain at the keeper: each re-signs its waiting clicks on top of the other's", async () => {
      const { f, frame, keeper } = await twoSigners();
      await click(f.deps, f.session, "https://a.example/1");
      expect(await flush(f.deps, keeper.client)).toMatchObject({ sent: 1 });
      await click(frame, f.session, "https://b.example/1", creatorB);
      // The frame's seq 1 is stale for the keeper: it builds seq 2 on the dApp's seq 1.
      expect(await flush(frame, keeper.client)).toMatchObject({ sent: 1, rebased: 1, waiting: 0 });
      await click(f.deps, f.session, "https://a.example/2");
      expect(await flush(f.deps, keeper.client)).toMatchObject({ sent: 1, rebased: 1, waiting: 0 });
      const latest = keeper.latestFor(f.session.reader, f.session.key, 0n);
      expect(latest?.seq).toBe(3n);
      expect(latest?.creators).toEqual([creatorA, creatorB]);
      expect(latest?.counts).toEqual([2, 1]);
      expect(keeper.items).toEqual(["https://a.example/1", "https://b.example/1", "https://a.example/2"]);
      // Each storage's own record now builds on the chain's head.
      expect(loadTally(f.store, scope, f.session.reader, 0n, f.session.key)?.seq).toBe("3");
      expect(loadTally(frame.store, scope, f.session.reader, 0n, f.session.key)?.seq).toBe("2");
    });

    it("does not build on a tally the key did not sign, and keeps its click for later", async () => {
      const { f, frame, keeper } = await twoSigners();
      await click(f.deps, f.session, "https://a.example/1");
      await flush(f.deps, keeper.client);
      const stored = keeper.latestFor(f.session.reader, f.session.key, 0n);
      if (stored === undefined) throw new Error("nothing stored");
      // A lying keeper shows a tally of the key with more clicks for someone, not signed by the key.
      keeper.latest.set(`${stored.reader}:${stored.signer}:${stored.epoch}`, {
        ...stored,
        seq: 5n,
        counts: [9],
      });
      await click(frame, f.session, "https://b.example/1", creatorB);
      expect(await flush(frame, keeper.client)).toMatchObject({ sent: 0, rebased: 0, waiting: 1 });
      expect(pendingEntries(frame)[0]).toMatchObject({ item: "https://b.example/1", attempts: 1 });
    });

    it("drops a click that may have been stored without an answer when the chain already holds it", async () => {
      const { f, frame, keeper } = await twoSigners();
      await click(f.deps, f.session, "https://a.example/1");
      // The keeper stored the dApp's seq 1, but the answer was lost: the entry is marked uncertain.
      const [entry] = pendingEntries(f.deps);
      if (entry === undefined) throw new Error("no entry");
      await keeper.client.postTally(toWireTally(signedTallySchema.parse(entry.tally)), entry.item);
      f.store.set(keys.outbox(scope), JSON.stringify([{ ...entry, uncertain: true }]));
      await click(frame, f.session, "https://b.example/1", creatorB);
      await flush(frame, keeper.client);
      // The frame built on it (seq 2), so the dApp's seq 1 is stale, and its click is in seq 2 already.
      expect(await flush(f.deps, keeper.client)).toMatchObject({ sent: 0, dropped: 1, rebased: 0, waiting: 0 });
      expect(keeper.latestFor(f.session.reader, f.session.key, 0n)?.counts).toEqual([1, 1]);
    });
  });

  it("caps the backoff", () => {
    expect(backoffDelay(1)).toBe(1000);
    expect(backoffDelay(3)).toBe(4000);
    expect(backoffDelay(40)).toBe(BACKOFF_MAX_MS);
  });
});
