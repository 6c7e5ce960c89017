import { describe, expect, it } from "vitest";

import { epochBounds } from "@plaudit/protocol";
import { readerWithSession, schedule, scope } from "../testing/fixtures.js";
import { clearSession, loadActiveSession, newSessionKey, sessionAccount, sessionCovers } from "./session.js";

describe("session", () => {
  it("delegates a fresh key until the end of the last covered epoch", () => {
    const pending = newSessionKey(schedule, 4n, 3, 2);
    expect(pending.expiry).toBe(epochBounds(schedule, 6n).end);
    expect(pending.nonce).toBe(2);
    expect(newSessionKey(schedule, 4n, 3, 2).key).not.toBe(pending.key);
    expect(() => newSessionKey(schedule, 4n, 0, 0)).toThrow(RangeError);
  });

  it("is found by the button's pop-up as the active session, and is gone once turned off", async () => {
    const f = await readerWithSession(2);
    const active = loadActiveSession(f.store, scope);
    expect(active?.key).toBe(f.session.key);
    expect(sessionAccount(f.session).address).toBe(f.session.key);
    expect(sessionCovers(f.session, epochBounds(schedule, 1n).end)).toBe(true);
    expect(sessionCovers(f.session, epochBounds(schedule, 2n).end)).toBe(false);
    clearSession(f.store, scope, f.session.reader);
    expect(loadActiveSession(f.store, scope)).toBeUndefined();
  });

  it("discards a tampered session record", async () => {
    const f = await readerWithSession();
    const key = `plaudit:v1:${scope.chainId}:${scope.pool.toLowerCase()}:session:${f.session.reader.toLowerCase()}`;
    f.store.set(key, JSON.stringify({ ...f.session, privateKey: "0x1234" }));
    expect(loadActiveSession(f.store, scope)).toBeUndefined();
  });
});
