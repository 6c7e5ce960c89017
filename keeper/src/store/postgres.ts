/** PostgreSQL (pg): several keeper instances may share one database. */
import pg from "pg";

import { classifyPostgresError } from "./errors.js";
import type { Row, SqlDriver, SqlTx } from "./sql-store.js";

/** Key of the advisory lock that serializes migrations of concurrently starting keepers. */
const MIGRATION_LOCK = 0x706c6175; // "plau"

export function openPostgresDriver(url: string): SqlDriver {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on("error", () => undefined);
  const statement = async (sql: string, params: readonly unknown[]) => {
    try {
      return await pool.query(sql, params as unknown[]);
    } catch (error) {
      throw classifyPostgresError(error);
    }
  };
  const onPool: SqlTx = {
    query: async (sql, params = []) => (await statement(sql, params)).rows as Row[],
    run: async (sql, params = []) => (await statement(sql, params)).rowCount ?? 0,
  };
  return {
    kind: "postgres",
    ...onPool,
    groupedWrite: (fn) => fn(onPool),
    migrationTransaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
        await fn({
          query: async (sql, params = []) => (await client.query(sql, params as unknown[])).rows as Row[],
          run: async (sql, params = []) => (await client.query(sql, params as unknown[])).rowCount ?? 0,
        });
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
