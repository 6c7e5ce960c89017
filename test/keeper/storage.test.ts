/**
 * One storage suite, run on SQLite (always) and on PostgreSQL (a real server: PLAUDIT_TEST_PG_URL,
 * which .ci/run sets; skipped with a visible message only when it is not configured).
 */
import { expect } from "chai";
import pg from "pg";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { signedTallySchema, toWireTally, type SignedTally } from "@plaudit/protocol";
import { openStore } from "../../keeper/src/store/index.js";
import { MIGRATIONS } from "../../keeper/src/store/migrations.js";
import type { Store, TxRecord } from "../../keeper/src/store/types.js";
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

function storageSuite(
  name: string,
  open: () => Promise<{ store: Store; reopen(): Promise<Store>; cleanup(): Promise<void> }>,
) {
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
      await store.saveOutcomes(9n, [
        { reader: settled, outcome: "settled", reason: "", txHash: `0x${"ab".repeat(32)}` },
        { reader: dropped, outcome: "dropped", reason: "no budget", txHash: null },
      ]);
      expect(await store.epochStats(9n)).to.deep.equal({ readers: 3, clicks: 18, settledClicks: 7, droppedClicks: 5 });
      // Epoch 9 still has a reader without an outcome; epoch 10 has none decided.
      expect(await store.lastSettledEpoch()).to.equal(undefined);
      await store.saveOutcomes(9n, [{ reader: pending, outcome: "skipped", reason: "BadSignature", txHash: null }]);
      expect(await store.lastSettledEpoch()).to.equal(9n);
      await store.saveOutcomes(10n, [{ reader: settled, outcome: "settled", reason: "", txHash: null }]);
      // Compared as numbers, not as the text "10" < "9".
      expect(await store.lastSettledEpoch()).to.equal(10n);
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

    it("records transactions and outcomes; a settled outcome is final", async () => {
      const [r1, r2] = [address(), address()];
      const tx: TxRecord = {
        hash: `0x${"ab".repeat(32)}` as Hex,
        epoch: 5n,
        nonce: 3,
        readers: [r1, r2],
        status: "pending",
        data: "0x1234",
        gas: 500_000n,
        maxFeePerGas: 2n * 10n ** 9n,
        maxPriorityFeePerGas: 10n ** 9n,
        createdAt: Date.now(),
      };
      await store.saveTransaction(tx);
      await store.saveTransaction(tx);
      await store.setTransactionStatus(tx.hash, "confirmed");
      expect(await store.transactions(5n)).to.deep.equal([{ ...tx, status: "confirmed" }]);
      await store.saveOutcomes(5n, [
        { reader: r1, outcome: "settled", reason: "settled", txHash: tx.hash },
        { reader: r2, outcome: "dropped", reason: "no budget", txHash: null },
      ]);
      await store.saveOutcomes(5n, [
        { reader: r1, outcome: "skipped", reason: "BadSignature", txHash: null },
        { reader: r2, outcome: "settled", reason: "settled_elsewhere", txHash: null },
      ]);
      const outcomes = await store.outcomes(5n);
      expect(outcomes.find((o) => o.reader === r1)).to.deep.include({ outcome: "settled", txHash: tx.hash });
      expect(outcomes.find((o) => o.reader === r2)).to.deep.include({
        outcome: "settled",
        reason: "settled_elsewhere",
      });
    });

    it("grants the settlement lease to one holder at a time until it expires", async () => {
      expect(await store.acquireLease("settlement", "a", 60_000)).to.equal(true);
      expect(await store.acquireLease("settlement", "b", 60_000)).to.equal(false);
      expect(await store.acquireLease("settlement", "a", 60_000)).to.equal(true);
      await store.releaseLease("settlement", "a");
      expect(await store.acquireLease("settlement", "b", 1)).to.equal(true);
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.acquireLease("settlement", "a", 60_000)).to.equal(true);
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

storageSuite("sqlite", async () => {
  const dir = tempDir();
  return {
    store: await openStore({ dataDir: dir.path }),
    reopen: () => openStore({ dataDir: dir.path }),
    cleanup: async () => dir.remove(),
  };
});

const pgUrl = process.env["PLAUDIT_TEST_PG_URL"];
if (pgUrl === undefined || pgUrl === "") {
  describe("keeper storage (postgres)", () => {
    it("SKIPPED: set PLAUDIT_TEST_PG_URL to a PostgreSQL server (.ci/run does) to run the storage suite on PostgreSQL");
  });
  console.warn("keeper storage: PLAUDIT_TEST_PG_URL is not set; the PostgreSQL run of the storage suite is SKIPPED");
} else {
  storageSuite("postgres", async () => {
    const database = `plaudit_test_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = new URL(pgUrl);
    url.pathname = `/${database}`;
    const databaseUrl = url.toString();
    return {
      store: await openStore({ databaseUrl, dataDir: "unused" }),
      reopen: () => openStore({ databaseUrl, dataDir: "unused" }),
      cleanup: async () => {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await client.end();
      },
    };
  });
}
