import { describe, expect, it } from "vitest";

import { epochBounds } from "@plaudit/protocol";
import type { AppDeployment } from "../config/deployment.js";
import { creatorA, fakeKeeper, readerWithSession, schedule, scope } from "../testing/fixtures.js";
import { clickItem, type ClickEnv } from "./clickService.js";
import { pendingEntries } from "./outbox.js";
import { memoryStore } from "./storage.js";

const deployment: AppDeployment = {
  chainId: scope.chainId,
  pool: scope.pool,
  token: creatorA,
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
  it("signs, delivers and reports a click in the epoch of the chain's time", async () => {
    const { env: e, keeper, f } = await env();
    const result = await clickItem(e, item);
    expect(result).toMatchObject({ status: "signed", epoch: "0", delivered: true, creatorClicks: 1 });
    expect(keeper.latestFor(f.session.reader, f.session.key, 0n)?.counts).toEqual([1]);
  });

  it("queues the click and says so when the keeper is down", async () => {
    const { env: e, keeper, f } = await env();
    keeper.state.up = false;
    const result = await clickItem(e, item);
    expect(result).toMatchObject({ status: "signed", delivered: false });
    expect(result.status === "signed" && result.note).toMatch(/queued/);
    expect(pendingEntries(f.deps)).toHaveLength(1);
  });

  it("asks to turn one-click mode on when this browser has no session", async () => {
    const { env: e } = await env({ store: memoryStore() });
    expect(await clickItem(e, item)).toMatchObject({ status: "no-session" });
  });

  it("refuses to sign past the session's expiry or after the reader revoked its keys", async () => {
    const late = await env({ chainTime: async () => epochBounds(schedule, 2n).start + 5n });
    expect(await clickItem(late.env, item)).toMatchObject({ status: "expired" });
    const revoked = await env({ sessionNonce: async () => 1 });
    expect(await clickItem(revoked.env, item)).toMatchObject({
      status: "expired",
      message: expect.stringMatching(/revoked/),
    });
    expect(pendingEntries(revoked.f.deps)).toEqual([]);
  });
});
