/**
 * One storage suite, run on SQLite (always) and on PostgreSQL (a real server: PLAUDIT_TEST_PG_URL,
 * which .ci/run sets; skipped with a visible message only when it is not configured).
 */
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import pg from "pg";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  signedProfileSchema,
  signedTallySchema,
  toWireProfile,
  toWireTally,
  type SignedTally,
} from "@plaudit/protocol";
import { sleep } from "../../keeper/src/retry.js";
import { openStore } from "../../keeper/src/store/index.js";
import { MIGRATIONS } from "../../keeper/src/store/migrations.js";
import { SETTLEMENT_LEASE } from "../../keeper/src/store/lease.js";
import { openPostgresDriver, SETTLEMENT_LOCK } from "../../keeper/src/store/postgres.js";
import { migrate, type SqlDriver } from "../../keeper/src/store/sql-store.js";
import { CHECKPOINT_EVERY_MS, openSqliteDriver } from "../../keeper/src/store/sqlite.js";
import { SettlementLockLost, type SettlementLock, type Store, type TxRecord } from "../../keeper/src/store/types.js";
import { tempDir } from "./keeper-fixture.js";

const address = () => privateKeyToAccount(generatePrivateKey()).address;
const POOL = address();

function tally(reader: Address, signer: Address, epoch: bigint, seq: bigint, counts: number[] = [1]): SignedTally {
  const creators = counts.map((_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}` as Address);
  return signedTallySchema.parse({
    chainId: 31337,
    pool: POOL,
    reader,
    signer,
    epoch: epoch.toString(),
    seq: seq.toString(),
    creators,
    counts,
    signature: `0x${"11".repeat(65)}`,
    session: signer === reader ? null : { expiry: "999999", nonce: 0, signature: `0x${"22".repeat(65)}` },
  });
}

async function mustLock(store: Store): Promise<SettlementLock> {
  const lock = await store.lockSettlement();
  expect(lock, "the settlement lock is free").to.not.equal(undefined);
  return lock as SettlementLock;
}

async function expectRejection(promise: Promise<unknown>, message: RegExp): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "rejected").to.be.instanceOf(Error);
  expect((error as Error).message).to.match(message);
  return error;
}

async function expectLockLost(promise: Promise<unknown>): Promise<void> {
  const error = await expectRejection(promise, /no longer held/);
  expect(error).to.be.instanceOf(SettlementLockLost);
}

interface StorageEnv {
  store: Store;
  reopen(): Promise<Store>;
  /** A raw driver on the same database, migrated. */
  driver(): Promise<SqlDriver>;
  cleanup(): Promise<void>;
}

function storageSuite(name: string, open: () => Promise<StorageEnv>) {
  describe(`keeper storage (${name})`, function () {
    this.timeout(30_000);
    let store: Store;
    let env: Awaited<ReturnType<typeof open>>;

    beforeEach(async () => {
      env = await open();
      store = env.store;
    });
    afterEach(async () => {
      await store.close();
      await env.cleanup();
    });

    it("applies every schema migration once, in order, and again is a no-op", async () => {
      expect(await store.schemaVersions()).to.deep.equal(MIGRATIONS.map((m) => m.version));
      await store.close();
      store = await env.reopen();
      expect(await store.schemaVersions()).to.deep.equal(MIGRATIONS.map((m) => m.version));
    });

    it("keeps the latest tally per (reader, key, epoch) by seq, compared as numbers", async () => {
      const reader = address();
      const key = address();
      expect((await store.putTally(tally(reader, key, 1n, 9n), 1)).status).to.equal("stored");
      const tenth = await store.putTally(tally(reader, key, 1n, 10n, [1, 2]), 3);
      expect(tenth.status).to.equal("stored");
      expect(tenth.status === "stored" && tenth.previous?.seq).to.equal("9");
      expect(await store.putTally(tally(reader, key, 1n, 2n), 1)).to.deep.equal({ status: "stale", storedSeq: 10n });
      expect(await store.putTally(tally(reader, key, 1n, 10n, [1, 2]), 3)).to.deep.equal({ status: "unchanged" });
      expect((await store.putTally(tally(reader, key, 1n, 10n, [5, 2]), 7)).status).to.equal("stale");
      const big = 2n ** 64n - 1n;
      expect((await store.putTally(tally(reader, key, 1n, big), 1)).status).to.equal("stored");
      const stored = await store.readerTallies(reader, 1n);
      expect(stored).to.have.length(1);
      expect(signedTallySchema.parse(stored[0]).seq).to.equal(big);
    });

    it("separates keys and epochs and sums an epoch's readers and clicks", async () => {
      const [r1, r2, k1] = [address(), address(), address()];
      await store.putTally(tally(r1, r1, 2n, 1n, [1, 2]), 3);
      await store.putTally(tally(r1, k1, 2n, 1n, [4]), 4);
      await store.putTally(tally(r2, r2, 2n, 1n, [5]), 5);
      await store.putTally(tally(r2, r2, 3n, 1n, [6]), 6);
      expect(await store.readerTallies(r1, 2n)).to.have.length(2);
      expect(await store.epochStats(2n)).to.deep.equal({ readers: 2, clicks: 12, settledClicks: 0, droppedClicks: 0 });
      const all = await store.epochTallies(2n);
      expect(all.map((t) => toWireTally(t))).to.have.length(3);
      expect(await store.epochStats(9n)).to.deep.equal({ readers: 0, clicks: 0, settledClicks: 0, droppedClicks: 0 });
    });

    it("splits an epoch's clicks by reader outcome and finds the last epoch whose every reader has one", async () => {
      expect(await store.lastSettledEpoch()).to.equal(undefined);
      const [settled, dropped, pending] = [address(), address(), address()];
      const key = address();
      await store.putTally(tally(settled, settled, 9n, 1n, [1, 2]), 3);
      await store.putTally(tally(settled, key, 9n, 1n, [4]), 4);
      await store.putTally(tally(dropped, dropped, 9n, 1n, [5]), 5);
      await store.putTally(tally(pending, pending, 9n, 1n, [6]), 6);
      await store.putTally(tally(settled, settled, 10n, 1n, [1]), 1);
      const lock = await store.lockSettlement();
      if (lock === undefined) throw new Error("the settlement lock is free in a fresh store");
      await lock.saveOutcomes(9n, [
        { reader: settled, outcome: "settled", reason: "", txHash: `0x${"ab".repeat(32)}` },
        { reader: dropped, outcome: "dropped", reason: "no budget", txHash: null },
      ]);
      expect(await store.epochStats(9n)).to.deep.equal({ readers: 3, clicks: 18, settledClicks: 7, droppedClicks: 5 });
      // Epoch 9 still has a reader without an outcome; epoch 10 has none decided.
      expect(await store.lastSettledEpoch()).to.equal(undefined);
      await lock.saveOutcomes(9n, [{ reader: pending, outcome: "skipped", reason: "BadSignature", txHash: null }]);
      expect(await store.lastSettledEpoch()).to.equal(9n);
      await lock.saveOutcomes(10n, [{ reader: settled, outcome: "settled", reason: "", txHash: null }]);
      // Compared as numbers, not as the text "10" < "9".
      expect(await store.lastSettledEpoch()).to.equal(10n);
      await lock.release();
    });

    it("concurrent writers of one key end with the highest seq", async () => {
      const reader = address();
      const results = await Promise.all(
        [3n, 7n, 5n, 1n, 6n, 2n, 4n].map((seq) => store.putTally(tally(reader, reader, 4n, seq), 1)),
      );
      expect(results.some((r) => r.status === "stored")).to.equal(true);
      const [kept] = await store.readerTallies(reader, 4n);
      expect(kept?.seq).to.equal("7");
    });

    it("counts an item's distinct readers per creator and epoch", async () => {
      const [creator, r1, r2] = [address(), address(), address()];
      const url = "https://blog.example/a";
      expect(await store.recordItemClick(1n, creator, url, r1)).to.equal(true);
      expect(await store.recordItemClick(1n, creator, url, r1)).to.equal(false);
      await store.recordItemClick(1n, creator, url, r2);
      await store.recordItemClick(2n, creator, url, r2);
      expect(await store.itemClicks(1n, creator, url)).to.equal(2);
      expect(await store.itemClicks(2n, creator, url)).to.equal(1);
      expect(await store.itemClicks(1n, creator, "https://blog.example/b")).to.equal(0);
    });

    it("keeps the highest profile version per creator, compared as numbers", async () => {
      const creator = address();
      const profile = (version: bigint, name: string) =>
        signedProfileSchema.parse({
          chainId: 31337,
          creator,
          name,
          bio: "",
          avatar: "",
          website: "",
          links: [],
          version: version.toString(),
          signature: `0x${"33".repeat(65)}`,
        });
      const put = (p: ReturnType<typeof profile>) => store.putProfile(p, toWireProfile(p));
      expect(await store.profile(creator)).to.equal(undefined);
      expect(await put(profile(9n, "Nine"))).to.deep.equal({ status: "stored" });
      expect(await put(profile(10n, "Ten"))).to.deep.equal({ status: "stored" });
      expect(await put(profile(10n, "Ten"))).to.deep.equal({ status: "unchanged" });
      expect(await put(profile(10n, "Other ten"))).to.deep.equal({ status: "stale", storedVersion: 10n });
      expect(await put(profile(2n, "Two"))).to.deep.equal({ status: "stale", storedVersion: 10n });
      expect(await store.profile(creator)).to.deep.equal(toWireProfile(profile(10n, "Ten")));
    });

    it("ranks items by distinct readers with their majority title, and creators by distinct readers", async () => {
      const [r1, r2, r3] = [address(), address(), address()];
      const creator1 = "0x0000000000000000000000000000000000000001" as Address; // tally()'s first creator
      const creator2 = "0x0000000000000000000000000000000000000002" as Address;
      await store.putTally(tally(r1, r1, 6n, 1n, [1]), 1, "https://a.example/x", "X");
      await store.putTally(tally(r2, r2, 6n, 1n, [1]), 1, "https://a.example/x", "X");
      await store.putTally(tally(r3, r3, 6n, 1n, [1]), 1, "https://a.example/x", "Renamed");
      await store.putTally(tally(r1, r1, 6n, 2n, [1, 1]), 2, "https://a.example/y", "Y");
      await store.putTally(tally(r2, r2, 7n, 1n, [1]), 1, "https://a.example/z");
      expect(await store.popularItems(6n, 10)).to.deep.equal([
        { creator: creator1, url: "https://a.example/x", title: "X", readers: 3 },
        { creator: creator2, url: "https://a.example/y", title: "Y", readers: 1 },
      ]);
      expect(await store.popularItems(6n, 1)).to.have.length(1);
      expect(await store.creatorItems(7n, creator1, 10)).to.deep.equal([
        { creator: creator1, url: "https://a.example/z", title: null, readers: 1 },
      ]);
      expect(await store.popularCreators(6n, 10)).to.deep.equal([
        { creator: creator1, readers: 3, items: 1 },
        { creator: creator2, readers: 1, items: 1 },
      ]);
    });

    it("records transactions with their sender and outcomes through the lock; a settled outcome is final", async () => {
      const [r1, r2, sender] = [address(), address(), address()];
      const tx: TxRecord = {
        hash: `0x${"ab".repeat(32)}` as Hex,
        epoch: 5n,
        from: sender,
        nonce: 3,
        readers: [r1, r2],
        status: "pending",
        data: "0x1234",
        gas: 500_000n,
        maxFeePerGas: 2n * 10n ** 9n,
        maxPriorityFeePerGas: 10n ** 9n,
        createdAt: Date.now(),
        gasUsed: null,
      };
      const lock = await mustLock(store);
      await lock.saveTransaction(tx);
      await lock.saveTransaction(tx);
      expect(await store.transactions(5n)).to.deep.equal([tx]);
      await lock.setTransactionStatus(tx.hash, "failed", 431_000n);
      await lock.setTransactionStatus(tx.hash, "failed");
      expect(await store.transactions(5n)).to.deep.equal([{ ...tx, status: "failed", gasUsed: 431_000n }]);
      await lock.saveOutcomes(5n, [
        { reader: r1, outcome: "settled", reason: "settled", txHash: tx.hash },
        { reader: r2, outcome: "dropped", reason: "no budget", txHash: null },
      ]);
      await lock.saveOutcomes(5n, [
        { reader: r1, outcome: "skipped", reason: "BadSignature", txHash: null },
        { reader: r2, outcome: "settled", reason: "settled_elsewhere", txHash: null },
      ]);
      const outcomes = await store.outcomes(5n);
      expect(outcomes.find((o) => o.reader === r1)).to.deep.include({ outcome: "settled", txHash: tx.hash });
      expect(outcomes.find((o) => o.reader === r2)).to.deep.include({
        outcome: "settled",
        reason: "settled_elsewhere",
      });
      await lock.release();
    });

    it("grants the settlement lock to one holder at a time and fences every write by it", async () => {
      const second = await env.reopen();
      try {
        const first = await mustLock(store);
        expect(await second.lockSettlement(), "another store on the same database").to.equal(undefined);
        expect(await store.lockSettlement(), "another holder in the same process").to.equal(undefined);
        await first.release();
        const next = await mustLock(second);
        // The released holder writes nothing any more, and says why.
        const reader = address();
        const write = first.saveOutcomes(6n, [{ reader, outcome: "dropped", reason: "late", txHash: null }]);
        await expectLockLost(write);
        expect(first.lost).to.equal(true);
        await next.saveOutcomes(6n, [{ reader, outcome: "dropped", reason: "by the holder", txHash: null }]);
        expect((await store.outcomes(6n)).map((o) => o.reason)).to.deep.equal(["by the holder"]);
        await next.release();
        await mustLock(store).then((l) => l.release());
      } finally {
        await second.close();
      }
    });

    it("commits a grouped write whole or not at all", async () => {
      const driver = await env.driver();
      try {
        const reader = address();
        const failing = driver.groupedWrite(async (tx) => {
          await tx.run(`INSERT INTO item_clicks (epoch, creator, item, reader) VALUES ($1, $2, $3, $4)`, [
            "7",
            reader,
            "https://a.example/",
            reader,
          ]);
          throw new Error("the second statement failed");
        });
        await expectRejection(failing, /the second statement failed/);
        expect(await store.itemClicks(7n, reader, "https://a.example/")).to.equal(0);
      } finally {
        await driver.close();
      }
    });

    it("keeps data across a reopen", async () => {
      const reader = address();
      await store.putTally(tally(reader, reader, 1n, 3n), 1);
      await store.close();
      store = await env.reopen();
      expect(await store.readerTallies(reader, 1n)).to.have.length(1);
    });
  });
}

async function migrated(driver: SqlDriver): Promise<SqlDriver> {
  await migrate(driver);
  return driver;
}

async function sqliteEnv(): Promise<StorageEnv> {
  const dir = tempDir();
  return {
    store: await openStore({ dataDir: dir.path }),
    reopen: () => openStore({ dataDir: dir.path }),
    driver: () => migrated(openSqliteDriver(dir.path)),
    cleanup: async () => dir.remove(),
  };
}

storageSuite("sqlite", sqliteEnv);

describe("keeper storage (sqlite): the settlement lease", () => {
  let env: StorageEnv;
  beforeEach(async () => {
    env = await sqliteEnv();
  });
  afterEach(async () => {
    await env.store.close();
    await env.cleanup();
  });

  /** Writes the lease row as a holder `host:pid:id` that expires in an hour would have. */
  async function leaseHeldBy(pid: number): Promise<void> {
    const driver = await env.driver();
    await driver.run(`INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)`, [
      SETTLEMENT_LEASE,
      `${hostname()}:${pid}:other`,
      Date.now() + 3_600_000,
    ]);
    await driver.close();
  }

  it("stays with a live holder's process until it expires", async () => {
    await leaseHeldBy(process.ppid);
    expect(await env.store.lockSettlement()).to.equal(undefined);
  });

  it("is taken over at once from a holder whose process is gone (a SIGKILLed keeper)", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    await leaseHeldBy(child.pid as number);
    const lock = await mustLock(env.store);
    await lock.saveOutcomes(1n, [{ reader: address(), outcome: "dropped", reason: "x", txHash: null }]);
    await lock.release();
  });
});

describe("keeper storage (sqlite): WAL checkpoints on a thread of their own", () => {
  it("copies committed pages into the database file while the keeper's connection never checkpoints", async () => {
    const dir = tempDir();
    const driver = await migrated(openSqliteDriver(dir.path));
    try {
      expect(await driver.query("PRAGMA wal_autocheckpoint")).to.deep.equal([{ wal_autocheckpoint: 0 }]);
      await driver.run("CREATE TABLE filler (body TEXT)");
      const file = join(dir.path, "keeper.sqlite");
      const before = statSync(file).size;
      for (let i = 0; i < 200; i++)
        await driver.groupedWrite((tx) => tx.run("INSERT INTO filler VALUES ($1)", ["x".repeat(4000)]));
      // Committed to the WAL: the database file grows only when a checkpoint copies the pages back.
      const copied = before + 200 * 4000;
      for (let waited = 0; statSync(file).size < copied && waited < 5 * CHECKPOINT_EVERY_MS; waited += 50) {
        await sleep(50);
      }
      expect(statSync(file).size).to.be.at.least(copied);
    } finally {
      await driver.close();
      dir.remove();
    }
  });
});

const pgUrl = process.env["PLAUDIT_TEST_PG_URL"];
if (pgUrl === undefined || pgUrl === "") {
  describe("keeper storage (postgres)", () => {
    it("SKIPPED: set PLAUDIT_TEST_PG_URL to a PostgreSQL server (.ci/run does) to run the storage suite on PostgreSQL");
  });
  console.warn("keeper storage: PLAUDIT_TEST_PG_URL is not set; the PostgreSQL run of the storage suite is SKIPPED");
} else {
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  const pgEnv = async (): Promise<StorageEnv & { database: string }> => {
    const database = `plaudit_test_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    await admin((c) => c.query(`CREATE DATABASE ${database}`));
    const url = new URL(pgUrl);
    url.pathname = `/${database}`;
    const databaseUrl = url.toString();
    return {
      database,
      store: await openStore({ databaseUrl, dataDir: "unused" }),
      reopen: () => openStore({ databaseUrl, dataDir: "unused" }),
      driver: () => migrated(openPostgresDriver(databaseUrl)),
      cleanup: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).then(() => undefined),
    };
  };
  storageSuite("postgres", pgEnv);

  describe("keeper storage (postgres): the settlement advisory lock", () => {
    let env: Awaited<ReturnType<typeof pgEnv>>;
    beforeEach(async () => {
      env = await pgEnv();
    });
    afterEach(async () => {
      await env.store.close();
      await env.cleanup();
    });

    it("is freed when its holder's connection dies, and the dead holder's writes fail without writing", async () => {
      const other = await env.reopen();
      try {
        const dead = await mustLock(env.store);
        expect(await other.lockSettlement()).to.equal(undefined);
        // The server ends the holder's session (as when its process is SIGKILLed or the network drops).
        const ended = await admin((c) =>
          c.query(
            `SELECT pg_terminate_backend(pid) FROM pg_locks
              WHERE locktype = 'advisory' AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = $2)`,
            [SETTLEMENT_LOCK, env.database],
          ),
        );
        expect(ended.rowCount).to.equal(1);
        const next = await mustLock(other);
        const reader = address();
        await expectLockLost(dead.saveOutcomes(2n, [{ reader, outcome: "dropped", reason: "stale", txHash: null }]));
        await next.saveOutcomes(2n, [{ reader, outcome: "dropped", reason: "holder", txHash: null }]);
        expect((await other.outcomes(2n)).map((o) => o.reason)).to.deep.equal(["holder"]);
        await next.release();
        await dead.release();
        // The store whose lock session died takes the lock again on a new connection.
        await mustLock(env.store).then((l) => l.release());
      } finally {
        await other.close();
      }
    });
  });
}
