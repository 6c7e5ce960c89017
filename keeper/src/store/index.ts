/** Opens the configured store: PostgreSQL when a database URL is given, else SQLite in the data dir. */
import { openPostgresDriver } from "./postgres.js";
import { openSqliteDriver } from "./sqlite.js";
import { migrate, SqlStore } from "./sql-store.js";
import type { Store } from "./types.js";

export type { Store } from "./types.js";

export async function openStore(options: { databaseUrl?: string | undefined; dataDir: string }): Promise<Store> {
  const driver =
    options.databaseUrl !== undefined ? openPostgresDriver(options.databaseUrl) : openSqliteDriver(options.dataDir);
  try {
    await migrate(driver);
  } catch (error) {
    await driver.close();
    throw error;
  }
  return new SqlStore(driver);
}
