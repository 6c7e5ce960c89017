/**
 * The settlement lock as a lease row (SQLite, where every keeper process shares one host): held while
 * its row names the holder, renewed while settling, taken over once it expires or once the holder's
 * process on this host is gone (a SIGKILLed keeper does not make the next one wait for the expiry).
 * Every fenced write checks, in its own transaction, that the row still names the holder.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

import type { LockSession, Row, SqlTx } from "./sql-store.js";
import { SettlementLockLost } from "./types.js";

/** The lease row's name. */
export const SETTLEMENT_LEASE = "settlement";
/** How long a lease lasts unless renewed (its holder renews it every SETTLEMENT_LOCK_RENEW_MS). */
export const SETTLEMENT_LEASE_TTL_MS = 60_000;

/** `host:pid:uuid`: who holds a lock, and whether its process can be checked from here. */
export function newHolderId(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

/** Whether `holder` names a process on this host that no longer exists. */
export function holderProcessIsGone(holder: string): boolean {
  const parts = holder.split(":");
  if (parts.length < 3) return false;
  const pid = Number(parts[parts.length - 2]);
  const host = parts.slice(0, -2).join(":");
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function text(row: Row | undefined, key: string): string | undefined {
  const value = row?.[key];
  return value === undefined || value === null ? undefined : String(value);
}

/**
 * Takes the lease for a new holder through `write` (a driver's one-transaction write), or resolves to
 * undefined while a live holder has it.
 */
export async function takeLease(
  write: <T>(fn: (tx: SqlTx) => Promise<T>) => Promise<T>,
  ttlMs = SETTLEMENT_LEASE_TTL_MS,
): Promise<LockSession | undefined> {
  const holder = newHolderId();
  const taken = await write(async (tx) => {
    const now = Date.now();
    const [row] = await tx.query(`SELECT holder, expires_at FROM leases WHERE name = $1`, [SETTLEMENT_LEASE]);
    const current = text(row, "holder");
    if (current !== undefined && Number(text(row, "expires_at")) > now && !holderProcessIsGone(current)) return false;
    await tx.run(
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at`,
      [SETTLEMENT_LEASE, holder, now + ttlMs],
    );
    return true;
  });
  if (!taken) return undefined;
  let released = false;
  return {
    holder,
    write: (fn) =>
      write(async (tx) => {
        const [row] = await tx.query(`SELECT holder FROM leases WHERE name = $1`, [SETTLEMENT_LEASE]);
        if (released || text(row, "holder") !== holder)
          throw new SettlementLockLost(`the settlement lease is no longer held by ${holder}`);
        return fn(tx);
      }),
    renew: async () => {
      if (released) return false;
      const changed = await write((tx) =>
        tx.run(`UPDATE leases SET expires_at = $1 WHERE name = $2 AND holder = $3`, [
          Date.now() + ttlMs,
          SETTLEMENT_LEASE,
          holder,
        ]),
      );
      return changed > 0;
    },
    release: async () => {
      if (released) return;
      released = true;
      await write((tx) => tx.run(`DELETE FROM leases WHERE name = $1 AND holder = $2`, [SETTLEMENT_LEASE, holder]));
    },
  };
}
