/**
 * Keeper benchmark (not a test): ingest throughput of signed tallies verified and stored per second
 * with concurrent HTTP clients (a process of their own: scripts/bench/ingest-clients.ts), and the
 * time to settle the epoch (1,000 readers by default) on a local Hardhat chain with the real contracts.
 * The chain is a `hardhat node` process reached over HTTP, as a keeper reaches its RPC (BENCH_CHAIN=node,
 * the default), or Hardhat's chain inside this process (BENCH_CHAIN=in-process: its JavaScript then
 * shares the keeper's main thread, which no deployed keeper does).
 * One keeper in this process on SQLite by default; with BENCH_INSTANCES=N (N > 1) and
 * PLAUDIT_TEST_PG_URL, N `keeper serve` processes on one fresh PostgreSQL database: ingest spread over
 * them, settlement by whichever takes the settlement lock.
 * Last line: {"ingestPerSec":N,"settle1000Sec":N,"txCount":N,"instances":N,"settleSec":N}
 * (settleSec: the whole epoch; settle1000Sec: the same per 1,000 readers).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { join } from "node:path";

import pg from "pg";

import {
  bytesToHex,
  encodeFunctionData,
  hashTypedData,
  hexToBytes,
  keccak256,
  serializeTransaction,
  type Hex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  addClick,
  mockStablecoinAbi,
  NO_CLICKS,
  plauditDomain,
  plauditPoolAbi,
  sessionTypedData,
  tallyTypedData,
  toWireTally,
  type Clicks,
} from "@plaudit/protocol";
import { startKeeper } from "../keeper/src/index.js";
import { sleep } from "../keeper/src/retry.js";
import {
  connectLocalChain,
  createLocalChain,
  deployPool,
  EPOCH_LENGTH,
  USD,
  type Reader,
} from "../test/keeper/chain-fixture.js";
import { tempDir } from "../test/keeper/keeper-fixture.js";
import { serveRpc } from "../test/keeper/rpc-fakes.js";
import { startHardhatNode } from "./local/hardhat-node.js";

const READERS = Number(process.env["BENCH_READERS"] ?? 1000);
/** Keeper instances: 1 runs in this process; more run as `keeper serve` processes on one PostgreSQL. */
const INSTANCES = Number(process.env["BENCH_INSTANCES"] ?? 1);
const PG_URL = process.env["PLAUDIT_TEST_PG_URL"];
/** PostgreSQL for several instances (or with BENCH_STORAGE=postgres); else SQLite in a temporary directory. */
const STORAGE = process.env["BENCH_STORAGE"] ?? (INSTANCES > 1 ? "postgres" : "sqlite");
const GRACE = 60n;
/** Settlement loop interval of the keeper processes, and how often the bench looks at their progress. */
const SETTLE_POLL_MS = 200;
const TALLIES_PER_READER = Number(process.env["BENCH_TALLIES_PER_READER"] ?? 6);
const CLIENTS = Number(process.env["BENCH_CLIENTS"] ?? 32);
/** Signature worker threads of the keeper; unset = the keeper's default. */
const VERIFY_WORKERS = process.env["BENCH_VERIFY_WORKERS"];
const CHAIN = process.env["BENCH_CHAIN"] ?? "node";
/** A pause for socket closures to be read after a long synchronous stretch (see the tallies' signing). */
const IDLE_CONNECTIONS_SETTLE_MS = 50;

if (CHAIN !== "node" && CHAIN !== "in-process") throw new Error("BENCH_CHAIN: node or in-process");
if (!Number.isInteger(INSTANCES) || INSTANCES < 1) throw new Error("BENCH_INSTANCES: a positive integer");
if (STORAGE !== "sqlite" && STORAGE !== "postgres") throw new Error("BENCH_STORAGE: sqlite or postgres");
if (STORAGE === "sqlite" && INSTANCES > 1) throw new Error("BENCH_INSTANCES > 1 needs PostgreSQL (one SQLite file)");
if (STORAGE === "postgres" && (PG_URL === undefined || PG_URL === ""))
  throw new Error("PostgreSQL storage needs PLAUDIT_TEST_PG_URL (a server where the bench may create a database)");

const require = createRequire(import.meta.url);
const secp256k1 = require("secp256k1") as {
  ecdsaSign(msg: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
};

function sign(digest: Hex, key: Hex): Hex {
  const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(digest), hexToBytes(key));
  return `${bytesToHex(signature)}${(27 + recid).toString(16)}` as Hex;
}

const log = (message: string) => console.log(`[bench:keeper] ${message}`);

/** The chain's JSON-RPC URL when it runs as a `hardhat node` process. */
let chainUrl: string | undefined;
async function benchChain() {
  if (CHAIN === "in-process") return createLocalChain();
  const node = await startHardhatNode();
  chainUrl = node.rpcUrl;
  const chain = connectLocalChain(node.rpcUrl, () => node.stop());
  // `hardhat node` logs every call it answers; a production RPC's logging is not the keeper's cost.
  await chain.rpc("hardhat_setLoggingEnabled", [false]);
  return chain;
}

const chain = await benchChain();
const fixture = await deployPool(chain);
await fixture.goToEpoch(0n, 5n);
const domain = plauditDomain(fixture.chainId, fixture.pool);

/**
 * Funds readers honestly (each mints its stablecoin, approves the pool and subscribes: nonces 0, 1, 2),
 * a chunk at a time with automine off, signed with libsecp256k1: one block per chunk instead of three
 * mined transactions per reader.
 */
async function fundReaders(count: number, amount: bigint, epochs: bigint): Promise<Reader[]> {
  const CHUNK = 200;
  const funded: Reader[] = [];
  const now = await chain.latestTime();
  const firstEpoch = now < fixture.startTime ? 0n : (now - fixture.startTime) / EPOCH_LENGTH;
  const base = {
    chainId: fixture.chainId,
    type: "eip1559",
    gas: 300_000n,
    maxFeePerGas: 100_000_000_000n,
    maxPriorityFeePerGas: 1n,
  } as const;
  await chain.rpc("evm_setAutomine", [false]);
  try {
    for (let start = 0; start < count; start += CHUNK) {
      const chunk = await Promise.all(
        Array.from({ length: Math.min(CHUNK, count - start) }, () => chain.fundedAccount()),
      );
      const hashes: Hex[] = [];
      for (const { key, account } of chunk) {
        const txs = [
          {
            to: fixture.token,
            data: encodeFunctionData({
              abi: mockStablecoinAbi,
              functionName: "mint",
              args: [account.address, amount * epochs],
            }),
          },
          {
            to: fixture.token,
            data: encodeFunctionData({
              abi: mockStablecoinAbi,
              functionName: "approve",
              args: [fixture.pool, amount * epochs],
            }),
          },
          {
            to: fixture.pool,
            data: encodeFunctionData({
              abi: plauditPoolAbi,
              functionName: "subscribe",
              args: [amount, epochs, firstEpoch],
            }),
          },
        ];
        for (const [nonce, tx] of txs.entries()) {
          const unsigned = { ...base, ...tx, nonce };
          const { signature, recid } = secp256k1.ecdsaSign(
            hexToBytes(keccak256(serializeTransaction(unsigned))),
            hexToBytes(key),
          );
          const signed = serializeTransaction(unsigned, {
            r: bytesToHex(signature.subarray(0, 32)),
            s: bytesToHex(signature.subarray(32, 64)),
            yParity: recid,
          });
          hashes.push(await chain.rpc<Hex>("eth_sendRawTransaction", [signed]));
        }
        funded.push({ key, account, address: account.address });
      }
      // Mine until every transaction of the chunk is in (a block holds what its gas limit allows).
      for (let pending = hashes; pending.length > 0;) {
        await chain.rpc("evm_mine");
        const receipts = await Promise.all(
          pending.map((hash) => chain.rpc<{ status: Hex } | null>("eth_getTransactionReceipt", [hash])),
        );
        if (receipts.some((r) => r !== null && r.status !== "0x1")) throw new Error("a funding transaction reverted");
        pending = pending.filter((_, i) => receipts[i] === null);
      }
      log(`  ${funded.length}/${count} readers subscribed`);
    }
  } finally {
    await chain.rpc("evm_setAutomine", [true]);
  }
  return funded;
}

log(`funding ${READERS} readers...`);
let t = performance.now();
const readers = await fundReaders(READERS, 5n * USD, 2n);
log(`readers funded in ${((performance.now() - t) / 1000).toFixed(1)}s`);

log(`signing ${READERS * TALLIES_PER_READER} tallies with session keys...`);
const expiry = fixture.epochStart(4n);
const perReader: string[][] = readers.map((reader, r) => {
  const sessionKey = generatePrivateKey();
  const key = privateKeyToAccount(sessionKey).address;
  const session = {
    expiry,
    nonce: 0,
    signature: sign(
      hashTypedData(sessionTypedData(domain, { reader: reader.address, key, expiry, nonce: 0 })),
      reader.key,
    ),
  };
  let clicks: Clicks = NO_CLICKS;
  const bodies: string[] = [];
  for (let seq = 1n; seq <= BigInt(TALLIES_PER_READER); seq++) {
    clicks = addClick(clicks, fixture.creators[(r + Number(seq)) % fixture.creators.length] as `0x${string}`);
    const message = { reader: reader.address, epoch: 0n, seq, creators: clicks.creators, counts: clicks.counts };
    const tally = {
      chainId: fixture.chainId,
      pool: fixture.pool,
      reader: reader.address,
      signer: key,
      epoch: 0n,
      seq,
      creators: [...clicks.creators],
      counts: [...clicks.counts],
      signature: sign(hashTypedData(tallyTypedData(domain, message)), sessionKey),
      session,
    };
    bodies.push(JSON.stringify({ tally: toWireTally(tally), item: `https://blog.example/post-${seq}` }));
  }
  return bodies;
});
// Signing held the event loop for longer than the node's keep-alive timeout (seconds with 10,000 readers):
// let the HTTP client see the connections the node closed meanwhile, or its next request goes out on one
// of them and fails with "other side closed".
await sleep(IDLE_CONNECTIONS_SETTLE_MS);

/** The keepers under test: one in this process (the default), or N `keeper serve` processes. */
interface BenchKeepers {
  urls: string[];
  /** CPU milliseconds of the keeper processes other than this one (0 in-process). */
  childCpuMs(): number;
  /** Settles epoch 0 (in-process) or waits until the instance holding the lock has (N processes). */
  settle(): Promise<{ settled: number; skipped: number; dropped: number; readers: number; transactions: number }>;
  stop(): Promise<void>;
}

/** A fresh PostgreSQL database for this run, dropped at the end. */
async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const database = `plaudit_bench_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${database}`);
  const url = new URL(PG_URL as string);
  url.pathname = `/${database}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`) };
}

async function inProcessKeeper(databaseUrl: string | undefined): Promise<BenchKeepers> {
  const dir = tempDir();
  const keeper = await startKeeper({
    // Over HTTP the keeper builds its own transport from the URL, as `keeper serve` does.
    ...(chainUrl === undefined ? { transport: chain.transport } : { rpcUrl: chainUrl }),
    pool: fixture.pool,
    chainId: fixture.chainId,
    dataDir: dir.path,
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    privateKey: (await chain.fundedAccount()).key,
    settle: false,
    port: 0,
    ipRate: 1e9,
    readerRate: 1e9,
    graceSeconds: Number(GRACE),
    logLevel: "warn",
    ...(VERIFY_WORKERS === undefined ? {} : { verifyWorkers: Number(VERIFY_WORKERS) }),
  });
  return {
    urls: [keeper.url],
    childCpuMs: () => 0,
    settle: () => keeper.settler!.settleEpoch(0n),
    stop: async () => {
      await keeper.stop();
      dir.remove();
    },
  };
}

/** CPU milliseconds a process has used (Linux /proc; clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/**
 * N `keeper serve` processes on one PostgreSQL database, each with its own key and its settlement loop
 * on, reaching the chain over HTTP. Whichever takes the settlement lock settles.
 */
async function keeperProcesses(databaseUrl: string, count: number): Promise<BenchKeepers> {
  const rpc = chainUrl === undefined ? await serveRpc(chain.provider) : { url: chainUrl, close: async () => {} };
  const children: ChildProcess[] = [];
  const urls = await Promise.all(
    Array.from({ length: count }, async () => {
      const { key } = await chain.fundedAccount();
      const child = spawn(process.execPath, ["--import", "tsx", "keeper/src/cli.ts", "serve"], {
        env: {
          ...process.env,
          PLAUDIT_RPC_URL: rpc.url,
          PLAUDIT_POOL: fixture.pool,
          PLAUDIT_CHAIN_ID: String(fixture.chainId),
          PLAUDIT_KEEPER_KEY: key,
          DATABASE_URL: databaseUrl,
          PORT: "0",
          PLAUDIT_IP_RATE: "1000000000",
          PLAUDIT_READER_RATE: "1000000000",
          PLAUDIT_GRACE_SECONDS: String(GRACE),
          PLAUDIT_POLL_MS: String(SETTLE_POLL_MS),
          PLAUDIT_LOG_LEVEL: "info",
          NODE_NO_WARNINGS: "1",
          ...(VERIFY_WORKERS === undefined ? {} : { PLAUDIT_VERIFY_WORKERS: VERIFY_WORKERS }),
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      children.push(child);
      return new Promise<string>((resolve, reject) => {
        let output = "";
        child.stderr.on("data", (d: Buffer) => {
          output = (output + d.toString()).slice(-65_536);
          const listening = /"url":"(http:\/\/[^"]+)".*keeper API listening/.exec(output);
          if (listening !== null) resolve(listening[1] as string);
        });
        child.once("exit", (code) => reject(new Error(`keeper process exited (${code}): ${output.slice(-2000)}`)));
      });
    }),
  );
  const query = async (sql: string): Promise<number> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(sql, ["0"]);
      return Number(rows[0]?.n ?? 0);
    } finally {
      await client.end();
    }
  };
  return {
    urls,
    childCpuMs: () => children.reduce((sum, c) => sum + (c.pid === undefined ? 0 : processCpuMs(c.pid)), 0),
    settle: async () => {
      const readers = await query(`SELECT COUNT(DISTINCT reader) AS n FROM tallies WHERE epoch = $1`);
      const count = (outcome: string) =>
        query(`SELECT COUNT(*) AS n FROM reader_outcomes WHERE epoch = $1 AND outcome = '${outcome}'`);
      for (;;) {
        const [settled, skipped, dropped] = await Promise.all([count("settled"), count("skipped"), count("dropped")]);
        if (settled + skipped + dropped >= readers) {
          const transactions = await query(`SELECT COUNT(*) AS n FROM settle_transactions WHERE epoch = $1`);
          return { settled, skipped, dropped, readers, transactions };
        }
        await sleep(SETTLE_POLL_MS);
      }
    },
    stop: async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.kill("SIGTERM");
            }),
        ),
      );
      await rpc.close();
    },
  };
}

/** Runs scripts/bench/ingest-clients.ts on `file` in a process of its own; its one-line JSON answer. */
function ingestClients(file: string): Promise<{ seconds: number; cpuMs: number; statuses: Record<string, number> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench/ingest-clients.ts", file], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`the bench's clients exited with ${code}`));
      resolve(JSON.parse(output) as { seconds: number; cpuMs: number; statuses: Record<string, number> });
    });
  });
}

const database = STORAGE === "postgres" ? await benchDatabase() : undefined;
log(`${INSTANCES} keeper instance(s) on ${STORAGE}${INSTANCES > 1 ? " (separate processes)" : ""}`);
const keepers =
  INSTANCES === 1 ? await inProcessKeeper(database?.url) : await keeperProcesses(database?.url as string, INSTANCES);

// Each client posts its readers' tallies in order (seq must rise per key) to one instance, the clients
// spread evenly over the instances; clients run concurrently, in a process of their own
// (scripts/bench/ingest-clients.ts) so that their CPU is counted apart from the keeper's.
const groups = Array.from({ length: CLIENTS }, (_, c) => ({
  url: `${keepers.urls[c % keepers.urls.length] as string}/v1/tallies`,
  bodies: [] as string[],
}));
perReader.forEach((bodies, r) => groups[r % CLIENTS]?.bodies.push(...bodies));
log(
  `ingesting ${READERS * TALLIES_PER_READER} tallies with ${CLIENTS} concurrent HTTP clients over ${INSTANCES} instance(s)...`,
);
const clientsFile = tempDir();
writeFileSync(join(clientsFile.path, "clients.json"), JSON.stringify(groups));
const cpuBefore = process.cpuUsage();
const childCpuBefore = keepers.childCpuMs();
const result = await ingestClients(join(clientsFile.path, "clients.json"));
clientsFile.remove();
const stored = result.statuses["201"] ?? 0;
const ingestPerSec = Math.round(stored / result.seconds);
const cpu = process.cpuUsage(cpuBefore);
// CPU time of the keeper (this process: the keeper, its signature workers and the in-process chain, or
// the keeper processes) and of the clients: figures that other load on the machine does not inflate the
// way it inflates wall time.
const keeperCpuMs = (cpu.user + cpu.system) / 1000 + (keepers.childCpuMs() - childCpuBefore);
const perTally = (ms: number) => ms / Math.max(1, stored);
log(
  `ingest: ${stored} stored in ${result.seconds.toFixed(2)}s = ${ingestPerSec}/s; statuses ${JSON.stringify(result.statuses)}`,
);
log(
  `ingest CPU per stored tally: keeper ${perTally(keeperCpuMs).toFixed(3)} ms (all its threads${CHAIN === "in-process" ? ", with the in-process chain" : ""}), clients ${perTally(result.cpuMs).toFixed(3)} ms; both = ${Math.round(2000 / perTally(keeperCpuMs + result.cpuMs))}/s on 2 idle cores; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);

await fixture.goToEpoch(1n, GRACE + 1n);
log(`settling epoch 0 (${READERS} readers)...`);
t = performance.now();
const report = await keepers.settle();
const settleSec = Number(((performance.now() - t) / 1000).toFixed(2));
log(
  `settled ${report.settled}/${report.readers} readers (skipped ${report.skipped}, dropped ${report.dropped}) in ${settleSec}s with ${report.transactions} transactions`,
);

await keepers.stop();
await database?.drop();
await chain.close();
console.log(
  JSON.stringify({
    ingestPerSec,
    settle1000Sec: Number(((settleSec * 1000) / READERS).toFixed(2)),
    txCount: report.transactions,
    instances: INSTANCES,
    settleSec,
  }),
);
