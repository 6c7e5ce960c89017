/** The embedded default: node:sqlite in a data directory, WAL journal. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";

import type { Row, SqlDriver } from "./sql-store.js";

/** `$1` to SQLite's numbered `?1`. */
function toSqlite(sql: string): string {
  return sql.replace(/\$(\d+)/g, "?$1");
}

export function openSqliteDriver(dataDir: string): SqlDriver {
  let path = dataDir;
  if (dataDir !== ":memory:") {
    mkdirSync(dataDir, { recursive: true });
    path = join(dataDir, "keeper.sqlite");
  }
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
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
  const driver: SqlDriver = {
    kind: "sqlite",
    query: async (sql, params = []) => prepare(sql).all(...args(params)) as Row[],
    run: async (sql, params = []) => Number(prepare(sql).run(...args(params)).changes),
    migrationTransaction: async (fn) => {
      db.exec("BEGIN IMMEDIATE");
      try {
        await fn(driver);
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    },
    close: async () => {
      statements.clear();
      db.close();
    },
  };
  return driver;
}
