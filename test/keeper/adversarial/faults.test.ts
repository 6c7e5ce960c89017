/**
 * Fault injection: the database locked by another connection (SQLite) or failing (a PostgreSQL-style
 * driver losing its connections), the RPC endpoint dropping every connection for a while mid-settlement,
 * and the keeper process SIGKILLed at random points of settlement (several seeds). Ingest answers a
 * clean 503 and loses no accepted tally; settlement resumes and settles each reader exactly once, with
 * the on-chain split equal to protocol's splitBudget recomputed off chain.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

import { expect } from "chai";
import pg from "pg";
import { parseEventLogs, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createApiServer } from "../../../keeper/src/api/server.js";
import { classifyPostgresError } from "../../../keeper/src/store/errors.js";
import { openSqliteDriver } from "../../../keeper/src/store/sqlite.js";
import { migrate, SqlStore, type SqlDriver } from "../../../keeper/src/store/sql-store.js";
import {
  compareAddresses,
  mockStablecoinAbi,
  plauditPoolAbi,
  splitBudget,
  type SignedTallyInput,
} from "@plaudit/protocol";
import { createLocalChain, deployPool, USD, type LocalChain, type PoolFixture, type Reader } from "../chain-fixture.js";
import { spawnKeeperCli, startTestKeeper, tempDir } from "../keeper-fixture.js";
import { serveRpc } from "../rpc-fakes.js";
import { FastSigner, rawRequest, storedSeqs } from "./harness.js";

const GRACE = 60n;
const SMALL_BATCH_GAS = 400_000;
const BUDGET = 10n * USD;
const KILL_SEEDS = (process.env["KILL_SEEDS"] ?? "1,2,3").split(",").map(Number);

/** mulberry32: a small seeded PRNG, so that a failing seed can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("keeper under injected faults", function () {
  this.timeout(180_000);
  let chain: LocalChain;
  const cleanups: (() => Promise<void> | void)[] = [];

  before(async () => {
    chain = await createLocalChain();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(async () => {
    await chain.close();
  });

  async function tempKeeperDir() {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    return dir.path;
  }

  async function postTally(url: string, tally: SignedTallyInput) {
    const res = await rawRequest(url, {
      method: "POST",
      path: "/v1/tallies",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tally }),
    });
    return {
      status: res.status,
      headers: res.headers,
      body: JSON.parse(res.text) as { status?: string; error?: { code: string } },
    };
  }

  /**
   * One stored tally per client before any fault: a keeper's first requests (worker start-up, cold
   * code) can take seconds on a busy machine, which would let them straddle the fault window.
   */
  async function warmUp(url: string, signers: FastSigner[], fixture: PoolFixture) {
    for (const [i, signer] of signers.entries()) {
      const res = await postTally(url, signer.next(fixture.creators[i % fixture.creators.length] as Address));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
  }

  /**
   * Clients that post increasing tallies until `until()`, retrying a tally answered 503 (as the dApp's
   * outbox does). Returns the highest acknowledged seq per key and the 503 answers seen.
   */
  async function postWhile(url: string, signers: FastSigner[], fixture: PoolFixture, until: () => boolean) {
    const acked = new Map<string, bigint>();
    const unavailable: { retryAfter: unknown; code: string | undefined }[] = [];
    const problems: string[] = [];
    await Promise.all(
      signers.map(async (signer, i) => {
        while (!until()) {
          const tally = signer.next(fixture.creators[i % fixture.creators.length] as Address);
          for (;;) {
            const res = await postTally(url, tally);
            if (res.status === 201) {
              acked.set(signer.key, BigInt(tally.seq));
              break;
            }
            if (res.status === 503) {
              unavailable.push({ retryAfter: res.headers["retry-after"], code: res.body.error?.code });
              await sleep(20);
              continue;
            }
            // A 200 "unchanged" here would mean a 503 had stored the tally after all.
            problems.push(`${res.status} ${JSON.stringify(res.body)}`);
            break;
          }
        }
      }),
    );
    return { acked, unavailable, problems };
  }

  async function readersIn(fixture: PoolFixture, n: number): Promise<Reader[]> {
    const readers: Reader[] = [];
    for (let i = 0; i < n; i++) readers.push(await fixture.newReader(BUDGET, 2n));
    return readers;
  }

  it("answers 503 while another connection locks the SQLite database, then recovers with no accepted tally lost", async () => {
    const fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 5n);
    const dataDir = await tempKeeperDir();
    const keeper = await startTestKeeper(fixture, { dataDir, ipRate: 1e9, readerRate: 1e9, chainTimeTtlMs: 1000 });
    cleanups.push(() => keeper.stop());
    const signers = (await readersIn(fixture, 4)).map((r, i) => new FastSigner(fixture, r, 0n, { own: i % 2 === 0 }));

    const locker = new DatabaseSync(join(dataDir, "keeper.sqlite"));
    let phase: "before" | "locked" | "after" = "before";
    let unlockedAt = Infinity;
    await warmUp(keeper.url, signers, fixture);
    const clients = postWhile(keeper.url, signers, fixture, () => phase === "after" && Date.now() > unlockedAt + 700);
    await sleep(500);
    locker.exec("BEGIN EXCLUSIVE");
    phase = "locked";
    const storedBefore = storedSeqs(dataDir);
    await sleep(400);
    // Reads still work while writes are refused, and the keeper stays healthy.
    const reads = await rawRequest(keeper.url, {
      method: "GET",
      path: `/v1/readers/${signers[0]!.reader.address}/tallies?epoch=0`,
    });
    expect(reads.status).to.equal(200);
    expect((await rawRequest(keeper.url, { method: "GET", path: "/healthz" })).status).to.equal(200);
    await sleep(800);
    expect(storedSeqs(dataDir), "nothing was written while the database was locked").to.deep.equal(storedBefore);
    locker.exec("ROLLBACK");
    locker.close();
    unlockedAt = Date.now();
    phase = "after";
    const { acked, unavailable, problems } = await clients;

    expect(problems).to.deep.equal([]);
    expect(unavailable.length, "some posts met the lock").to.be.greaterThan(0);
    for (const u of unavailable) expect(u).to.deep.equal({ retryAfter: "1", code: "storage_unavailable" });
    const stored = storedSeqs(dataDir);
    for (const signer of signers) expect(stored.get(signer.key), signer.key).to.equal(acked.get(signer.key));
  });

  it("answers 503 while a PostgreSQL-style store loses its connections, then recovers with no accepted tally lost", async () => {
    const fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 5n);
    const dataDir = await tempKeeperDir();
    const keeper = await startTestKeeper(fixture, { dataDir, ipRate: 1e9, readerRate: 1e9, chainTimeTtlMs: 1000 });
    cleanups.push(() => keeper.stop());
    // The same SQL through a driver whose "pool" fails like pg does when the server goes away.
    const inner = openSqliteDriver(await tempKeeperDir());
    await migrate(inner);
    let down = false;
    const lost = () => classifyPostgresError(Object.assign(new Error("Connection terminated unexpectedly"), {}));
    const failing: SqlDriver = {
      ...inner,
      kind: "postgres",
      query: (sql, params) => (down ? Promise.reject(lost()) : inner.query(sql, params)),
      run: (sql, params) => (down ? Promise.reject(lost()) : inner.run(sql, params)),
      groupedWrite: (fn) => (down ? Promise.reject(lost()) : inner.groupedWrite(fn)),
    };
    const store = new SqlStore(failing);
    const server = createApiServer(
      { chain: keeper.chain, store, admission: keeper.admission, metrics: keeper.metrics, log: keeper.log },
      { corsOrigins: [], maxBodyBytes: 65_536, ipRate: 1e9, readerRate: 1e9 },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await inner.close();
    });
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const signers = (await readersIn(fixture, 3)).map((r) => new FastSigner(fixture, r, 0n));
    await warmUp(url, signers, fixture);
    let stopAt = Infinity;
    const clients = postWhile(url, signers, fixture, () => Date.now() > stopAt);
    await sleep(400);
    down = true;
    await sleep(700);
    down = false;
    stopAt = Date.now() + 500;
    const { acked, unavailable, problems } = await clients;

    expect(problems).to.deep.equal([]);
    expect(unavailable.length).to.be.greaterThan(0);
    for (const u of unavailable) expect(u).to.deep.equal({ retryAfter: "1", code: "storage_unavailable" });
    for (const signer of signers) {
      const rows = await store.readerTallies(signer.reader.address, 0n);
      expect(rows.map((t) => BigInt(t.seq))).to.deep.equal([acked.get(signer.key)]);
    }
  });

  const pgUrl = process.env["PLAUDIT_TEST_PG_URL"];
  (pgUrl === undefined || pgUrl === "" ? it.skip : it)(
    "answers 503 when PostgreSQL terminates the keeper's connections, then recovers with no accepted tally lost (PLAUDIT_TEST_PG_URL)",
    async () => {
      const database = `plaudit_fault_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      cleanups.push(async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await admin.end();
      });
      const url = new URL(pgUrl as string);
      url.pathname = `/${database}`;
      const fixture = await deployPool(chain);
      await fixture.goToEpoch(0n, 5n);
      const keeper = await startTestKeeper(fixture, {
        dataDir: await tempKeeperDir(),
        databaseUrl: url.toString(),
        ipRate: 1e9,
        readerRate: 1e9,
        chainTimeTtlMs: 1000,
      });
      cleanups.push(() => keeper.stop());
      const signers = (await readersIn(fixture, 4)).map((r) => new FastSigner(fixture, r, 0n));
      await warmUp(keeper.url, signers, fixture);
      let stopAt = Infinity;
      const clients = postWhile(keeper.url, signers, fixture, () => Date.now() > stopAt);
      // The server kills every backend of the keeper's database, again and again, for a while.
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [database],
        );
        await sleep(30);
      }
      stopAt = Date.now() + 700;
      const { acked, unavailable, problems } = await clients;

      expect(problems).to.deep.equal([]);
      expect(unavailable.length, "some posts lost their connection").to.be.greaterThan(0);
      for (const u of unavailable) expect(u).to.deep.equal({ retryAfter: "1", code: "storage_unavailable" });
      for (const signer of signers) {
        const rows = await keeper.store.readerTallies(signer.reader.address, 0n);
        expect(
          rows.map((t) => BigInt(t.seq)),
          signer.key,
        ).to.deep.equal([acked.get(signer.key)]);
      }
    },
  );

  it("answers 503 chain_unavailable with Retry-After while the RPC is down, names the chain in /healthz, and recovers", async () => {
    const fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 5n);
    const [reader] = await readersIn(fixture, 1);
    const dataDir = await tempKeeperDir();
    let rpc = await serveRpc(chain.provider);
    cleanups.push(() => rpc.close());
    const keeper = await startTestKeeper(fixture, {
      transport: undefined,
      rpcUrl: rpc.url,
      dataDir,
      ipRate: 1e9,
      readerRate: 1e9,
    } as Parameters<typeof startTestKeeper>[1]);
    cleanups.push(() => keeper.stop());
    const signer = new FastSigner(fixture, reader as Reader, 0n);
    const tally = signer.next(fixture.creators[0] as Address);
    const get = async (path: string) => {
      const res = await rawRequest(keeper.url, { method: "GET", path });
      return {
        status: res.status,
        retryAfter: res.headers["retry-after"],
        body: JSON.parse(res.text) as Record<string, unknown>,
      };
    };
    expect((await get("/healthz")).status).to.equal(200);

    const port = rpc.port;
    await rpc.close();
    const health = await get("/healthz");
    expect(health.status).to.equal(503);
    expect(health.retryAfter).to.match(/^[1-9][0-9]*$/);
    expect(health.body).to.deep.include({ status: "unavailable", chainTime: null, storage: "sqlite" });
    expect(health.body["dependencies"]).to.deep.equal({ chain: "unavailable", storage: "ok" });
    expect((health.body["error"] as { code: string }).code).to.equal("chain_unavailable");
    for (const path of ["/v1/epochs/current", "/v1/epochs/0"]) {
      const res = await get(path);
      expect(res.status, path).to.equal(503);
      expect(res.retryAfter, path).to.match(/^[1-9][0-9]*$/);
      expect((res.body["error"] as { code: string }).code, path).to.equal("chain_unavailable");
    }
    const refused = await postTally(keeper.url, tally);
    expect(refused.status).to.equal(503);
    expect(refused.headers["retry-after"]).to.match(/^[1-9][0-9]*$/);
    expect(refused.body.error?.code).to.equal("chain_unavailable");
    expect(storedSeqs(dataDir).size, "nothing stored while the chain was down").to.equal(0);
    const metrics = await (await fetch(`${keeper.url}/metrics`)).text();
    expect(metrics).to.not.match(/status="500"/);
    expect(metrics).to.match(/plaudit_keeper_tallies_total\{result="chain_unavailable"\} 1/);

    rpc = await serveRpc(chain.provider, () => undefined, port);
    // Back once the Retry-After has passed: poll /healthz as a client would.
    const deadline = Date.now() + 20_000;
    while ((await get("/healthz")).status !== 200 && Date.now() < deadline) await sleep(200);
    expect((await get("/healthz")).body["dependencies"]).to.deep.equal({ chain: "ok", storage: "ok" });
    const stored = await postTally(keeper.url, tally);
    expect(stored.status, JSON.stringify(stored.body)).to.equal(201);
  });

  /** A pool in epoch 0 whose readers' tallies are stored in `dataDir`; returns what the split must be. */
  async function storedEpoch(readerCount: number, dataDir: string) {
    const fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 5n);
    const readers = await readersIn(fixture, readerCount);
    const ingest = await startTestKeeper(fixture, { dataDir, ipRate: 1e9, readerRate: 1e9 });
    const finals = new Map<Address, { signer: Address; creators: readonly Address[]; counts: readonly number[] }[]>();
    for (const [i, reader] of readers.entries()) {
      const keys = [new FastSigner(fixture, reader, 0n, { own: true })];
      if (i % 3 === 0) keys.push(new FastSigner(fixture, reader, 0n), new FastSigner(fixture, reader, 0n));
      const last: SignedTallyInput[] = [];
      for (const [k, key] of keys.entries()) {
        let tally: SignedTallyInput | undefined;
        for (let c = 0; c <= (i + k) % 3; c++)
          tally = key.next(fixture.creators[(i + k + c) % fixture.creators.length] as Address);
        const res = await postTally(ingest.url, tally as SignedTallyInput);
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        last.push(tally as SignedTallyInput);
      }
      finals.set(
        reader.address,
        last
          .map((t) => ({ signer: t.signer as Address, creators: t.creators as Address[], counts: t.counts }))
          .sort((a, b) => compareAddresses(a.signer, b.signer)),
      );
    }
    await ingest.stop();
    await fixture.goToEpoch(1n, GRACE + 1n);
    return { fixture, readers, finals };
  }

  /** Each reader settled exactly once, and every amount equal to splitBudget recomputed off chain. */
  async function expectExactSplit(
    fixture: PoolFixture,
    finals: Map<Address, { creators: readonly Address[]; counts: readonly number[] }[]>,
    keeper: Address,
  ) {
    const logs = await chain.publicClient.getLogs({ address: fixture.pool, fromBlock: 0n });
    const events = parseEventLogs({ abi: plauditPoolAbi, logs, eventName: ["ReaderSettled", "ReaderSkipped"] });
    const settled = events.filter((e) => e.eventName === "ReaderSettled");
    expect(settled.map((e) => e.args.reader).sort()).to.deep.equal([...finals.keys()].sort());
    const skippedForAFault = events.filter((e) => e.eventName === "ReaderSkipped" && e.args.reason !== 0);
    expect(skippedForAFault).to.deep.equal([]);
    const expected = new Map<Address, bigint>(fixture.creators.map((c) => [c, 0n]));
    let tips = 0n;
    for (const event of settled) {
      if (event.eventName !== "ReaderSettled") continue;
      const split = splitBudget(BUDGET, 50, finals.get(event.args.reader) ?? []);
      expect(event.args.budget).to.equal(BUDGET);
      expect(event.args.tip).to.equal(split.tip);
      tips += split.tip;
      for (const [creator, share] of split.shares) expected.set(creator, (expected.get(creator) ?? 0n) + share);
    }
    for (const [creator, amount] of expected) {
      const claimable = await chain.publicClient.readContract({
        address: fixture.pool,
        abi: plauditPoolAbi,
        functionName: "claimableOf",
        args: [creator],
      });
      expect(claimable, creator).to.equal(amount);
    }
    const keeperBalance = await chain.publicClient.readContract({
      address: fixture.token,
      abi: mockStablecoinAbi,
      functionName: "balanceOf",
      args: [keeper],
    });
    expect(keeperBalance).to.equal(tips);
  }

  it("resumes settlement after the RPC endpoint drops every connection for a while and comes back on the same port", async () => {
    const dataDir = await tempKeeperDir();
    const { fixture, finals } = await storedEpoch(6, dataDir);
    let outage: Promise<void> | undefined;
    let rpc = await serveRpc(chain.provider, (method) => {
      // The first settle transaction reaches the chain; its answer is lost with the endpoint.
      if (method === "eth_sendRawTransaction" && outage === undefined) {
        outage = (async () => {
          const port = rpc.port;
          await rpc.close();
          await sleep(1500);
          rpc = await serveRpc(chain.provider, () => undefined, port);
        })();
      }
    });
    cleanups.push(async () => {
      await outage;
      await rpc.close();
    });
    const { key } = await chain.fundedAccount();
    const keeper = await startTestKeeper(fixture, {
      transport: undefined,
      rpcUrl: rpc.url,
      dataDir,
      privateKey: key,
      batchGasLimit: SMALL_BATCH_GAS,
      settle: true,
      pollIntervalMs: 50,
    } as Parameters<typeof startTestKeeper>[1]);
    cleanups.push(() => keeper.stop());
    const deadline = Date.now() + 60_000;
    const decided = async () => (await keeper.store.outcomes(0n)).filter((o) => o.outcome === "settled").length;
    while ((await decided()) < finals.size && Date.now() < deadline) await sleep(100);
    expect(outage, "the endpoint went down mid-settlement").to.not.equal(undefined);
    expect(await decided()).to.equal(finals.size);
    expect(
      (await keeper.store.transactions(0n)).every((t) => t.status === "confirmed" || t.status === "replaced"),
    ).to.equal(true);
    await expectExactSplit(fixture, finals, privateKeyToAccount(key).address);
  });

  for (const seed of KILL_SEEDS) {
    it(`settles each reader exactly once when the keeper is SIGKILLed at random points (seed ${seed})`, async () => {
      const random = prng(seed);
      const dataDir = await tempKeeperDir();
      const { fixture, finals } = await storedEpoch(6, dataDir);
      let victim: ReturnType<typeof spawn> | undefined;
      let calls = 0;
      let killAt = Infinity;
      const rpc = await serveRpc(chain.provider, () => {
        // SIGKILL after the call reached the chain and before the keeper hears the answer.
        if (victim !== undefined && ++calls === killAt) {
          victim.kill("SIGKILL");
          victim = undefined;
        }
      });
      cleanups.push(() => rpc.close());
      const { key } = await chain.fundedAccount();
      const env = {
        ...process.env,
        PLAUDIT_RPC_URL: rpc.url,
        PLAUDIT_POOL: fixture.pool,
        PLAUDIT_KEEPER_KEY: key,
        PLAUDIT_DATA_DIR: dataDir,
        PLAUDIT_BATCH_GAS: String(SMALL_BATCH_GAS),
        PLAUDIT_POLL_MS: "50",
        PLAUDIT_LOG_LEVEL: "warn",
        NODE_NO_WARNINGS: "1",
      };
      const run = (kill: boolean) =>
        new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => {
          const child = spawnKeeperCli(["settle", "--epoch", "0"], env);
          calls = 0;
          // Past the start-up reads (chain id, code, pool parameters: 7 calls), anywhere in settlement (a
          // whole run of this epoch makes about 30 calls: facts, estimates, sends, receipts).
          killAt = kill ? 8 + Math.floor(random() * 22) : Infinity;
          victim = kill ? child : undefined;
          let out = "";
          child.stdout.on("data", (d: Buffer) => (out += d.toString()));
          child.stderr.on("data", (d: Buffer) => (out += d.toString()));
          child.on("exit", (code, signal) => resolve({ code, signal, out }));
        });
      const kills: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const killed = await run(true);
        if (killed.signal === "SIGKILL") kills.push(killAt);
        // Settlement finished before the kill point: a clean exit.
        else expect(killed.code, `${killed.out} (kill point ${killAt})`).to.equal(0);
      }
      const finished = await run(false);
      expect(finished.code, finished.out).to.equal(0);
      expect(finished.out).to.contain('"state": "done"');
      expect(kills.length, "at least one run was killed").to.be.greaterThan(0);
      console.log(`      killed at RPC calls ${kills.join(", ")} of a run`);
      await expectExactSplit(fixture, finals, privateKeyToAccount(key).address);
    });
  }
});
