import { describe, expect, it } from "vitest";

import { epochBounds } from "@plaudit/protocol";
import { creatorA, readerWithSession, schedule, scope } from "../testing/fixtures.js";
import {
  clearFrameGrant,
  grantFor,
  grantProblem,
  grantSession,
  loadFrameGrant,
  saveFrameGrant,
  type FrameGrant,
} from "./frameGrant.js";
import { keys } from "./recordKeys.js";
import { memoryStore } from "./storage.js";

async function grant(epoch = 0n, months = 2): Promise<FrameGrant> {
  const { session } = await readerWithSession(months);
  const made = grantFor(session, schedule, epoch, "blog.example", ["0xa1 https://blog.example/1"], 1_000);
  if ("problem" in made) throw new Error(made.problem);
  return made;
}

describe("frame grants", () => {
  it("is good for one month, until that month's end", async () => {
    const g = await grant(1n);
    expect(g).toMatchObject({ epoch: "1", until: epochBounds(schedule, 1n).end.toString(), site: "blog.example" });
    expect(grantProblem(g, 1n, g.session.nonce)).toBeUndefined();
    expect(grantProblem(g, 2n, g.session.nonce)).toBe("other-month");
  });

  it("is refused for a month the session does not cover", async () => {
    const { session } = await readerWithSession(1);
    expect(grantFor(session, schedule, 1n, "blog.example", [], 0)).toEqual({ problem: "expired" });
  });

  it("stops at the reader's revocation on chain", async () => {
    const g = await grant();
    expect(grantProblem(g, 0n, g.session.nonce + 1)).toBe("revoked");
    // Not known (the chain could not be read): the keeper and the pool still refuse a revoked key.
    expect(grantProblem(g, 0n, undefined)).toBeUndefined();
  });

  it("lives in one record that clearing removes with the key", async () => {
    const store = memoryStore();
    const g = await grant();
    saveFrameGrant(store, scope, g);
    expect(loadFrameGrant(store, scope)).toEqual(g);
    clearFrameGrant(store, scope);
    expect(loadFrameGrant(store, scope)).toBeUndefined();
    expect(store.keys("")).toEqual([]);
  });

  it("discards a tampered record", async () => {
    const store = memoryStore();
    store.set(keys.frameGrant(scope), JSON.stringify({ ...(await grant()), until: "soon" }));
    expect(loadFrameGrant(store, scope)).toBeUndefined();
    expect(store.get(keys.frameGrant(scope))).toBeNull();
  });

  it("lends its session only for its own reader and key", async () => {
    const g = await grant();
    expect(grantSession(g, g.session.reader, g.session.key)).toBe(g.session);
    expect(grantSession(g, g.session.reader, creatorA)).toBeUndefined();
    expect(grantSession(undefined, g.session.reader, g.session.key)).toBeUndefined();
  });
});
