/** PostgreSQL (pg): several keeper instances may share one database. */
import pg from "pg";

import type { Row, SqlDriver } from "./sql-store.js";

/** Key of the advisory lock that serializes migrations of concurrently starting keepers. */
const MIGRATION_LOCK = 0x706c6175; // "plau"

export function openPostgresDriver(url: string): SqlDriver {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return {
    kind: "postgres",
    query: async (sql, params = []) => (await pool.query(sql, params as unknown[])).rows as Row[],
    run: async (sql, params = []) => (await pool.query(sql, params as unknown[])).rowCount ?? 0,
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
