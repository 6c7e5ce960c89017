/**
 * Keeper benchmark (not a test): ingest throughput of signed tallies verified and stored per second
 * with concurrent HTTP clients (in a worker thread, so they do not share the keeper's core), and the
 * time to settle an epoch of 1,000 readers on a local Hardhat chain with the real contracts.
 * Last line: {"ingestPerSec":N,"settle1000Sec":N,"txCount":N}.
 */
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { Worker } from "node:worker_threads";

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
import { createLocalChain, deployPool, EPOCH_LENGTH, USD, type Reader } from "../test/keeper/chain-fixture.js";
import { tempDir } from "../test/keeper/keeper-fixture.js";

const READERS = Number(process.env["BENCH_READERS"] ?? 1000);
const TALLIES_PER_READER = Number(process.env["BENCH_TALLIES_PER_READER"] ?? 6);
const CLIENTS = Number(process.env["BENCH_CLIENTS"] ?? 32);
/** Signature worker threads of the keeper; unset = the keeper's default. */
const VERIFY_WORKERS = process.env["BENCH_VERIFY_WORKERS"];

const require = createRequire(import.meta.url);
const secp256k1 = require("secp256k1") as {
  ecdsaSign(msg: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
};

function sign(digest: Hex, key: Hex): Hex {
  const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(digest), hexToBytes(key));
  return `${bytesToHex(signature)}${(27 + recid).toString(16)}` as Hex;
}

const log = (message: string) => console.log(`[bench:keeper] ${message}`);

const chain = await createLocalChain();
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

const dir = tempDir();
const keeper = await startKeeper({
  transport: chain.transport,
  pool: fixture.pool,
  chainId: fixture.chainId,
  dataDir: dir.path,
  privateKey: (await chain.fundedAccount()).key,
  settle: false,
  port: 0,
  ipRate: 1e9,
  readerRate: 1e9,
  graceSeconds: 60,
  logLevel: "warn",
  ...(VERIFY_WORKERS === undefined ? {} : { verifyWorkers: Number(VERIFY_WORKERS) }),
});

// node:http with keep-alive connections: a lean client, so the measure is the keeper's and not undici's.
const clientCode = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const { url, groups } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: groups.length });
const target = new URL(url);
function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => { res.resume(); res.on("end", () => resolve(res.statusCode)); res.on("error", reject); },
    );
    req.on("error", reject);
    req.end(body);
  });
}
(async () => {
  const statuses = {};
  const started = performance.now();
  await Promise.all(groups.map(async (bodies) => {
    for (const body of bodies) {
      const status = await post(body);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }));
  parentPort.postMessage({ seconds: (performance.now() - started) / 1000, statuses });
  agent.destroy();
})();
`;
// Each client posts its readers' tallies in order (seq must rise per key); clients run concurrently.
const groups: string[][] = Array.from({ length: CLIENTS }, () => []);
perReader.forEach((bodies, r) => (groups[r % CLIENTS] as string[]).push(...bodies));
log(`ingesting ${READERS * TALLIES_PER_READER} tallies with ${CLIENTS} concurrent HTTP clients...`);
const cpuBefore = process.cpuUsage();
const result = await new Promise<{ seconds: number; statuses: Record<string, number> }>((resolve, reject) => {
  const worker = new Worker(clientCode, { eval: true, workerData: { url: `${keeper.url}/v1/tallies`, groups } });
  worker.once("message", resolve);
  worker.once("error", reject);
});
const stored = result.statuses["201"] ?? 0;
const ingestPerSec = Math.round(stored / result.seconds);
const cpu = process.cpuUsage(cpuBefore);
// CPU time of this whole process (keeper, its signature worker, the in-process chain and the clients):
// a figure that other load on the machine does not inflate the way it inflates wall time.
const cpuMsPerTally = (cpu.user + cpu.system) / 1000 / Math.max(1, stored);
log(
  `ingest: ${stored} stored in ${result.seconds.toFixed(2)}s = ${ingestPerSec}/s; statuses ${JSON.stringify(result.statuses)}`,
);
log(
  `ingest CPU: ${cpuMsPerTally.toFixed(3)} ms per stored tally (all threads, clients included) = ${Math.round(2000 / cpuMsPerTally)}/s on 2 idle cores; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);

await fixture.goToEpoch(1n, 61n);
log(`settling epoch 0 (${READERS} readers)...`);
t = performance.now();
const report = await keeper.settler!.settleEpoch(0n);
const settle1000Sec = Number(((performance.now() - t) / 1000).toFixed(2));
log(
  `settled ${report.settled}/${report.readers} readers (skipped ${report.skipped}, dropped ${report.dropped}) in ${settle1000Sec}s with ${report.transactions} transactions`,
);

await keeper.stop();
dir.remove();
await chain.close();
console.log(JSON.stringify({ ingestPerSec, settle1000Sec, txCount: report.transactions }));
