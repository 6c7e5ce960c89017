import { describe, expect, it } from "vitest";

import { signedTallySchema, toWireTally } from "@plaudit/protocol";

import { creatorA, creatorB, fakeKeeper, readerWithSession } from "../testing/fixtures.js";
import { recordClick } from "./clicker.js";
import { backoffDelay, BACKOFF_MAX_MS, discardFailed, flush, pendingEntries, retryFailed } from "./outbox.js";

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

  it("drops a tally the keeper already has a newer one of", async () => {
    const f = await readerWithSession();
    const keeper = fakeKeeper();
    await twoClicks(f);
    // Another tab already delivered seq 2 alone: seq 1 is stale for the keeper.
    const second = pendingEntries(f.deps)[1];
    if (second === undefined) throw new Error("missing entry");
    await keeper.client.postTally(toWireTally(signedTallySchema.parse(second.tally)), second.item);
    const result = await flush(f.deps, keeper.client);
    expect(result).toMatchObject({ sent: 1, dropped: 1, waiting: 0 });
  });

  it("marks a tally the keeper refuses for good as failed, keeps it, and can put it back in line", async () => {
    const f = await readerWithSession();
    const keeper = fakeKeeper();
    await twoClicks(f);
    keeper.state.rejectWith = { status: 400, code: "bad_session" };
    const result = await flush(f.deps, keeper.client);
    expect(result.failed).toBe(2);
    expect(
      pendingEntries(f.deps).every((e) => e.failed === true && /bad_session|refused/.test(e.lastError ?? "")),
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

  it("caps the backoff", () => {
    expect(backoffDelay(1)).toBe(1000);
    expect(backoffDelay(3)).toBe(4000);
    expect(backoffDelay(40)).toBe(BACKOFF_MAX_MS);
  });
});
