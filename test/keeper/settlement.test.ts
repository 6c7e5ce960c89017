/**
 * Settlement against a local Hardhat chain with the real contracts, including the fault cases: a crash
 * (and a SIGKILL) mid-settlement, two keepers racing, an RPC that fails some calls, a stuck transaction,
 * and a chain clock far from the wall clock.
 */
import { spawn } from "node:child_process";

import { expect } from "chai";
import { custom, parseEventLogs, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { plauditPoolAbi } from "@plaudit/protocol";
import type { RunningKeeper } from "../../keeper/src/index.js";
import {
  createLocalChain,
  deployPool,
  TallySigner,
  USD,
  type LocalChain,
  type PoolFixture,
  type Reader,
} from "./chain-fixture.js";
import { postJson, spawnKeeperCli, startTestKeeper, tempDir } from "./keeper-fixture.js";
import { flakyProvider, serveRpc } from "./rpc-fakes.js";

const GRACE = 60n;
/** Small enough that a handful of readers need several transactions. */
const SMALL_BATCH_GAS = 200_000;

describe("keeper settlement", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  const cleanups: (() => Promise<void> | void)[] = [];

  before(async () => {
    chain = await createLocalChain();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await chain.rpc("evm_setAutomine", [true]);
  });
  after(async () => {
    await chain.close();
  });

  async function keeperFor(
    fixture: PoolFixture,
    options: Parameters<typeof startTestKeeper>[1] extends infer O ? Partial<O> : never = {},
  ) {
    const dir = tempDir();
    const { key } = await chain.fundedAccount();
    const keeper = await startTestKeeper(fixture, {
      dataDir: dir.path,
      privateKey: key,
      batchGasLimit: SMALL_BATCH_GAS,
      ...options,
    });
    cleanups.push(
      () => dir.remove(),
      () => keeper.stop(),
    );
    return { keeper, key, dir: dir.path, address: privateKeyToAccount(key).address };
  }

  /** A pool in epoch 0 with `n` readers (every third uses two session keys), and their tallies. */
  async function epochWithReaders(n: number) {
    const fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 5n);
    const readers: Reader[] = [];
    const tallies = [];
    for (let i = 0; i < n; i++) {
      const reader = await fixture.newReader(10n * USD, 2n);
      readers.push(reader);
      const self = new TallySigner(fixture, reader, 0n);
      tallies.push(await self.click(fixture.creators[i % 4] as Address, 1 + i));
      if (i % 3 === 0) {
        for (let k = 0; k < 2; k++) {
          const session = new TallySigner(fixture, reader, 0n, {
            sessionKey: privateKeyToAccount(generatePrivateKey()),
          });
          await session.delegate(fixture.epochStart(3n));
          await session.click(fixture.creators[(i + 1) % 4] as Address);
          tallies.push(await session.click(fixture.creators[(i + 2) % 4] as Address, 2));
        }
      }
    }
    return { fixture, readers, tallies };
  }

  async function ingest(keeper: RunningKeeper, tallies: readonly unknown[]) {
    for (const tally of tallies) {
      const res = await postJson(`${keeper.url}/v1/tallies`, { tally });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
  }

  async function afterGrace(fixture: PoolFixture) {
    await fixture.goToEpoch(1n, GRACE + 1n);
  }

  async function isSettled(fixture: PoolFixture, reader: Address) {
    return chain.publicClient.readContract({
      address: fixture.pool,
      abi: plauditPoolAbi,
      functionName: "isSettled",
      args: [reader, 0n],
    });
  }

  /** Every ReaderSettled / ReaderSkipped event of the pool for epoch 0, with the sender of its tx. */
  async function settlementEvents(fixture: PoolFixture) {
    const logs = await chain.publicClient.getLogs({ address: fixture.pool, fromBlock: 0n });
    const events = parseEventLogs({ abi: plauditPoolAbi, logs, eventName: ["ReaderSettled", "ReaderSkipped"] });
    return Promise.all(
      events.map(async (e) => ({
        name: e.eventName,
        reader: e.args.reader,
        reason: e.eventName === "ReaderSkipped" ? e.args.reason : undefined,
        from: (await chain.publicClient.getTransaction({ hash: e.transactionHash })).from.toLowerCase(),
      })),
    );
  }

  it("settles every reader in gas-bounded batches, splits budgets, and reports the epoch settled", async () => {
    const { fixture, readers, tallies } = await epochWithReaders(5);
    const { keeper } = await keeperFor(fixture);
    await ingest(keeper, tallies);
    // A reader that revokes its sessions after they were accepted: its session tallies are dropped.
    await fixture.revokeSessions(readers[0] as Reader);
    await afterGrace(fixture);
    const report = await keeper.settler!.settleEpoch(0n);
    expect(report).to.include({ state: "done", readers: 5, settled: 5, skipped: 0, dropped: 0 });
    expect(report.transactions).to.be.greaterThan(1);
    for (const r of readers) expect(await isSettled(fixture, r.address)).to.equal(true);
    const claimable = await Promise.all(
      fixture.creators.map((c) =>
        chain.publicClient.readContract({
          address: fixture.pool,
          abi: plauditPoolAbi,
          functionName: "claimableOf",
          args: [c],
        }),
      ),
    );
    const total = claimable.reduce((a, b) => a + b, 0n);
    expect(total).to.equal(5n * (10n * USD - (10n * USD * 50n) / 10_000n));
    const status = (await (await fetch(`${keeper.url}/v1/epochs/0`)).json()) as Record<string, unknown>;
    expect(status).to.include({ status: "settled", readers: 5, settledReaders: 5, skippedReaders: 0 });
    expect((status["transactions"] as { status: string }[]).every((t) => t.status === "confirmed")).to.equal(true);
    const metrics = await (await fetch(`${keeper.url}/metrics`)).text();
    expect(metrics).to.contain('plaudit_keeper_settlement_readers{epoch="0",state="settled"} 5');
  });

  it("drops readers the contract would reject instead of paying gas for them", async () => {
    const { fixture, readers, tallies } = await epochWithReaders(3);
    const { keeper } = await keeperFor(fixture);
    await ingest(keeper, tallies);
    // A reader whose only tally is session-signed revokes its sessions after the keeper accepted it.
    const revoking = await fixture.newReader(10n * USD, 2n);
    const session = new TallySigner(fixture, revoking, 0n, { sessionKey: privateKeyToAccount(generatePrivateKey()) });
    await session.delegate(fixture.epochStart(3n));
    await ingest(keeper, [await session.click(fixture.creators[0] as Address)]);
    await fixture.revokeSessions(revoking);
    // Reader 0 revokes too: its session tallies go, its own tally still settles it.
    await fixture.revokeSessions(readers[0] as Reader);
    await afterGrace(fixture);
    const report = await keeper.settler!.settleEpoch(0n);
    expect(report).to.include({ state: "done", readers: 4, settled: 3, skipped: 0, dropped: 1 });
    const outcome = (await keeper.store.outcomes(0n)).find((o) => o.reader === revoking.address);
    expect(outcome).to.deep.include({ outcome: "dropped", reason: "no valid tally", txHash: null });
    expect(await isSettled(fixture, revoking.address)).to.equal(false);
    const events = await settlementEvents(fixture);
    expect(events.filter((e) => e.name === "ReaderSkipped")).to.deep.equal([]);
    expect(events.filter((e) => e.name === "ReaderSettled")).to.have.length(3);
  });

  it("lets chain time rule: waits while the chain says the epoch is open, settles when the chain says it ended", async () => {
    const { fixture, readers, tallies } = await epochWithReaders(2);
    const { keeper } = await keeperFor(fixture, { settle: true, pollIntervalMs: 50, stuckAfterMs: 60_000 });
    await ingest(keeper, tallies);
    // The chain is still in epoch 0 (its end is a day ahead of the wall clock's epoch math anyway).
    await new Promise((r) => setTimeout(r, 300));
    expect(await isSettled(fixture, readers[0]!.address)).to.equal(false);
    // Within the grace period nothing happens either.
    await fixture.goToEpoch(1n, 1n);
    await new Promise((r) => setTimeout(r, 300));
    expect(await isSettled(fixture, readers[0]!.address)).to.equal(false);
    // Chain time jumps past end + grace while the wall clock barely moved: the loop settles.
    await afterGrace(fixture);
    const deadline = Date.now() + 20_000;
    while (!(await isSettled(fixture, readers[1]!.address)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    for (const r of readers) expect(await isSettled(fixture, r.address)).to.equal(true);
    expect(Number(fixture.epochStart(1n))).to.be.greaterThan(Date.now() / 1000);
  });

  it("resumes after a crash right after a broadcast without paying twice", async () => {
    const { fixture, readers, tallies } = await epochWithReaders(5);
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const { key } = await chain.fundedAccount();
    const common = { dataDir: dir.path, privateKey: key, batchGasLimit: SMALL_BATCH_GAS };
    const crashing = await startTestKeeper(fixture, {
      ...common,
      faults: {
        afterBroadcast: () => {
          throw new Error("simulated crash");
        },
      },
    });
    await ingest(crashing, tallies);
    await afterGrace(fixture);
    let crashed = false;
    await crashing.settler!.settleEpoch(0n).catch((e: Error) => (crashed = e.message === "simulated crash"));
    expect(crashed).to.equal(true);
    expect((await crashing.store.transactions(0n)).map((t) => t.status)).to.deep.equal(["pending"]);
    await crashing.stop();

    const restarted = await startTestKeeper(fixture, common);
    cleanups.push(() => restarted.stop());
    const report = await restarted.settler!.settleEpoch(0n);
    expect(report).to.include({ state: "done", settled: 5 });
    const txs = await restarted.store.transactions(0n);
    expect(txs.every((t) => t.status === "confirmed")).to.equal(true);
    const keeperAddress = privateKeyToAccount(key).address;
    expect(await chain.publicClient.getTransactionCount({ address: keeperAddress })).to.equal(txs.length);
    const events = await settlementEvents(fixture);
    expect(events.filter((e) => e.name === "ReaderSkipped")).to.deep.equal([]);
    expect(
      events
        .filter((e) => e.name === "ReaderSettled")
        .map((e) => e.reader)
        .sort(),
    ).to.deep.equal(readers.map((r) => r.address).sort());
  });

  it("resumes after the keeper process is killed (SIGKILL) mid-settlement", async () => {
    const { fixture, readers, tallies } = await epochWithReaders(6);
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const { key } = await chain.fundedAccount();
    const ingestor = await startTestKeeper(fixture, { dataDir: dir.path });
    await ingest(ingestor, tallies);
    await ingestor.stop();
    await afterGrace(fixture);
    // The first settle transaction reaches the chain; the keeper is killed before it hears back.
    let victim: ReturnType<typeof spawn> | undefined;
    const rpc = await serveRpc(chain.provider, (method) => {
      if (method === "eth_sendRawTransaction" && victim !== undefined) {
        victim.kill("SIGKILL");
        victim = undefined;
      }
    });
    cleanups.push(() => rpc.close());
    const env = {
      ...process.env,
      PLAUDIT_RPC_URL: rpc.url,
      PLAUDIT_POOL: fixture.pool,
      PLAUDIT_KEEPER_KEY: key,
      PLAUDIT_DATA_DIR: dir.path,
      PLAUDIT_BATCH_GAS: String(SMALL_BATCH_GAS),
      PLAUDIT_POLL_MS: "50",
      PLAUDIT_LOG_LEVEL: "info",
      NODE_NO_WARNINGS: "1",
    };
    const run = (kill = false) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => {
        const child = spawnKeeperCli(["settle", "--epoch", "0"], env);
        if (kill) victim = child;
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        child.on("exit", (code, signal) => resolve({ code, signal, out }));
      });
    const killed = await run(true);
    expect(killed.signal, killed.out).to.equal("SIGKILL");
    const settledBefore = (await Promise.all(readers.map((r) => isSettled(fixture, r.address)))).filter(Boolean).length;
    expect(settledBefore).to.be.within(1, readers.length - 1);
    const resumed = await run();
    expect(resumed.code, resumed.out).to.equal(0);
    expect(resumed.out).to.contain('"state": "done"');
    for (const r of readers) expect(await isSettled(fixture, r.address)).to.equal(true);
    const events = await settlementEvents(fixture);
    expect(events.filter((e) => e.name === "ReaderSkipped")).to.deep.equal([]);
  });

  it("two keepers racing settle each reader once and neither records a failure", async () => {
    const { fixture, readers, tallies } = await epochWithReaders(6);
    const a = await keeperFor(fixture);
    const b = await keeperFor(fixture);
    await ingest(a.keeper, tallies);
    await ingest(b.keeper, tallies);
    await afterGrace(fixture);
    const [ra, rb] = await Promise.all([a.keeper.settler!.settleEpoch(0n), b.keeper.settler!.settleEpoch(0n)]);
    for (const report of [ra, rb]) expect(report).to.include({ state: "done", settled: 6, skipped: 0, dropped: 0 });
    const events = await settlementEvents(fixture);
    const settled = events.filter((e) => e.name === "ReaderSettled");
    expect(settled.map((e) => e.reader).sort()).to.deep.equal(readers.map((r) => r.address).sort());
    // Any reader both included was skipped as AlreadySettled (reason 0), never as a fault.
    expect(events.filter((e) => e.name === "ReaderSkipped" && e.reason !== 0)).to.deep.equal([]);
  });

  it("retries an RPC that fails some calls (before and after they reach the chain)", async () => {
    const { fixture, readers, tallies } = await epochWithReaders(4);
    const flaky = flakyProvider(chain.provider, (method, n) => {
      if (method === "eth_sendRawTransaction") return n % 2 === 0 ? "after" : undefined;
      return n % 3 === 1 ? "before" : undefined;
    });
    const { keeper } = await keeperFor(fixture, { transport: custom(flaky.provider, { retryCount: 0 }) });
    await ingest(keeper, tallies);
    await afterGrace(fixture);
    const report = await keeper.settler!.settleEpoch(0n);
    expect(report).to.include({ state: "done", settled: 4 });
    expect(flaky.failures()).to.be.greaterThan(5);
    for (const r of readers) expect(await isSettled(fixture, r.address)).to.equal(true);
    expect((await settlementEvents(fixture)).filter((e) => e.name === "ReaderSkipped")).to.deep.equal([]);
  });

  it("replaces a stuck settle transaction with a higher fee", async () => {
    const { fixture, readers, tallies } = await epochWithReaders(2);
    const { keeper } = await keeperFor(fixture, { stuckAfterMs: 300, pollIntervalMs: 50, batchGasLimit: 12_000_000 });
    await ingest(keeper, tallies);
    await afterGrace(fixture);
    await chain.rpc("evm_setAutomine", [false]);
    const settling = keeper.settler!.settleEpoch(0n);
    const deadline = Date.now() + 20_000;
    while ((await keeper.store.transactions(0n)).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await chain.rpc("evm_setAutomine", [true]);
    await chain.rpc("evm_mine");
    const report = await settling;
    expect(report).to.include({ state: "done", settled: 2 });
    const txs = await keeper.store.transactions(0n);
    const confirmed = txs.filter((t) => t.status === "confirmed");
    const replaced = txs.filter((t) => t.status === "replaced");
    expect(confirmed).to.have.length(1);
    expect(replaced.length).to.be.at.least(1);
    expect(confirmed[0]!.nonce).to.equal(replaced[0]!.nonce);
    expect(confirmed[0]!.maxFeePerGas > replaced[0]!.maxFeePerGas).to.equal(true);
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: confirmed[0]!.hash as Hex });
    expect(receipt.status).to.equal("success");
    for (const r of readers) expect(await isSettled(fixture, r.address)).to.equal(true);
  });
});
