/**
 * The indexer (Ponder, indexer/) against a Hardhat node behind the limits proxy with a 10-block log
 * range: every pool event kind, read back through the HTTP API with protocol's typed client; a reorg
 * made with evm_snapshot/evm_revert; a restart that resumes from its checkpoint; the same answers from
 * PostgreSQL as from the embedded PGlite; and never a log query over the proxy's limit.
 */
import { join } from "node:path";

import { expect } from "chai";
import pg from "pg";
import { createPublicClient, http, type Address } from "viem";

import { createIndexerClient, plauditPoolAbi, type IndexerClient } from "@plaudit/protocol";
import { startIndexer, type RunningIndexer } from "../../indexer/launch.js";
import { jsonRpc } from "../../scripts/local/hardhat-node.js";
import { freePort } from "../../scripts/local/ports.js";
import { LOG_RANGE, USD, eventually, people, startIndexerWorld, type IndexerWorld } from "./fixture.js";

const SCHEMA = "plaudit";
/** Blocks Ponder keeps unfinalized on a chain it knows no finality for (its default). */
const UNFINALIZED_BLOCKS = 30;
/** Empty blocks after the first events, so the first sync reads history in bounded ranges. */
const HISTORY_BLOCKS = 100;

describe("indexer", function () {
  this.timeout(600_000);
  let world: IndexerWorld;
  let indexer: RunningIndexer;
  let client: IndexerClient;
  let pgliteDir: string;
  /** The chain head when the first indexer started: the history it had to read. */
  let historyEnd: bigint;
  let widestLogRange = 0;

  const alice = people.alice.address;
  const bob = people.bob.address;
  const carol = people.carol.address;
  const creatorA = people.creatorA.address;
  const creatorB = people.creatorB.address;

  async function launch(databaseUrl?: string): Promise<RunningIndexer> {
    const running = startIndexer({
      deploymentFile: world.deploymentFile,
      rpcUrls: [world.proxy.urlFor("indexer")],
      logRange: LOG_RANGE,
      pollingMs: 250,
      port: await freePort(),
      databaseSchema: SCHEMA,
      ...(databaseUrl === undefined ? { pgliteDir } : { databaseUrl }),
    });
    try {
      await running.ready();
    } catch (error) {
      await running.stop();
      throw error;
    }
    return running;
  }
  const claimable = (creator: Address) =>
    createPublicClient({ transport: http(world.node.rpcUrl) }).readContract({
      address: world.deployment.pool,
      abi: plauditPoolAbi,
      functionName: "claimableOf",
      args: [creator],
    });

  let creditedA: bigint;
  let creditedB: bigint;

  before(async () => {
    world = await startIndexerWorld();
    pgliteDir = join(world.dir, "pglite");
    // Funding: alice 10 mUSD for epochs 0-2, bob 5 for epochs 0-1, carol 2 for epochs 1-2, then cancelled.
    await world.subscribe(people.alice.account, 10n * USD, 3n, 0n);
    await world.subscribe(people.bob.account, 5n * USD, 2n, 0n);
    await world.subscribe(people.carol.account, 2n * USD, 2n, 1n);
    await world.cancel(people.carol.account, 1n);
    // A tip in epoch 0 to an address no settlement pays (so the creators' credits stay the settlement's).
    await world.tip(people.carol.account, people.recipient.address, 1n * USD);
    // Epoch 0 settles in one batch: alice, bob with a signature that is not his (skipped), alice again (skipped).
    await world.travelToEpoch(1n);
    const aliceTally = await world.selfSigned(people.alice.account, 0n, [
      [creatorA, 3],
      [creatorB, 1],
    ]);
    const forged = await world.selfSigned(people.carol.account, 0n, [[creatorA, 1]]);
    const bobForged = { reader: bob, tallies: forged.tallies.map((t) => ({ ...t, signer: bob })) };
    await world.settle(0n, [aliceTally, bobForged, aliceTally]);
    creditedA = await claimable(creatorA);
    creditedB = await claimable(creatorB);
    await world.revokeSessions(people.alice.account);
    await world.claimTo(people.creatorA.account, creatorA);
    await world.claimTo(people.creatorB.account, people.recipient.address);
    // Two tips in epoch 1.
    await world.tip(people.alice.account, people.recipient.address, 2n * USD);
    await world.tip(people.carol.account, people.recipient.address, 3n * USD);
    await world.mine(HISTORY_BLOCKS);
    historyEnd = await world.head();

    indexer = await launch();
    client = createIndexerClient(indexer.url);
  });

  after(async () => {
    await indexer?.stop();
    await world?.close();
  });

  describe("history read in bounded ranges", () => {
    it("gives a reader's months with what the settlement paid each creator, as the pool credited it", async () => {
      const history = await client.readerHistory(alice);
      expect(history.months.map((m) => [m.epoch, m.state, m.funded])).to.deep.equal([
        [0n, "Settled", 10n * USD],
        [1n, "Open", 10n * USD],
        [2n, "Open", 10n * USD],
      ]);
      const settlement = history.months[0]?.settlement;
      expect(settlement?.tip).to.equal((10n * USD * 50n) / 10_000n);
      expect(settlement?.clicks).to.equal(4n);
      // Alice is the only reader settled, so her payments are what the pool credited each creator.
      expect(settlement?.payments).to.deep.equal([
        { creator: creatorA, amount: creditedA },
        { creator: creatorB, amount: creditedB },
      ]);
      expect(creditedA + creditedB + (settlement?.tip ?? 0n)).to.equal(10n * USD);
      expect(history.months[0]?.skips.map((s) => s.reason)).to.deep.equal(["AlreadySettled"]);
      expect(history.subscriptions.map((s) => [s.firstEpoch, s.epochs, s.amountPerEpoch, s.total])).to.deep.equal([
        [0n, 3n, 10n * USD, 30n * USD],
      ]);
      expect(history.sessionRevocations.map((r) => r.nonce)).to.deep.equal([1]);
    });

    it("records a skipped reader and a cancelled budget", async () => {
      const bobs = await client.readerHistory(bob);
      expect(bobs.months[0]?.state).to.equal("Open");
      expect(bobs.months[0]?.skips.map((s) => s.reason)).to.deep.equal(["BadSignature"]);
      const carols = await client.readerHistory(carol);
      expect(carols.months.map((m) => [m.epoch, m.state, m.funded, m.budget])).to.deep.equal([
        [1n, "Cancelled", 2n * USD, 0n],
        [2n, "Cancelled", 2n * USD, 0n],
      ]);
      expect(carols.cancellations.map((c) => [c.fromEpoch, c.untilEpoch, c.refund])).to.deep.equal([
        [1n, 3n, 4n * USD],
      ]);
    });

    it("gives a creator's earnings per epoch and claims", async () => {
      const a = await client.creatorEarnings(creatorA);
      expect(a.earned).to.equal(creditedA);
      expect(a.claimed).to.equal(creditedA);
      expect(a.months).to.deep.equal([{ epoch: 0n, amount: creditedA, readers: 1 }]);
      expect(a.claims.map((c) => [c.recipient, c.amount])).to.deep.equal([[creatorA, creditedA]]);
      const b = await client.creatorEarnings(creatorB);
      expect(b.claims.map((c) => [c.recipient, c.amount])).to.deep.equal([[people.recipient.address, creditedB]]);
    });

    it("gives a creator's tips per epoch of their blocks and newest first, and counts them as earned", async () => {
      const recipient = people.recipient.address;
      const received = await client.creatorTips(recipient);
      expect(received.total).to.equal(6n * USD);
      expect(received.months).to.deep.equal([
        { epoch: 0n, amount: 1n * USD, count: 1 },
        { epoch: 1n, amount: 5n * USD, count: 2 },
      ]);
      expect(received.tips.map((t) => [t.reader, t.creator, t.amount, t.epoch])).to.deep.equal([
        [carol, recipient, 3n * USD, 1n],
        [alice, recipient, 2n * USD, 1n],
        [carol, recipient, 1n * USD, 0n],
      ]);
      expect(received.truncated).to.equal(false);
      // What the pool holds for the recipient is its tips: earned counts them, beside no settlement credit.
      const earnings = await client.creatorEarnings(recipient);
      expect([earnings.earned, earnings.months]).to.deep.equal([6n * USD, []]);
      expect(await claimable(recipient)).to.equal(6n * USD);
    });

    it("gives a reader's tips sent per epoch, apart from its budgets", async () => {
      const sent = await client.readerTips(carol);
      expect(sent.total).to.equal(4n * USD);
      expect(sent.months).to.deep.equal([
        { epoch: 0n, amount: 1n * USD, count: 1 },
        { epoch: 1n, amount: 3n * USD, count: 1 },
      ]);
      expect((await client.readerTips(bob)).tips).to.deep.equal([]);
      // Alice's budgets are what she subscribed, the tip aside (the first test reads them in full).
      expect((await client.readerHistory(alice)).months.map((m) => m.funded)).to.deep.equal([
        10n * USD,
        10n * USD,
        10n * USD,
      ]);
    });

    it("gives each epoch's settlement progress and totals", async () => {
      const progress = await client.epochProgress(0n);
      expect(progress).to.deep.include({
        fundedReaders: 2,
        funded: 15n * USD,
        settledReaders: 1,
        settled: 10n * USD,
        tips: (10n * USD * 50n) / 10_000n,
        clicks: 4n,
        skips: 2,
        credited: creditedA + creditedB,
        creators: 2,
        batches: 1,
      });
      expect(progress.end - progress.start).to.equal(BigInt(world.deployment.epochLength));
      expect(progress.settlementBatches.map((b) => [b.keeper, b.settled, b.skipped])).to.deep.equal([
        [people.keeper.address, 1n, 2n],
      ]);
      const epochs = await client.epochs();
      expect(epochs.map((e) => [e.epoch, e.fundedReaders, e.funded])).to.deep.equal([
        [0n, 2, 15n * USD],
        [1n, 2, 15n * USD],
        [2n, 1, 10n * USD],
      ]);
    });

    it("says when each address was last named by an event", async () => {
      const block = await client.lastActivity(people.recipient.address);
      expect(block).to.be.a("bigint");
      expect(await client.lastActivity(people.deployer.address)).to.equal(null);
      expect((await client.indexedBlock())?.number).to.be.at.least(historyEnd - 30n);
    });

    it("asked the proxy for no log range over its limit", () => {
      const { logs, rejected } = world.proxy.stats();
      widestLogRange = Math.max(widestLogRange, logs.maxRange);
      expect(logs.queries).to.be.greaterThan(HISTORY_BLOCKS / LOG_RANGE);
      expect(logs.maxRange).to.be.at.most(LOG_RANGE);
      expect(rejected.logRange).to.equal(0);
    });
  });

  describe("live indexing", () => {
    it("marks an expired budget returned when its reader withdraws", async () => {
      await world.travelToEpoch(2n);
      await world.withdraw(people.bob.account);
      const month = await eventually("bob's epoch 0 returned", async () => {
        const months = (await client.readerHistory(bob)).months;
        return months[0]?.state === "Returned" ? months[0] : undefined;
      });
      expect(month.returned?.transaction).to.match(/^0x[0-9a-f]{64}$/);
      expect(await client.epochProgress(0n)).to.deep.include({ returnedReaders: 1, returned: 5n * USD });
    });

    it("forgets events of blocks a reorg removed", async () => {
      const snapshot = await jsonRpc<string>(world.node.rpcUrl, "evm_snapshot");
      await world.subscribe(people.alice.account, 1n * USD, 1n, 4n);
      await eventually("the subscription indexed", async () =>
        (await client.readerHistory(alice)).subscriptions.length === 2 ? true : undefined,
      );
      expect(await jsonRpc<boolean>(world.node.rpcUrl, "evm_revert", [snapshot])).to.equal(true);
      await world.mine(5);
      const history = await eventually("the reorged subscription gone", async () => {
        const h = await client.readerHistory(alice);
        return h.subscriptions.length === 1 ? h : undefined;
      });
      expect(history.months.map((m) => m.epoch)).to.deep.equal([0n, 1n, 2n]);
      expect((await client.epochs()).map((e) => e.epoch)).to.not.include(4n);
    });
  });

  describe("restart", () => {
    it("resumes from its checkpoint instead of reading the history again", async () => {
      const firstRun = world.proxy.stats().logs;
      widestLogRange = Math.max(widestLogRange, firstRun.maxRange);
      const headAtStop = await world.head();
      await indexer.stop();
      world.proxy.reset();
      await world.subscribe(people.carol.account, 3n * USD, 1n, 3n);
      await world.mine(40);
      indexer = await launch();
      client = createIndexerClient(indexer.url);
      const months = await eventually("carol's new month", async () => {
        const m = (await client.readerHistory(carol)).months;
        return m.length === 3 ? m : undefined;
      });
      expect(months[2]).to.deep.include({ epoch: 3n, state: "Open", budget: 3n * USD });
      // Everything indexed before the restart is still there.
      expect((await client.creatorEarnings(creatorA)).earned).to.equal(creditedA);
      const { logs } = world.proxy.stats();
      widestLogRange = Math.max(widestLogRange, logs.maxRange);
      // It re-reads at most its unfinalized window (Ponder's 30 blocks for this chain), not the history.
      const from = BigInt(logs.minFromBlock ?? Number.MAX_SAFE_INTEGER);
      expect(Number(from)).to.be.at.least(Number(headAtStop) - 2 * UNFINALIZED_BLOCKS);
      expect(Number(from)).to.be.greaterThan(world.deployment.deployBlock + HISTORY_BLOCKS / 2);
      expect(logs.queries).to.be.lessThan(firstRun.queries / 2);
      expect(widestLogRange).to.be.at.most(LOG_RANGE);
    });
  });

  describe("PostgreSQL", () => {
    const adminUrl = process.env.PLAUDIT_TEST_PG_URL;
    const database = `plaudit_indexer_test_${process.pid}`;

    it("gives the same answers as the embedded database", async function () {
      if (adminUrl === undefined) {
        console.log("    (skipped: set PLAUDIT_TEST_PG_URL to run the indexer on PostgreSQL)");
        this.skip();
      }
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.query(`CREATE DATABASE ${database}`);
      const url = new URL(adminUrl);
      url.pathname = `/${database}`;
      let onPostgres: RunningIndexer | undefined;
      try {
        onPostgres = await launch(url.toString());
        const pgClient = createIndexerClient(onPostgres.url);
        const head = (await client.indexedBlock())?.number ?? 0n;
        await eventually("PostgreSQL caught up", async () =>
          ((await pgClient.indexedBlock())?.number ?? 0n) >= head ? true : undefined,
        );
        for (const reader of [alice, bob, carol]) {
          expect(await pgClient.readerHistory(reader)).to.deep.equal(await client.readerHistory(reader));
        }
        for (const creator of [creatorA, creatorB]) {
          expect(await pgClient.creatorEarnings(creator)).to.deep.equal(await client.creatorEarnings(creator));
        }
        expect(await pgClient.creatorTips(people.recipient.address)).to.deep.equal(
          await client.creatorTips(people.recipient.address),
        );
        expect(await pgClient.readerTips(carol)).to.deep.equal(await client.readerTips(carol));
        expect(await pgClient.epochs()).to.deep.equal(await client.epochs());
      } finally {
        await onPostgres?.stop();
        await admin.query(`DROP DATABASE IF EXISTS ${database}`);
        await admin.end();
      }
    });
  });
});
