/**
 * The embedded default: node:sqlite in a data directory, WAL journal, synchronous=NORMAL, prepared
 * statements. Short writes of one event-loop turn (tallies, item clicks) share one transaction: one
 * commit for many requests (group commit), each in its own savepoint. WAL checkpoints run on a thread of
 * their own (checkpointer.mjs). Transient failures (locked, busy, I/O) become StoreUnavailableError.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { Worker } from "node:worker_threads";

import { classifySqliteError } from "./errors.js";
import { takeLease } from "./lease.js";
import type { Row, SqlDriver, SqlTx } from "./sql-store.js";

/** `$1` to SQLite's numbered `?1`. */
function toSqlite(sql: string): string {
  return sql.replace(/\$(\d+)/g, "?$1");
}

/**
 * How long a statement waits for a lock held by another connection. node:sqlite blocks the event loop
 * while it waits, so this stays short: a longer lock answers 503 instead of stalling every request.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 50;

/** How often the checkpointer thread copies the WAL into the database file. */
export const CHECKPOINT_EVERY_MS = 1000;
/** SQLite's own automatic checkpoint threshold (WAL pages), restored if the checkpointer thread dies. */
const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
const CHECKPOINTER = new URL("./checkpointer.mjs", import.meta.url);

/**
 * Moves WAL checkpoints off the main thread: `db` stops checkpointing inside its commits, a thread
 * checkpoints every `CHECKPOINT_EVERY_MS`. Should that thread die, `db` checkpoints itself again.
 */
function startCheckpointer(db: DatabaseSync, path: string): { close(): Promise<void> } {
  db.exec("PRAGMA wal_autocheckpoint = 0");
  let closing = false;
  const worker = new Worker(CHECKPOINTER, {
    workerData: { path, everyMs: CHECKPOINT_EVERY_MS },
    // node:sqlite's experimental warning was printed once already, by this thread.
    execArgv: ["--no-warnings"],
  });
  worker.unref();
  worker.on("error", () => undefined); // "exit" follows
  const exited = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      if (!closing && db.isOpen) db.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`);
      resolve();
    }),
  );
  return {
    close: async () => {
      closing = true;
      worker.postMessage("close");
      await exited;
    },
  };
}

interface GroupedJob {
  fn: (tx: SqlTx) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export function openSqliteDriver(dataDir: string): SqlDriver {
  let path = dataDir;
  if (dataDir !== ":memory:") {
    mkdirSync(dataDir, { recursive: true });
    path = join(dataDir, "keeper.sqlite");
  }
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS};`);
  const checkpointer = path === ":memory:" ? undefined : startCheckpointer(db, path);
  const statements = new Map<string, ReturnType<DatabaseSync["prepare"]>>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(toSqlite(sql));
      statements.set(sql, statement);
    }
    return statement;
  };
  const args = (params: readonly unknown[]) => params as SQLInputValue[];
  const attempt = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw classifySqliteError(error);
    }
  };
  /** Statements on the connection as it is (inside the open group transaction when one is running). */
  const direct: SqlTx = {
    query: async (sql, params = []) => attempt(() => prepare(sql).all(...args(params)) as Row[]),
    run: async (sql, params = []) => attempt(() => Number(prepare(sql).run(...args(params)).changes)),
  };

  // While a group transaction is open, other statements wait: they must neither join it nor read its
  // uncommitted rows.
  let gate: Promise<void> | undefined;
  const waitGate = async () => {
    while (gate !== undefined) await gate;
  };
  const queue: GroupedJob[] = [];
  let scheduled = false;
  // Each grouped job runs in a savepoint: prepared once (db.exec would parse the SQL for every job).
  const savepoint = db.prepare("SAVEPOINT grouped");
  const releaseSavepoint = db.prepare("RELEASE grouped");
  const rollbackSavepoint = db.prepare("ROLLBACK TO grouped");

  async function flush(): Promise<void> {
    scheduled = false;
    const jobs = queue.splice(0);
    if (jobs.length === 0) return;
    await waitGate();
    let release = () => undefined as void;
    gate = new Promise<void>((resolve) => (release = resolve));
    try {
      const outcomes: { job: GroupedJob; ok: boolean; value: unknown }[] = [];
      try {
        attempt(() => db.exec("BEGIN IMMEDIATE"));
        for (const job of jobs) {
          attempt(() => savepoint.run());
          try {
            const value = await job.fn(direct);
            attempt(() => releaseSavepoint.run());
            outcomes.push({ job, ok: true, value });
          } catch (error) {
            attempt(() => {
              rollbackSavepoint.run();
              releaseSavepoint.run();
            });
            outcomes.push({ job, ok: false, value: classifySqliteError(error) });
          }
        }
        attempt(() => db.exec("COMMIT"));
      } catch (error) {
        // Nothing of this group was committed: every caller hears so (a 503 for the API).
        if (db.isTransaction) db.exec("ROLLBACK");
        for (const job of jobs) job.reject(error);
        return;
      }
      for (const o of outcomes) (o.ok ? o.job.resolve : o.job.reject)(o.value);
    } finally {
      gate = undefined;
      release();
    }
  }

  const driver: SqlDriver = {
    kind: "sqlite",
    query: async (sql, params = []) => {
      await waitGate();
      return direct.query(sql, params);
    },
    run: async (sql, params = []) => {
      await waitGate();
      return direct.run(sql, params);
    },
    groupedWrite: <T>(fn: (tx: SqlTx) => Promise<T>) =>
      new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      }),
    migrationTransaction: async (fn) => {
      await waitGate();
      attempt(() => db.exec("BEGIN IMMEDIATE"));
      try {
        await fn(direct);
        attempt(() => db.exec("COMMIT"));
      } catch (error) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw error;
      }
    },
    // One host, one file: a lease row (see lease.ts), written like any grouped write.
    lockSettlement: () => takeLease((fn) => driver.groupedWrite(fn)),
    close: async () => {
      await waitGate();
      await checkpointer?.close();
      statements.clear();
      db.close();
    },
  };
  return driver;
}
