/**
 * Several keeper instances on one PostgreSQL (issue 14, item 7): three `keeper serve` processes, each
 * with its own signing key, ingest at once; the one holding the settlement lock is SIGKILLed at random
 * points of a settlement, several times (seeds `INSTANCE_KILL_SEEDS`), and restarted. Every reader is
 * settled exactly once, every transaction on chain was recorded before it was sent, under the account
 * that signed it, no account's nonce went to two recorded transactions, and no record was ever signed by
 * another key than its own. Needs a real PostgreSQL (PLAUDIT_TEST_PG_URL); skipped visibly without.
 */
import type { ChildProcess } from "node:child_process";

import { expect } from "chai";
import pg from "pg";
import { keccak256, parseEventLogs, type Address, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";

import { plauditPoolAbi, type SignedTallyInput } from "@plaudit/protocol";
import { createLocalChain, deployPool, USD, type LocalChain, type PoolFixture, type Reader } from "../chain-fixture.js";
import { spawnKeeperCli } from "../keeper-fixture.js";
import { serveRpc } from "../rpc-fakes.js";
import { FastSigner, rawRequest } from "./harness.js";

const pgUrl = process.env["PLAUDIT_TEST_PG_URL"];
const SEEDS = (process.env["INSTANCE_KILL_SEEDS"] ?? "1,2").split(",").map(Number);
const INSTANCES = 3;
const READERS = 18;
const KILLS_PER_SEED = 3;
const GRACE = 60n;
const BUDGET = 10n * USD;
/** Small batches: several transactions per settlement, so kills land between and inside them. */
const BATCH_GAS = 200_000;
/** Another instance's unmined transaction is left alone this long before its readers are re-planned. */
const STUCK_MS = 2_000;
/** How long a tally may wait for a live instance (restarts take seconds on a busy machine). */
const POST_PATIENCE_MS = 60_000;
/** RPC methods only the settling instance calls. */
const SETTLEMENT_METHODS = new Set([
  "eth_estimateGas",
  "eth_sendRawTransaction",
  "eth_getTransactionReceipt",
  "eth_getTransactionCount",
  "eth_maxPriorityFeePerGas",
]);
/**
 * Each kill comes within this many settlement calls of the holder (a settlement of READERS readers in
 * BATCH_GAS batches makes about 30: five or so per transaction).
 */
const KILL_WITHIN_CALLS = 6;
/** The first kill follows one of the holder's first this many broadcasts. */
const FIRST_KILL_WITHIN_SENDS = 2;

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

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** One keeper instance: a `keeper serve` process behind its own RPC endpoint, restartable. */
interface Instance {
  index: number;
  key: Hex;
  account: PrivateKeyAccount;
  child: ChildProcess | undefined;
  url: string | undefined;
  log: string;
  /** Settlement RPC calls and broadcasts since the last (re)start, and the one at which it is killed. */
  calls: number;
  sends: number;
  killAt: number;
  kills: string[];
}

if (pgUrl === undefined || pgUrl === "") {
  describe("keeper instances sharing PostgreSQL", () => {
    it("SKIPPED: set PLAUDIT_TEST_PG_URL to a PostgreSQL server to run the multi-instance settlement test");
  });
  console.warn("keeper instances: PLAUDIT_TEST_PG_URL is not set; the multi-instance settlement test is SKIPPED");
} else {
  describe("keeper instances sharing PostgreSQL", function () {
    this.timeout(300_000);
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

    async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      try {
        return await fn(client);
      } finally {
        await client.end();
      }
    }

    async function freshDatabase(): Promise<string> {
      const database = `plaudit_instances_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
      await admin((c) => c.query(`CREATE DATABASE ${database}`));
      cleanups.push(() =>
        admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).then(() => undefined),
      );
      const url = new URL(pgUrl as string);
      url.pathname = `/${database}`;
      return url.toString();
    }

    async function rows<T>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    }

    function start(instance: Instance, env: NodeJS.ProcessEnv): Promise<void> {
      instance.calls = 0;
      instance.sends = 0;
      instance.url = undefined;
      const child = spawnKeeperCli(["serve"], env);
      instance.child = child;
      let output = "";
      return new Promise((resolve, reject) => {
        const onData = (d: Buffer) => {
          instance.log += d.toString();
          output += d.toString();
          const listening = /"url":"(http:\/\/[^"]+)".*keeper API listening/.exec(output);
          if (listening !== null && instance.url === undefined && instance.child === child) {
            instance.url = listening[1];
            resolve();
          }
        };
        child.stdout?.on("data", onData);
        child.stderr?.on("data", onData);
        child.once("exit", (code, signal) => {
          if (instance.child === child) instance.child = undefined;
          // Killed by the test before its "listening" line came through: the kill restarts it again.
          if (signal === "SIGKILL") resolve();
          else if (instance.url === undefined)
            reject(new Error(`instance ${instance.index} exited (${code ?? signal})`));
        });
      });
    }

    /** Posts a tally to any live instance, retrying on another while one is down or answers 503. */
    async function post(instances: readonly Instance[], first: number, tally: SignedTallyInput): Promise<void> {
      const deadline = Date.now() + POST_PATIENCE_MS;
      let last = "no instance was up";
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        const instance = instances[(first + attempt) % instances.length] as Instance;
        if (instance.url !== undefined) {
          let res: Awaited<ReturnType<typeof rawRequest>> | undefined;
          try {
            res = await rawRequest(instance.url, {
              method: "POST",
              path: "/v1/tallies",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ tally }),
            });
          } catch (error) {
            last = `instance ${instance.index}: ${(error as Error).message}`;
          }
          if (res !== undefined) {
            if (res.status === 201 || res.status === 200) return;
            if (res.status !== 503) throw new Error(`instance ${instance.index} answered ${res.status} ${res.text}`);
            last = `instance ${instance.index}: 503 ${res.text}`;
          }
        }
        await sleep(20);
      }
      throw new Error(`no keeper instance took the tally in ${POST_PATIENCE_MS} ms (last: ${last})`);
    }

    async function readersIn(fixture: PoolFixture): Promise<Reader[]> {
      const readers: Reader[] = [];
      for (let i = 0; i < READERS; i++) readers.push(await fixture.newReader(BUDGET, 2n));
      return readers;
    }

    /** Every block's transactions from `accounts`, by hash. */
    async function chainTransactionsFrom(accounts: readonly Address[]) {
      const wanted = new Set(accounts.map((a) => a.toLowerCase()));
      const latest = await chain.publicClient.getBlockNumber();
      const found = new Map<Hex, { from: Address; nonce: number; to: Address | null }>();
      for (let n = 0n; n <= latest; n++) {
        const block = await chain.publicClient.getBlock({ blockNumber: n, includeTransactions: true });
        for (const tx of block.transactions) {
          if (wanted.has(tx.from.toLowerCase())) found.set(tx.hash, { from: tx.from, nonce: tx.nonce, to: tx.to });
        }
      }
      return found;
    }

    for (const seed of SEEDS) {
      it(`settles each reader exactly once while the settling instance is SIGKILLed up to ${KILLS_PER_SEED} times (seed ${seed})`, async () => {
        const random = prng(seed);
        const databaseUrl = await freshDatabase();
        const fixture = await deployPool(chain);
        await fixture.goToEpoch(0n, 5n);
        const readers = await readersIn(fixture);

        let armed = false;
        let killsLeft = KILLS_PER_SEED;
        const nextKillAt = () => 1 + Math.floor(random() * KILL_WITHIN_CALLS);
        const instances: Instance[] = [];
        const envs: NodeJS.ProcessEnv[] = [];
        const restarts: Promise<void>[] = [];
        const restartFailures: string[] = [];
        for (let i = 0; i < INSTANCES; i++) {
          const { key, account } = await chain.fundedAccount();
          const instance: Instance = {
            index: i,
            key,
            account,
            child: undefined,
            url: undefined,
            log: "",
            calls: 0,
            sends: 0,
            killAt: Infinity,
            kills: [],
          };
          const rpc = await serveRpc(chain.provider, (method) => {
            if (!armed || killsLeft <= 0 || !SETTLEMENT_METHODS.has(method) || instance.child === undefined) return;
            instance.calls++;
            if (method === "eth_sendRawTransaction") instance.sends++;
            // The first kill comes right after a broadcast reached the chain, leaving its recorded
            // transaction pending for the next holder; the others at random settlement calls.
            const first = killsLeft === KILLS_PER_SEED;
            const due = first
              ? method === "eth_sendRawTransaction" && instance.sends === instance.killAt
              : instance.calls === instance.killAt;
            if (!due) return;
            // SIGKILL after the call reached the chain and before the keeper hears the answer; restart it.
            const victim = instance.child;
            instance.kills.push(`${method} (settlement call ${instance.calls})`);
            killsLeft--;
            instance.killAt = nextKillAt();
            for (const other of instances) if (other !== instance) other.killAt = other.calls + nextKillAt();
            instance.child = undefined;
            instance.url = undefined;
            victim.kill("SIGKILL");
            restarts.push(
              new Promise<void>((resolve) => victim.once("exit", () => resolve()))
                .then(() => start(instance, envs[i] as NodeJS.ProcessEnv))
                .catch((error: unknown) => {
                  restartFailures.push(String(error));
                }),
            );
          });
          cleanups.push(() => rpc.close());
          envs.push({
            ...process.env,
            PLAUDIT_RPC_URL: rpc.url,
            PLAUDIT_POOL: fixture.pool,
            PLAUDIT_KEEPER_KEY: key,
            DATABASE_URL: databaseUrl,
            PORT: "0",
            PLAUDIT_BATCH_GAS: String(BATCH_GAS),
            PLAUDIT_POLL_MS: "50",
            PLAUDIT_STUCK_MS: String(STUCK_MS),
            PLAUDIT_GRACE_SECONDS: String(GRACE),
            PLAUDIT_CHAIN_TIME_TTL_MS: "0",
            PLAUDIT_IP_RATE: "1000000",
            PLAUDIT_READER_RATE: "1000000",
            PLAUDIT_VERIFY_WORKERS: "0",
            PLAUDIT_LOG_LEVEL: "info",
            NODE_NO_WARNINGS: "1",
          });
          instances.push(instance);
        }
        cleanups.push(async () => {
          for (const instance of instances) {
            const child = instance.child;
            instance.child = undefined;
            if (child === undefined) continue;
            const exited = new Promise((resolve) => child.once("exit", resolve));
            child.kill("SIGTERM");
            await exited;
          }
        });
        await Promise.all(instances.map((instance, i) => start(instance, envs[i] as NodeJS.ProcessEnv)));

        // Epoch 0: every instance ingests at once, each tally to the next instance in turn.
        const signers = readers.flatMap((reader, i) => [
          new FastSigner(fixture, reader, 0n, { own: true }),
          ...(i % 3 === 0 ? [new FastSigner(fixture, reader, 0n)] : []),
        ]);
        await Promise.all(
          signers.map(async (signer, s) => {
            for (let c = 0; c <= s % 3; c++)
              await post(instances, s + c, signer.next(fixture.creators[(s + c) % fixture.creators.length] as Address));
          }),
        );

        // Epoch 0 ends; settlement starts on whichever instance takes the lock, while epoch 1 tallies keep
        // arriving at all of them.
        await fixture.goToEpoch(1n, GRACE + 1n);
        for (const instance of instances) instance.killAt = 1 + Math.floor(random() * FIRST_KILL_WITHIN_SENDS);
        armed = true;
        let ingesting = true;
        const current = readers.slice(0, 4).map((reader) => new FastSigner(fixture, reader, 1n));
        const ingestFailures: string[] = [];
        const ingest = Promise.all(
          current.map(async (signer, s) => {
            for (let n = 0; ingesting; n++) {
              await post(instances, s + n, signer.next(fixture.creators[n % fixture.creators.length] as Address));
              await sleep(50);
            }
          }),
        ).catch((error: unknown) => {
          ingestFailures.push(String(error));
        });
        const epochRows = (sql: string) => rows<{ n: string }>(databaseUrl, sql, ["0"]);
        try {
          await waitFor(
            "every reader of epoch 0 to have an outcome and no transaction to be pending",
            async () => {
              const [decided] = await epochRows(`SELECT COUNT(*) AS n FROM reader_outcomes WHERE epoch = $1`);
              const [pending] = await epochRows(
                `SELECT COUNT(*) AS n FROM settle_transactions WHERE epoch = $1 AND status = 'pending'`,
              );
              return Number(decided?.n) === READERS && Number(pending?.n) === 0;
            },
            180_000,
          );
        } catch (error) {
          for (const instance of instances) console.log(`--- instance ${instance.index}\n${instance.log.slice(-6000)}`);
          throw error;
        } finally {
          ingesting = false;
          await ingest;
          await Promise.all(restarts);
        }
        if (process.env["KEEPER_TEST_LOG"] !== undefined)
          for (const instance of instances) console.log(`--- instance ${instance.index}\n${instance.log}`);
        const kills = instances.flatMap((i) => i.kills.map((k) => `instance ${i.index} after ${k}`));
        console.log(`      killed: ${kills.join("; ")}`);
        expect(kills.length, "the settling instance was killed").to.be.within(1, KILLS_PER_SEED);
        const takeovers = instances.reduce((n, i) => n + (i.log.match(/"own":false/g)?.length ?? 0), 0);
        console.log(`      another instance's pending transactions resolved by the next holder: ${takeovers}`);
        expect(takeovers, "a killed instance's pending transaction was taken over").to.be.at.least(1);
        expect(restartFailures).to.deep.equal([]);
        expect(ingestFailures, "every epoch 1 tally was taken while settling").to.deep.equal([]);

        // Each reader settled exactly once, with its whole budget, and nobody skipped.
        const logs = await chain.publicClient.getLogs({ address: fixture.pool, fromBlock: 0n });
        const events = parseEventLogs({ abi: plauditPoolAbi, logs, eventName: ["ReaderSettled", "ReaderSkipped"] });
        const settled = events.filter((e) => e.eventName === "ReaderSettled" && e.args.epoch === 0n);
        expect(settled.map((e) => e.args.reader).sort()).to.deep.equal(readers.map((r) => r.address).sort());
        expect(events.filter((e) => e.eventName === "ReaderSkipped")).to.deep.equal([]);
        const outcomes = await rows<{ outcome: string }>(
          databaseUrl,
          `SELECT outcome FROM reader_outcomes WHERE epoch = $1`,
          ["0"],
        );
        expect(outcomes.every((o) => o.outcome === "settled")).to.equal(true);

        // Transactions: every record signed by the key of the account it names; every keeper transaction
        // on chain recorded (before it was sent) with its sender and nonce; one mined record per nonce.
        const records = await rows<{
          hash: Hex;
          sender: Address;
          nonce: string;
          status: string;
          data: Hex;
          gas: string;
          max_fee: string;
          priority_fee: string;
        }>(databaseUrl, `SELECT * FROM settle_transactions`);
        const byAccount = new Map(instances.map((i) => [i.account.address.toLowerCase(), i.account]));
        for (const record of records) {
          const signer = byAccount.get(record.sender.toLowerCase());
          expect(signer, `record ${record.hash} names a keeper account`).to.not.equal(undefined);
          const resigned = await signer!.signTransaction({
            chainId: fixture.chainId,
            type: "eip1559",
            to: fixture.pool,
            data: record.data,
            gas: BigInt(record.gas),
            nonce: Number(record.nonce),
            maxFeePerGas: BigInt(record.max_fee),
            maxPriorityFeePerGas: BigInt(record.priority_fee),
          });
          expect(keccak256(resigned), `record ${record.hash} is signed by its sender`).to.equal(record.hash);
        }
        const onChain = await chainTransactionsFrom(instances.map((i) => i.account.address));
        const recorded = new Map(records.map((r) => [r.hash, r]));
        for (const [hash, tx] of onChain) {
          const record = recorded.get(hash);
          expect(record, `keeper transaction ${hash} was recorded`).to.not.equal(undefined);
          expect(record!.sender.toLowerCase()).to.equal(tx.from.toLowerCase());
          expect(Number(record!.nonce)).to.equal(tx.nonce);
          expect(["confirmed", "failed"]).to.include(record!.status);
        }
        const minedNonces = records
          .filter((r) => r.status === "confirmed" || r.status === "failed")
          .map((r) => `${r.sender.toLowerCase()}:${r.nonce}`);
        expect(new Set(minedNonces).size, "no nonce used twice").to.equal(minedNonces.length);
        expect(minedNonces.length).to.equal(onChain.size);
      });
    }
  });
}
