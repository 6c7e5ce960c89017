/**
 * The storage logic, written once in SQL both SQLite and PostgreSQL accept ($1-style parameters; the
 * SQLite driver rewrites them). Drivers only run statements.
 */
import type { Address, Hex } from "viem";

import {
  signedTallySchema,
  toWireTally,
  type SignedProfile,
  type SignedProfileInput,
  type SignedTally,
  type SignedTallyInput,
} from "@plaudit/protocol";
import { MIGRATIONS, padUint64 } from "./migrations.js";
import {
  SettlementLockLost,
  type CreatorCount,
  type EpochStats,
  type ItemCount,
  type PutProfileResult,
  type PutTallyResult,
  type ReaderOutcome,
  type SettlementLock,
  type Store,
  type TxRecord,
  type TxStatus,
} from "./types.js";

export type Row = Record<string, unknown>;

export interface SqlTx {
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A driver's hold on the settlement lock. */
export interface LockSession {
  readonly holder: string;
  /**
   * Runs `fn` in one transaction that first proves the lock is still held, and commits only then;
   * throws SettlementLockLost (having written nothing) when it is not.
   */
  write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** Extends (lease) or re-confirms (advisory lock) the hold; false when it is lost. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export interface SqlDriver extends SqlTx {
  readonly kind: "sqlite" | "postgres";
  /**
   * A short read-modify-write that uses only `tx`, in one transaction: all of it commits or none.
   * SQLite: the calls of one event-loop turn share one transaction and one commit, each in its own
   * savepoint (a failing call undoes only itself); the promise resolves once the commit is durable in the
   * WAL. PostgreSQL: BEGIN … COMMIT on one pooled connection.
   */
  groupedWrite<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** Runs `fn` in one transaction, serialized against other migrators of the same database. */
  migrationTransaction(fn: (tx: SqlTx) => Promise<void>): Promise<void>;
  /** Takes the settlement lock, or resolves to undefined while another holder has it. */
  lockSettlement(): Promise<LockSession | undefined>;
  close(): Promise<void>;
}

/** How often a held settlement lock is renewed (lease) or re-confirmed (advisory lock). */
export const SETTLEMENT_LOCK_RENEW_MS = 15_000;

function str(row: Row, key: string): string {
  const value = row[key];
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  throw new Error(`column ${key} is ${typeof value}`);
}

function num(row: Row, key: string): number {
  return Number(str(row, key));
}

function parseStored(body: string): SignedTally {
  return signedTallySchema.parse(JSON.parse(body));
}

function optional(row: Row, key: string): string | null {
  return row[key] === null || row[key] === undefined ? null : str(row, key);
}

function toTx(row: Row): TxRecord {
  const sender = optional(row, "sender");
  const gasUsed = optional(row, "gas_used");
  return {
    hash: str(row, "hash") as Hex,
    epoch: BigInt(str(row, "epoch")),
    from: sender as Address | null,
    nonce: num(row, "nonce"),
    readers: JSON.parse(str(row, "readers")) as Address[],
    status: str(row, "status") as TxStatus,
    data: str(row, "data") as Hex,
    gas: BigInt(str(row, "gas")),
    maxFeePerGas: BigInt(str(row, "max_fee")),
    maxPriorityFeePerGas: BigInt(str(row, "priority_fee")),
    createdAt: num(row, "created_at"),
    gasUsed: gasUsed === null ? null : BigInt(gasUsed),
  };
}

/** Creators whose count rose from `previous` to `next`. */
export function risenCreators(previous: SignedTallyInput | undefined, next: SignedTally): Address[] {
  const before = new Map(previous?.creators.map((c, i) => [c.toLowerCase(), previous.counts[i] as number]) ?? []);
  return next.creators.filter((c, i) => (next.counts[i] as number) > (before.get(c.toLowerCase()) ?? 0));
}

function insertItemClick(
  tx: SqlTx,
  epoch: bigint,
  creator: Address,
  item: string,
  reader: Address,
  title?: string,
): Promise<number> {
  return tx.run(
    `INSERT INTO item_clicks (epoch, creator, item, reader, title) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [epoch.toString(), creator, item, reader, title ?? null],
  );
}

/**
 * Items of an epoch with their distinct readers and the title most of their readers declared (ties: the
 * first by text), so that one hostile reader cannot rename an item. `$1` is the epoch; `where` may filter
 * on `c.creator` with `$3`; `$2` is the limit.
 */
function itemCountsSql(where: string): string {
  return `SELECT creator, item, readers, title FROM (
      SELECT c.creator AS creator, c.item AS item, c.readers AS readers, t.title AS title,
        ROW_NUMBER() OVER (PARTITION BY c.creator, c.item ORDER BY t.n DESC, t.title) AS pick
      FROM (SELECT creator, item, COUNT(*) AS readers FROM item_clicks WHERE epoch = $1 GROUP BY creator, item) c
      LEFT JOIN (SELECT creator, item, title, COUNT(*) AS n FROM item_clicks
                 WHERE epoch = $1 AND title IS NOT NULL GROUP BY creator, item, title) t
        ON t.creator = c.creator AND t.item = c.item
      ${where}) ranked
    WHERE pick = 1 ORDER BY readers DESC, creator, item LIMIT $2`;
}

function toItemCount(row: Row): ItemCount {
  return {
    creator: str(row, "creator") as Address,
    url: str(row, "item"),
    title: optional(row, "title"),
    readers: num(row, "readers"),
  };
}

export async function migrate(driver: SqlDriver): Promise<void> {
  await driver.migrationTransaction(async (tx) => {
    await tx.run(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    const applied = new Set((await tx.query(`SELECT version FROM schema_migrations`)).map((r) => num(r, "version")));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.run(statement);
      await tx.run(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        Date.now(),
      ]);
    }
  });
}

export class SqlStore implements Store {
  constructor(private readonly db: SqlDriver) {}

  get kind() {
    return this.db.kind;
  }

  async putTally(tally: SignedTally, clicks: number, item?: string, title?: string): Promise<PutTallyResult> {
    const body = JSON.stringify(toWireTally(tally));
    return this.db.groupedWrite(async (tx) => {
      const result = await this.putTallyIn(tx, tally, clicks, body);
      if (result.status === "stored") {
        const risen = risenCreators(result.previous, tally);
        if (item !== undefined && risen.length === 1) {
          await insertItemClick(tx, tally.epoch, risen[0] as Address, item, tally.reader, title);
        }
      }
      return result;
    });
  }

  private async putTallyIn(tx: SqlTx, tally: SignedTally, clicks: number, body: string): Promise<PutTallyResult> {
    const key = [tally.epoch.toString(), tally.reader, tally.signer];
    const [before] = await tx.query(
      `SELECT seq, body FROM tallies WHERE epoch = $1 AND reader = $2 AND signer = $3`,
      key,
    );
    if (before !== undefined) {
      const storedSeq = BigInt(str(before, "seq"));
      if (storedSeq === tally.seq && str(before, "body") === body) return { status: "unchanged" };
      if (storedSeq >= tally.seq) return { status: "stale", storedSeq };
    }
    const changed = await tx.run(
      `INSERT INTO tallies (epoch, reader, signer, seq, clicks, body, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (epoch, reader, signer) DO UPDATE SET seq = excluded.seq, clicks = excluded.clicks,
         body = excluded.body, received_at = excluded.received_at
       WHERE tallies.seq < excluded.seq`,
      [...key, padUint64(tally.seq), clicks, body, Date.now()],
    );
    if (changed === 0) {
      // Another request (or keeper instance) stored an equal or higher seq in between.
      const [now] = await tx.query(
        `SELECT seq, body FROM tallies WHERE epoch = $1 AND reader = $2 AND signer = $3`,
        key,
      );
      if (now !== undefined && str(now, "body") === body) return { status: "unchanged" };
      return { status: "stale", storedSeq: now === undefined ? 0n : BigInt(str(now, "seq")) };
    }
    return {
      status: "stored",
      previous: before === undefined ? undefined : (JSON.parse(str(before, "body")) as SignedTallyInput),
    };
  }

  async readerTallies(reader: Address, epoch: bigint): Promise<SignedTallyInput[]> {
    const rows = await this.db.query(`SELECT body FROM tallies WHERE reader = $1 AND epoch = $2 ORDER BY signer`, [
      reader,
      epoch.toString(),
    ]);
    return rows.map((r) => JSON.parse(str(r, "body")) as SignedTallyInput);
  }

  async epochTallies(epoch: bigint): Promise<SignedTally[]> {
    const rows = await this.db.query(`SELECT body FROM tallies WHERE epoch = $1 ORDER BY reader, signer`, [
      epoch.toString(),
    ]);
    return rows.map((r) => parseStored(str(r, "body")));
  }

  async epochStats(epoch: bigint): Promise<EpochStats> {
    const rows = await this.db.query(
      `SELECT o.outcome AS outcome, COUNT(DISTINCT t.reader) AS readers, COALESCE(SUM(t.clicks), 0) AS clicks
       FROM tallies t LEFT JOIN reader_outcomes o ON o.epoch = t.epoch AND o.reader = t.reader
       WHERE t.epoch = $1 GROUP BY o.outcome`,
      [epoch.toString()],
    );
    const stats: EpochStats = { readers: 0, clicks: 0, settledClicks: 0, droppedClicks: 0 };
    for (const row of rows) {
      const clicks = num(row, "clicks");
      stats.readers += num(row, "readers");
      stats.clicks += clicks;
      if (row["outcome"] === "settled") stats.settledClicks = clicks;
      if (row["outcome"] === "dropped") stats.droppedClicks = clicks;
    }
    return stats;
  }

  async recordItemClick(epoch: bigint, creator: Address, item: string, reader: Address): Promise<boolean> {
    return (await this.db.groupedWrite((tx) => insertItemClick(tx, epoch, creator, item, reader))) > 0;
  }

  async itemClicks(epoch: bigint, creator: Address, item: string): Promise<number> {
    const [row] = await this.db.query(
      `SELECT COUNT(*) AS n FROM item_clicks WHERE epoch = $1 AND creator = $2 AND item = $3`,
      [epoch.toString(), creator, item],
    );
    return row === undefined ? 0 : num(row, "n");
  }

  async creatorItems(epoch: bigint, creator: Address, limit: number): Promise<ItemCount[]> {
    const rows = await this.db.query(itemCountsSql("WHERE c.creator = $3"), [epoch.toString(), limit, creator]);
    return rows.map(toItemCount);
  }

  async popularItems(epoch: bigint, limit: number): Promise<ItemCount[]> {
    const rows = await this.db.query(itemCountsSql(""), [epoch.toString(), limit]);
    return rows.map(toItemCount);
  }

  async popularCreators(epoch: bigint, limit: number): Promise<CreatorCount[]> {
    // A creator's readers are counted from the stored tallies (cumulative, so a key's latest names every
    // creator it clicked) when asked, not kept per tally: an insert per stored tally cost ingest ~0.3 ms
    // of CPU, while this query runs once per cache period of the popular routes.
    const [creatorsOfTallies, creatorColumn] =
      this.db.kind === "postgres"
        ? [
            `tallies t CROSS JOIN LATERAL jsonb_array_elements_text(t.body::jsonb -> 'creators') AS c(creator)`,
            "c.creator",
          ]
        : [`tallies t, json_each(t.body, '$.creators') AS c`, "c.value"];
    const rows = await this.db.query(
      `SELECT r.creator AS creator, r.readers AS readers, COALESCE(i.items, 0) AS items
       FROM (SELECT ${creatorColumn} AS creator, COUNT(DISTINCT t.reader) AS readers FROM ${creatorsOfTallies}
             WHERE t.epoch = $1 GROUP BY ${creatorColumn}) r
       LEFT JOIN (SELECT creator, COUNT(DISTINCT item) AS items FROM item_clicks WHERE epoch = $1 GROUP BY creator) i
         ON i.creator = r.creator
       ORDER BY r.readers DESC, r.creator LIMIT $2`,
      [epoch.toString(), limit],
    );
    return rows.map((row) => ({
      creator: str(row, "creator") as Address,
      readers: num(row, "readers"),
      items: num(row, "items"),
    }));
  }

  async putProfile(profile: SignedProfile, body: SignedProfileInput): Promise<PutProfileResult> {
    const text = JSON.stringify(body);
    return this.db.groupedWrite(async (tx) => {
      const changed = await tx.run(
        `INSERT INTO profiles (creator, version, body, received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (creator) DO UPDATE SET version = excluded.version, body = excluded.body,
           received_at = excluded.received_at
         WHERE profiles.version < excluded.version`,
        [profile.creator, padUint64(profile.version), text, Date.now()],
      );
      if (changed > 0) return { status: "stored" };
      const [stored] = await tx.query(`SELECT version, body FROM profiles WHERE creator = $1`, [profile.creator]);
      if (stored !== undefined && str(stored, "body") === text) return { status: "unchanged" };
      return { status: "stale", storedVersion: stored === undefined ? 0n : BigInt(str(stored, "version")) };
    });
  }

  async profile(creator: Address): Promise<SignedProfileInput | undefined> {
    const [row] = await this.db.query(`SELECT body FROM profiles WHERE creator = $1`, [creator]);
    return row === undefined ? undefined : (JSON.parse(str(row, "body")) as SignedProfileInput);
  }

  async transactions(epoch: bigint): Promise<TxRecord[]> {
    const rows = await this.db.query(`SELECT * FROM settle_transactions WHERE epoch = $1 ORDER BY created_at, hash`, [
      epoch.toString(),
    ]);
    return rows.map(toTx);
  }

  async outcomes(epoch: bigint): Promise<ReaderOutcome[]> {
    const rows = await this.db.query(`SELECT * FROM reader_outcomes WHERE epoch = $1 ORDER BY reader`, [
      epoch.toString(),
    ]);
    return rows.map((r) => ({
      reader: str(r, "reader") as Address,
      outcome: str(r, "outcome") as ReaderOutcome["outcome"],
      reason: str(r, "reason"),
      txHash: r["tx_hash"] === null ? null : (str(r, "tx_hash") as Hex),
    }));
  }

  async lastSettledEpoch(): Promise<bigint | undefined> {
    const rows = await this.db.query(
      `SELECT t.epoch AS epoch FROM
         (SELECT epoch, COUNT(DISTINCT reader) AS readers FROM tallies GROUP BY epoch) t
         JOIN (SELECT epoch, COUNT(*) AS decided FROM reader_outcomes GROUP BY epoch) o ON o.epoch = t.epoch
       WHERE o.decided >= t.readers`,
    );
    // Epochs are stored as unpadded text: compare them as numbers.
    let last: bigint | undefined;
    for (const row of rows) {
      const epoch = BigInt(str(row, "epoch"));
      if (last === undefined || epoch > last) last = epoch;
    }
    return last;
  }

  async lockSettlement(): Promise<SettlementLock | undefined> {
    const session = await this.db.lockSettlement();
    return session === undefined ? undefined : new FencedSettlementLock(session);
  }

  async schemaVersions(): Promise<number[]> {
    return (await this.db.query(`SELECT version FROM schema_migrations ORDER BY version`)).map((r) =>
      num(r, "version"),
    );
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/**
 * Settlement writes through a held lock: each in one transaction that commits only while the lock is
 * held. Renews the lock in the background; once it is lost, `lost` turns true and writes throw.
 */
class FencedSettlementLock implements SettlementLock {
  private isLost = false;
  private released = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly session: LockSession) {
    this.timer = setInterval(() => {
      session.renew().then(
        (held) => {
          if (!held) this.isLost = true;
        },
        () => {
          this.isLost = true;
        },
      );
    }, SETTLEMENT_LOCK_RENEW_MS);
    this.timer.unref();
  }

  get holder(): string {
    return this.session.holder;
  }

  get lost(): boolean {
    return this.isLost || this.released;
  }

  private async write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    if (this.lost) throw new SettlementLockLost(`the settlement lock of ${this.holder} is no longer held`);
    try {
      return await this.session.write(fn);
    } catch (error) {
      if (error instanceof SettlementLockLost) this.isLost = true;
      throw error;
    }
  }

  async saveTransaction(tx: TxRecord): Promise<void> {
    await this.write((db) =>
      db.run(
        `INSERT INTO settle_transactions
           (hash, epoch, sender, nonce, readers, status, data, gas, max_fee, priority_fee, created_at, gas_used)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (hash) DO NOTHING`,
        [
          tx.hash,
          tx.epoch.toString(),
          tx.from,
          tx.nonce,
          JSON.stringify(tx.readers),
          tx.status,
          tx.data,
          tx.gas.toString(),
          tx.maxFeePerGas.toString(),
          tx.maxPriorityFeePerGas.toString(),
          tx.createdAt,
          tx.gasUsed === null ? null : tx.gasUsed.toString(),
        ],
      ),
    );
  }

  async setTransactionStatus(hash: Hex, status: TxStatus, gasUsed?: bigint): Promise<void> {
    await this.write((db) =>
      db.run(`UPDATE settle_transactions SET status = $1, gas_used = COALESCE($2, gas_used) WHERE hash = $3`, [
        status,
        gasUsed === undefined ? null : gasUsed.toString(),
        hash,
      ]),
    );
  }

  async saveOutcomes(epoch: bigint, outcomes: readonly ReaderOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.write(async (db) => {
      for (const o of outcomes) {
        await db.run(
          `INSERT INTO reader_outcomes (epoch, reader, outcome, reason, tx_hash) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (epoch, reader) DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason,
             tx_hash = excluded.tx_hash
           WHERE reader_outcomes.outcome <> 'settled'`,
          [epoch.toString(), o.reader, o.outcome, o.reason, o.txHash],
        );
      }
    });
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.session.release();
  }
}
