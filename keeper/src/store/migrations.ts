/**
 * Versioned schema migrations, the same SQL on SQLite and PostgreSQL. Append new versions; never edit
 * an applied one. uint64 numbers are stored as zero-padded 20-digit text so they compare correctly.
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "tallies, item clicks, transactions, outcomes",
    statements: [
      `CREATE TABLE tallies (
        epoch TEXT NOT NULL, reader TEXT NOT NULL, signer TEXT NOT NULL, seq TEXT NOT NULL,
        clicks BIGINT NOT NULL, body TEXT NOT NULL, received_at BIGINT NOT NULL,
        PRIMARY KEY (epoch, reader, signer))`,
      `CREATE INDEX tallies_by_reader ON tallies (reader, epoch)`,
      `CREATE TABLE item_clicks (
        epoch TEXT NOT NULL, creator TEXT NOT NULL, item TEXT NOT NULL, reader TEXT NOT NULL,
        PRIMARY KEY (epoch, creator, item, reader))`,
      `CREATE TABLE settle_transactions (
        hash TEXT PRIMARY KEY, epoch TEXT NOT NULL, nonce BIGINT NOT NULL, readers TEXT NOT NULL,
        status TEXT NOT NULL, data TEXT NOT NULL, gas TEXT NOT NULL, max_fee TEXT NOT NULL,
        priority_fee TEXT NOT NULL, created_at BIGINT NOT NULL)`,
      `CREATE INDEX settle_transactions_by_epoch ON settle_transactions (epoch)`,
      `CREATE TABLE reader_outcomes (
        epoch TEXT NOT NULL, reader TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL,
        tx_hash TEXT, PRIMARY KEY (epoch, reader))`,
    ],
  },
  {
    version: 2,
    name: "settlement leases",
    statements: [`CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL)`],
  },
  {
    version: 3,
    name: "sending account and gas used of settle transactions",
    statements: [
      // NULL for rows written before: the keeper tells its own by signing the recorded fields again.
      `ALTER TABLE settle_transactions ADD COLUMN sender TEXT`,
      `ALTER TABLE settle_transactions ADD COLUMN gas_used TEXT`,
      `CREATE INDEX settle_transactions_by_sender ON settle_transactions (sender, nonce)`,
    ],
  },
  {
    version: 4,
    name: "creator profiles, item titles",
    statements: [
      // The latest signed profile per creator; version zero-padded so it compares as a number.
      `CREATE TABLE profiles (
        creator TEXT PRIMARY KEY, version TEXT NOT NULL, body TEXT NOT NULL, received_at BIGINT NOT NULL)`,
      // The title each reader's click declared (NULL before titles, or when none was sent).
      `ALTER TABLE item_clicks ADD COLUMN title TEXT`,
      `CREATE INDEX item_clicks_by_creator ON item_clicks (creator, epoch)`,
    ],
  },
  {
    version: 5,
    name: "no indexes the primary keys already serve",
    statements: [
      // Every query of these tables names the epoch, and the reader or creator with it: a prefix of the
      // primary keys (epoch, reader, signer) and (epoch, creator, item, reader). These indexes only cost
      // a B-tree write per stored tally and item click.
      `DROP INDEX IF EXISTS tallies_by_reader`,
      `DROP INDEX IF EXISTS item_clicks_by_creator`,
    ],
  },
];

export function padUint64(value: bigint): string {
  return value.toString().padStart(20, "0");
}
