/**
 * PostgreSQL (pg): several keeper instances may share one database. Grouped writes are transactions on
 * one pooled connection; the settlement lock is a session advisory lock on a connection of its own.
 */
import pg from "pg";

import { classifyPostgresError } from "./errors.js";
import { newHolderId } from "./lease.js";
import type { LockSession, Row, SqlDriver, SqlTx } from "./sql-store.js";
import { SettlementLockLost } from "./types.js";

/** Key of the advisory lock that serializes migrations of concurrently starting keepers. */
const MIGRATION_LOCK = 0x706c6175; // "plau"
/** Key of the advisory lock that the settling keeper holds for as long as it settles. */
export const SETTLEMENT_LOCK = 0x706c7374; // "plst"
/** Connections of the pool that serves ingest and reads. */
const POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 5_000;

function onClient(client: pg.ClientBase): SqlTx {
  return {
    query: async (sql, params = []) => (await client.query(sql, params as unknown[])).rows as Row[],
    run: async (sql, params = []) => (await client.query(sql, params as unknown[])).rowCount ?? 0,
  };
}

export function openPostgresDriver(url: string): SqlDriver {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on("error", () => undefined);
  // A client is handed out without the pool's listener, and a connection killed right after it was
  // made reports its error in that very moment (same network read, before `transaction` can listen):
  // every client keeps a listener of its own. The error still reaches whoever uses the client, as a
  // failed query, and a broken client is not handed out again.
  pool.on("connect", (client) => client.on("error", () => undefined));
  const statement = async (sql: string, params: readonly unknown[]) => {
    try {
      return await pool.query(sql, params as unknown[]);
    } catch (error) {
      throw classifyPostgresError(error);
    }
  };

  /** Runs `fn` in BEGIN … COMMIT on one pooled connection; rolls back (and reports) on any failure. */
  async function transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw classifyPostgresError(error);
    }
    let broken: Error | undefined;
    // A checked-out client whose connection dies emits "error": without a listener that would crash the
    // process. The failing query reports it; the client is then not handed out again.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      const value = await fn(onClient(client));
      await client.query("COMMIT");
      return value;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
      } catch (rollback) {
        // The connection is gone (the server rolls back for it): do not hand it out again.
        broken = rollback instanceof Error ? rollback : new Error(String(rollback));
      }
      throw classifyPostgresError(error);
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  const settlement = advisorySettlementLock(url);

  return {
    kind: "postgres",
    query: async (sql, params = []) => (await statement(sql, params)).rows as Row[],
    run: async (sql, params = []) => (await statement(sql, params)).rowCount ?? 0,
    groupedWrite: transaction,
    migrationTransaction: async (fn) => {
      await transaction(async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
        await fn(tx);
      });
    },
    lockSettlement: settlement.lock,
    close: async () => {
      await settlement.close();
      await pool.end();
    },
  };
}

/**
 * The settlement lock as a session-level advisory lock on a dedicated connection. The server releases it
 * when that connection ends, so a killed keeper frees it at once. Every fenced write runs on that same
 * connection, in a transaction that first checks pg_locks for the lock: a write commits only while this
 * session holds it. (A transaction-mode pooler such as PgBouncer in front of PostgreSQL would break
 * session locks: connect the keepers to PostgreSQL directly or through a session-mode pooler.)
 */
function advisorySettlementLock(url: string) {
  let client: pg.Client | undefined;
  let broken = false;
  let held = false;
  /** One statement (or one transaction) at a time on the lock's connection. */
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const drop = async () => {
    const c = client;
    client = undefined;
    held = false;
    broken = false;
    await c?.end().catch(() => undefined);
  };

  const connection = async (): Promise<pg.Client> => {
    if (client !== undefined && !broken) return client;
    await drop();
    const c = new pg.Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    c.on("error", () => {
      broken = true;
    });
    try {
      await c.connect();
    } catch (error) {
      throw classifyPostgresError(error);
    }
    client = c;
    return c;
  };

  const stillHeld = async (c: pg.ClientBase): Promise<boolean> => {
    const { rows } = await c.query(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = 0 AND objid = $1
         AND objsubid = 1 AND granted`,
      [SETTLEMENT_LOCK],
    );
    return rows.length > 0;
  };

  const lock = (): Promise<LockSession | undefined> =>
    serially(async () => {
      // Advisory locks stack within a session: a second holder in this process must wait like any other.
      if (held) return undefined;
      const c = await connection();
      let locked: boolean;
      try {
        const { rows } = await c.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
          SETTLEMENT_LOCK,
        ]);
        locked = rows[0]?.locked === true;
      } catch (error) {
        await drop();
        throw classifyPostgresError(error);
      }
      if (!locked) return undefined;
      held = true;
      const holder = newHolderId();
      const mine = c;
      const lost = (cause?: unknown) =>
        new SettlementLockLost(`the settlement lock of ${holder} is no longer held`, { cause });
      return {
        holder,
        write: <T>(fn: (tx: SqlTx) => Promise<T>) =>
          serially(async () => {
            if (client !== mine || !held || broken) throw lost();
            try {
              await mine.query("BEGIN");
            } catch (error) {
              await drop();
              throw lost(error);
            }
            try {
              if (!(await stillHeld(mine))) throw lost();
              const value = await fn(onClient(mine));
              await mine.query("COMMIT");
              return value;
            } catch (error) {
              try {
                await mine.query("ROLLBACK");
              } catch {
                // The session is gone, and with it the lock.
                await drop();
                throw lost(error);
              }
              if (error instanceof SettlementLockLost) throw error;
              throw classifyPostgresError(error);
            }
          }),
        renew: () =>
          serially(async () => {
            if (client !== mine || !held || broken) return false;
            try {
              return await stillHeld(mine);
            } catch {
              await drop();
              return false;
            }
          }),
        release: () =>
          serially(async () => {
            if (client !== mine || !held) return;
            held = false;
            try {
              await mine.query("SELECT pg_advisory_unlock($1)", [SETTLEMENT_LOCK]);
            } catch {
              // Ending the session releases it.
              await drop();
            }
          }),
      };
    });

  return { lock, close: () => serially(drop) };
}
