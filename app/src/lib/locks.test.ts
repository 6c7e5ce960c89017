import { describe, expect, it } from "vitest";

import { mutexLocks, webLocks, type Locks } from "./locks.js";

/** A LockManager with the Web Locks semantics the adapter relies on (exclusive, ifAvailable). */
function fakeLockManager(): LockManager {
  const inner = mutexLocks();
  // Held or queued requests per name: like the real API, a request counts from the moment it is made.
  const requested = new Map<string, number>();
  const request = (async (name: string, options: LockOptions, callback: (lock: Lock | null) => Promise<unknown>) => {
    if (options.ifAvailable === true && (requested.get(name) ?? 0) > 0) return callback(null);
    requested.set(name, (requested.get(name) ?? 0) + 1);
    try {
      return await inner.run(name, () => callback({ name, mode: "exclusive" }));
    } finally {
      requested.set(name, (requested.get(name) ?? 1) - 1);
    }
  }) as LockManager["request"];
  return { request, query: async () => ({ held: [], pending: [] }) };
}

async function provesExclusion(locks: Locks) {
  const order: string[] = [];
  const slow = locks.run("a", async () => {
    order.push("slow:start");
    await new Promise((resolve) => setTimeout(resolve, 20));
    order.push("slow:end");
    return 1;
  });
  const skipped = await locks.tryRun("a", async () => "ran");
  const fast = locks.run("a", async () => {
    order.push("fast");
    return 2;
  });
  expect(await Promise.all([slow, fast])).toEqual([1, 2]);
  expect(skipped).toBeUndefined();
  expect(order).toEqual(["slow:start", "slow:end", "fast"]);
  expect(await locks.tryRun("a", async () => "free now")).toBe("free now");
}

describe("locks", () => {
  it("serialize work per name and let tryRun skip a held lock (in-page mutex)", () => provesExclusion(mutexLocks()));
  it("do the same through the Web Locks API and return the callback's value", () =>
    provesExclusion(webLocks(fakeLockManager())));
  it("fall back to the mutex without navigator.locks", () => provesExclusion(webLocks(undefined)));
});
