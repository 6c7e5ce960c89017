import { describe, expect, it } from "vitest";

import { epochBounds, MAX_ITEM_TITLE_LENGTH } from "@plaudit/protocol";
import type { AppDeployment } from "../config/deployment.js";
import { creatorA, fakeKeeper, readerWithSession, schedule, scope, token } from "../testing/fixtures.js";
import { clickItem, queuedReason, type ClickEnv } from "./clickService.js";
import { pendingEntries } from "./outbox.js";
import { loadActiveSession } from "./session.js";
import { memoryStore } from "./storage.js";

const deployment: AppDeployment = {
  chainId: scope.chainId,
  pool: scope.pool,
  token,
  tokenSymbol: "mUSD",
  tokenDecimals: 6,
  startTime: Number(schedule.startTime),
  epochLength: Number(schedule.epochLength),
  keeperTipBps: 50,
  deployBlock: 0,
  rpcUrl: "http://127.0.0.1:8545",
};
const item = { creator: creatorA, url: "https://s.example/post" };

async function env(overrides: Partial<ClickEnv> = {}) {
  const f = await readerWithSession(2);
  const keeper = fakeKeeper();
  const e: ClickEnv = {
    deployment,
    store: f.store,
    locks: f.locks,
    keeper: keeper.client,
    chainTime: async () => schedule.startTime + 10n,
    sessionNonce: async () => 0,
    now: f.now,
    ...overrides,
  };
  return { f, keeper, env: e };
}

describe("clickItem", () => {
  it("counts a click only once the keeper stored it, in the month of the chain's time", async () => {
    const { env: e, keeper, f } = await env();
    const result = await clickItem(e, item);
    expect(result).toMatchObject({ status: "counted", epoch: "0" });
    expect(keeper.latestFor(f.session.reader, f.session.key, 0n)?.counts).toEqual([1]);
  });

  it("sends the item's title with its click, cleaned as the keeper takes it", async () => {
    const { env: e, keeper } = await env();
    const raw = `  A  title\u200b with\ncontrols ${"x".repeat(300)}`;
    expect(await clickItem(e, { ...item, title: raw })).toMatchObject({ status: "counted" });
    const [sent] = keeper.titles;
    expect(sent).toMatch(/^A title with controls x+…$/);
    expect(sent).toHaveLength(MAX_ITEM_TITLE_LENGTH);
    expect(keeper.items).toEqual([item.url]);
  });

  it("says a click made while the keeper is down is queued, not counted, and keeps it", async () => {
    const { env: e, keeper, f } = await env();
    keeper.state.up = false;
    expect(await clickItem(e, item)).toMatchObject({ status: "queued", reason: "offline" });
    expect(pendingEntries(f.deps)).toHaveLength(1);
    expect(await clickItem(e, item)).toMatchObject({ status: "already", pending: "offline" });
  });

  it("says a click of a month without a budget is queued for want of a budget, never counted", async () => {
    const refused = await env();
    refused.keeper.state.rejectWith = { status: 422, code: "no_budget" };
    expect(await clickItem(refused.env, item)).toMatchObject({ status: "queued", reason: "no-budget" });
    expect(pendingEntries(refused.f.deps)).toHaveLength(1);
    // The chain says so even when the keeper cannot be asked.
    const offline = await env({ budget: async () => 0n });
    offline.keeper.state.up = false;
    expect(await clickItem(offline.env, item)).toMatchObject({ status: "queued", reason: "no-budget" });
  });

  it("says a second click on the item this month is already counted", async () => {
    const { env: e } = await env();
    await clickItem(e, item);
    expect(await clickItem(e, { ...item, url: `${item.url}#again` })).toMatchObject({ status: "already" });
    expect(await clickItem(e, item)).not.toHaveProperty("pending");
  });

  it("reports a keeper's refusal for good by its code", async () => {
    const refused = await env();
    refused.keeper.state.rejectWith = { status: 422, code: "bad_session" };
    expect(await clickItem(refused.env, item)).toMatchObject({ status: "refused", code: "bad_session" });
  });

  it("refuses a click on the reader's own address without signing", async () => {
    const { env: e, f } = await env();
    expect(await clickItem(e, { creator: f.session.reader, url: item.url })).toEqual({
      status: "refused",
      code: "bad_clicks",
    });
    expect(pendingEntries(f.deps)).toEqual([]);
  });

  it("refuses a button naming the pool or its token as the creator without signing, and keeps counting others", async () => {
    const { env: e, f } = await env();
    for (const creator of [scope.pool, token]) {
      expect(await clickItem(e, { creator, url: item.url })).toEqual({ status: "refused", code: "bad_clicks" });
    }
    expect(pendingEntries(f.deps)).toEqual([]);
    expect(await clickItem(e, item)).toMatchObject({ status: "counted" });
  });

  it("asks to turn one-click mode on when this browser has no session", async () => {
    const { env: e } = await env({ store: memoryStore() });
    expect(await clickItem(e, item)).toMatchObject({ status: "no-session" });
  });

  it("refuses to sign past the session's expiry or after the reader revoked its keys", async () => {
    const late = await env({ chainTime: async () => epochBounds(schedule, 2n).start + 5n });
    expect(await clickItem(late.env, item)).toMatchObject({ status: "expired" });
    // The expired key is deleted from this browser: it signs nothing the pool would take any more.
    expect(loadActiveSession(late.f.store, scope)).toBeUndefined();
    const revoked = await env({ sessionNonce: async () => 1 });
    expect(await clickItem(revoked.env, item)).toMatchObject({ status: "revoked" });
    expect(pendingEntries(revoked.f.deps)).toEqual([]);
  });

  it("signs with the session it is given instead of this storage's (a frame grant's)", async () => {
    const granted = await readerWithSession(2);
    const { env: e, keeper } = await env({ store: memoryStore(), session: () => granted.session });
    expect(await clickItem(e, item)).toMatchObject({ status: "counted", reader: granted.session.reader });
    expect(keeper.latestFor(granted.session.reader, granted.session.key, 0n)?.counts).toEqual([1]);
  });
});

describe("queuedReason", () => {
  const entry = (lastCode?: string) => ({
    id: "x",
    tally: {} as never,
    attempts: 1,
    nextAttemptAt: 0,
    ...(lastCode === undefined ? {} : { lastCode }),
  });
  it("names a missing budget first, then an unreachable keeper, else a retry", () => {
    expect(queuedReason([entry("unreachable")], 0n)).toBe("no-budget");
    expect(queuedReason([entry("no_budget")], undefined)).toBe("no-budget");
    expect(queuedReason([entry("unreachable")], 5n)).toBe("offline");
    expect(queuedReason([entry("rate_limited")], 5n)).toBe("retrying");
    expect(queuedReason([entry()], undefined)).toBe("retrying");
  });
});
