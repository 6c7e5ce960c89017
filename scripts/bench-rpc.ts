/**
 * RPC benchmark (not a test): a year and more of history, then what a page costs through a public-RPC
 * tier. It mines a Hardhat chain with at least 1,000,000 blocks (`hardhat_mine`), runs 24 monthly epochs
 * of a few hundred readers and creators through the real contracts and the real keeper (readers
 * subscribe, sign a tally each month and post it to the keeper, which settles each month; creators claim
 * every six months), starts the indexer and measures:
 * - how long the indexer takes to sync the history, through a limits proxy of its own with the `archive`
 *   profile (a paid plan's 2,000-block log range: the indexer is server-side, its operator picks the plan);
 * - through the `public` proxy (10-block log range, 25 requests/s per client), what pages see: how long
 *   until a creator's 24-month earnings and a reader's 24-month history have their data, from the
 *   indexer's API with protocol's typed client;
 * - RPC calls per minute of one idle open dApp tab: the built dApp (app/dist) in Chromium on the reader
 *   page with a connected wallet (bench-idle-tab.ts), while the chain makes a block every 2 s and other
 *   readers act; with the indexer, and without one when the page's own log scan of the history is short;
 * - the widest `eth_getLogs` range a page client asked the public proxy for.
 * Last line: {"historyBlocks":N,"indexerSyncSec":N,"creatorHistoryMs":N,"readerHistoryMs":N,"idleRpcPerMin":N,"maxLogRange":N}.
 *
 * `hardhat_mine`'s blocks carry a zero parentHash (EDR reserves them lazily), which a realtime sync takes
 * for a reorg: the chain ends with ordinary blocks, more than the indexer's finality window.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  bytesToHex,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  hashTypedData,
  hexToBytes,
  http,
  numberToHex,
  type Address,
  type Hex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  compareAddresses,
  createIndexerClient,
  createKeeperClient,
  epochBounds,
  mockStablecoinAbi,
  plauditDomain,
  plauditPoolAbi,
  tallyTypedData,
  toWireTally,
  type Deployment,
} from "@plaudit/protocol";
import { startIndexer } from "../indexer/launch.js";
import { startKeeper } from "../keeper/src/index.js";
import { HARDHAT_CHAIN_ID, hardhatAccount } from "./local/accounts.js";
import { jsonRpc, startHardhatNode } from "./local/hardhat-node.js";
import { freePort } from "./local/ports.js";
import { RPC_LIMIT_PROFILES } from "./rpc-limits/limits.js";
import { startRpcLimitsProxy } from "./rpc-limits/proxy.js";
import { randomInt, seededRandom, zipfSampler } from "./simulate/random.js";
import { deployPool } from "../e2e/harness/chain.js";
import { appBuilt, measureIdleTab, type IdleTabResult } from "./bench-idle-tab.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const READERS = env("BENCH_READERS", 300);
const CREATORS = env("BENCH_CREATORS", 200);
const EPOCHS = env("BENCH_EPOCHS", 24);
const HISTORY_BLOCKS = env("BENCH_BLOCKS", 1_000_000);
const IDLE_SECONDS = env("BENCH_IDLE_SEC", 60);
const LOG_RANGE = env("BENCH_LOG_RANGE", 10);
const PAGE_RPS = env("BENCH_RPS", 25);
/** The indexer's RPC plan (the `archive` profile): its log range and rate. */
const INDEXER_LOG_RANGE = env("BENCH_INDEXER_LOG_RANGE", RPC_LIMIT_PROFILES.archive.maxLogRange);
const INDEXER_RPS = env("BENCH_INDEXER_RPS", RPC_LIMIT_PROFILES.archive.requestsPerSecond);
const SEED = env("BENCH_SEED", 2026);
/**
 * Share of requests the proxy times out. Off by default: Ponder answers each timeout by lowering the rate
 * it sends at by 5% and climbs back only 5% per ten busy seconds, so a few hundred timeouts over a
 * 100,000-request sync would measure that ramp rather than the history.
 */
const TIMEOUT_RATE = env("BENCH_TIMEOUT_RATE", 0);
/** The idle tab without an indexer is measured only when its first log scan takes at most this long. */
const MAX_SCAN_SECONDS = 300;

const EPOCH_LENGTH = 30 * 24 * 3600;
const KEEPER_TIP_BPS = 50;
const USD = 1_000_000n;
/** Ordinary blocks at the tip, more than the indexer's finality window (30 blocks for this chain). */
const TIP_BLOCKS = 40;
/** Gas of a mint or an approve, and what subscribing adds per epoch funded (one budget slot written). */
const TOKEN_GAS = 200_000n;
const SUBSCRIBE_GAS_PER_EPOCH = 40_000n;
/** Creators claim after these epochs' settlement. */
const CLAIM_EVERY = 6;

const require = createRequire(import.meta.url);
const secp256k1 = require("secp256k1") as {
  ecdsaSign(msg: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
};
const sign = (digest: Hex, key: Hex): Hex => {
  const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(digest), hexToBytes(key));
  return `${bytesToHex(signature)}${(27 + recid).toString(16)}` as Hex;
};
const log = (message: string) => console.log(`[bench:rpc] ${message}`);
const seconds = (since: number) => Number(((performance.now() - since) / 1000).toFixed(1));

if (!appBuilt()) throw new Error("bench:rpc opens the built dApp: run npm run app:build first");
const random = seededRandom(SEED);
const node = await startHardhatNode();
/** A JSON-RPC call to the node, sent again when the connection dropped (a keep-alive socket the node closed). */
async function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await jsonRpc<T>(node.rpcUrl, method, params);
    } catch (error) {
      const dropped = error instanceof TypeError && error.message === "fetch failed";
      if (!dropped || attempt === 3) throw error;
    }
  }
}
const chain = defineChain({
  id: HARDHAT_CHAIN_ID,
  name: "Local Hardhat",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [node.rpcUrl] } },
});
const direct = createPublicClient({ chain, transport: http(node.rpcUrl) });
const stateDir = mkdtempSync(join(tmpdir(), "plaudit-bench-rpc-"));
const cleanups: (() => Promise<void> | void)[] = [() => node.stop(), () => rmSync(stateDir, { recursive: true })];

try {
  const deployed = await deployPool(node.rpcUrl, EPOCH_LENGTH, KEEPER_TIP_BPS);
  const schedule = { startTime: BigInt(deployed.startTime), epochLength: BigInt(EPOCH_LENGTH) };
  const domain = plauditDomain(HARDHAT_CHAIN_ID, deployed.pool);
  log(`pool ${deployed.pool} at block ${deployed.deployBlock}`);

  // Readers: funded, each subscribes for all the epochs at once (mint, approve, subscribe).
  let t = performance.now();
  const readers = Array.from({ length: READERS }, () => {
    const key = generatePrivateKey();
    return { key, address: privateKeyToAccount(key).address, amount: BigInt(randomInt(random, 1, 10)) * USD };
  });
  const creators = Array.from({ length: CREATORS }, () => privateKeyToAccount(generatePrivateKey()).address).sort(
    compareAddresses,
  );
  await rpc("evm_setAutomine", [false]);
  const hashes: Hex[] = [];
  for (const reader of readers) {
    await rpc("hardhat_setBalance", [reader.address, numberToHex(10n ** 20n)]);
    const account = privateKeyToAccount(reader.key);
    const total = reader.amount * BigInt(EPOCHS);
    const calls = [
      {
        to: deployed.token,
        data: encodeFunctionData({ abi: mockStablecoinAbi, functionName: "mint", args: [reader.address, total] }),
        gas: TOKEN_GAS,
      },
      {
        to: deployed.token,
        data: encodeFunctionData({ abi: mockStablecoinAbi, functionName: "approve", args: [deployed.pool, total] }),
        gas: TOKEN_GAS,
      },
      {
        to: deployed.pool,
        data: encodeFunctionData({
          abi: plauditPoolAbi,
          functionName: "subscribe",
          args: [reader.amount, BigInt(EPOCHS), 0n],
        }),
        // A storage write per epoch funded.
        gas: TOKEN_GAS + SUBSCRIBE_GAS_PER_EPOCH * BigInt(EPOCHS),
      },
    ];
    for (const [nonce, call] of calls.entries()) {
      const signed = await account.signTransaction({
        ...call,
        nonce,
        chainId: HARDHAT_CHAIN_ID,
        type: "eip1559",
        gas: call.gas,
        maxFeePerGas: 100_000_000_000n,
        maxPriorityFeePerGas: 1n,
      });
      hashes.push(await rpc<Hex>("eth_sendRawTransaction", [signed]));
    }
  }
  // Mine until a block comes out empty (the pool of pending transactions is drained), then check each.
  for (let mined = 1; mined > 0;) {
    await rpc("evm_mine");
    mined = (await rpc<{ transactions: unknown[] }>("eth_getBlockByNumber", ["latest", false])).transactions.length;
  }
  for (const hash of hashes) {
    const receipt = await rpc<{ status: Hex } | null>("eth_getTransactionReceipt", [hash]);
    if (receipt?.status !== "0x1") throw new Error(`funding transaction ${hash} did not succeed`);
  }
  await rpc("evm_setAutomine", [true]);
  log(`${READERS} readers subscribed for ${EPOCHS} epochs in ${seconds(t)}s`);

  const keeperDir = join(stateDir, "keeper");
  const keeper = await startKeeper({
    transport: http(node.rpcUrl),
    pool: deployed.pool,
    chainId: HARDHAT_CHAIN_ID,
    dataDir: keeperDir,
    privateKey: hardhatAccount(1).privateKey,
    settle: false,
    port: 0,
    ipRate: 1e9,
    readerRate: 1e9,
    graceSeconds: 60,
    logLevel: "warn",
  });
  cleanups.unshift(() => keeper.stop());
  const keeperClient = createKeeperClient(keeper.url);
  const claimer = createWalletClient({ chain, transport: http(node.rpcUrl), account: hardhatAccount(9).account });

  // 24 months: tallies to the keeper, a month of blocks, the keeper settles, creators claim twice a year.
  const popularity = zipfSampler(random, CREATORS);
  const blocksPerEpoch = Math.ceil(HISTORY_BLOCKS / EPOCHS);
  const blockInterval = Math.floor(EPOCH_LENGTH / blocksPerEpoch);
  t = performance.now();
  for (let epoch = 0n; epoch < BigInt(EPOCHS); epoch++) {
    const tallies = readers.map((reader) => {
      const clicks = new Map<Address, number>();
      for (let k = randomInt(random, 1, 6); k > 0; k--) {
        const creator = creators[popularity()] as Address;
        clicks.set(creator, (clicks.get(creator) ?? 0) + randomInt(random, 1, 5));
      }
      const sorted = [...clicks].sort(([a], [b]) => compareAddresses(a, b));
      const message = {
        reader: reader.address,
        epoch,
        seq: 1n,
        creators: sorted.map(([c]) => c),
        counts: sorted.map(([, n]) => n),
      };
      return {
        chainId: HARDHAT_CHAIN_ID,
        pool: deployed.pool,
        signer: reader.address,
        ...message,
        signature: sign(hashTypedData(tallyTypedData(domain, message)), reader.key),
        session: null,
      };
    });
    const queue = [...tallies];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let tally = queue.pop(); tally !== undefined; tally = queue.pop()) {
          await keeperClient.postTally(toWireTally(tally));
        }
      }),
    );
    await rpc("hardhat_mine", [numberToHex(blocksPerEpoch), numberToHex(blockInterval)]);
    await rpc("evm_setNextBlockTimestamp", [Number(epochBounds(schedule, epoch).end) + 120]);
    await rpc("evm_mine");
    const report = await keeper.settler!.settleEpoch(epoch);
    if (report.settled !== READERS) throw new Error(`epoch ${epoch}: settled ${report.settled} of ${READERS}`);
    if ((epoch + 1n) % BigInt(CLAIM_EVERY) === 0n) {
      for (const creator of creators) {
        const owed = await direct.readContract({
          address: deployed.pool,
          abi: plauditPoolAbi,
          functionName: "claimableOf",
          args: [creator],
        });
        if (owed === 0n) continue;
        await claimer.writeContract({
          address: deployed.pool,
          abi: plauditPoolAbi,
          functionName: "claim",
          args: [creator],
        });
      }
    }
    log(
      `epoch ${epoch}: ${report.settled} readers settled in ${report.transactions} transaction(s) (${seconds(t)}s so far)`,
    );
  }
  for (let i = 0; i < TIP_BLOCKS; i++) await rpc("evm_mine");
  const head = await direct.getBlockNumber();
  const historyBlocks = Number(head) - deployed.deployBlock;
  log(`history: ${historyBlocks} blocks after the pool's deployment, built in ${seconds(t)}s`);

  // The public tier in front of the chain, for pages; the indexer's operator picks its own plan (a proxy
  // of its own with the `archive` profile, counted the same way).
  const proxy = await startRpcLimitsProxy({
    upstream: node.rpcUrl,
    limits: {
      ...RPC_LIMIT_PROFILES.public,
      maxLogRange: LOG_RANGE,
      requestsPerSecond: PAGE_RPS,
      timeoutRate: TIMEOUT_RATE,
    },
  });
  cleanups.unshift(() => proxy.close());
  const indexerProxy = await startRpcLimitsProxy({
    upstream: node.rpcUrl,
    limits: {
      ...RPC_LIMIT_PROFILES.archive,
      maxLogRange: INDEXER_LOG_RANGE,
      requestsPerSecond: INDEXER_RPS,
      timeoutRate: TIMEOUT_RATE,
    },
  });
  cleanups.unshift(() => indexerProxy.close());
  const deployment: Deployment = {
    chainId: HARDHAT_CHAIN_ID,
    pool: deployed.pool,
    token: deployed.token,
    tokenSymbol: "mUSD",
    tokenDecimals: 6,
    startTime: deployed.startTime,
    epochLength: EPOCH_LENGTH,
    keeperTipBps: KEEPER_TIP_BPS,
    deployBlock: deployed.deployBlock,
    rpcUrl: proxy.url,
  };
  const deploymentFile = join(stateDir, "deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(deployment));

  log(
    `indexer: syncing ${historyBlocks} blocks through its own proxy (archive plan: ${INDEXER_LOG_RANGE}-block log ranges, ${INDEXER_RPS} calls/s)...`,
  );
  t = performance.now();
  const indexer = startIndexer({
    deploymentFile,
    rpcUrls: [indexerProxy.urlFor("indexer")],
    logRange: INDEXER_LOG_RANGE,
    port: await freePort(),
    databaseSchema: "plaudit",
    pgliteDir: join(stateDir, "pglite"),
  });
  cleanups.unshift(() => indexer.stop());
  await indexer.ready(4 * 3600_000);
  const client = createIndexerClient(indexer.url);
  for (;;) {
    if (((await client.indexedBlock())?.number ?? 0n) >= head) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const indexerSyncSec = seconds(t);
  const indexerStats = indexerProxy.stats();
  log(
    `indexer synced in ${indexerSyncSec}s: ${indexerStats.calls} RPC calls ` +
      `(${indexerStats.byMethod["eth_getLogs"] ?? 0} eth_getLogs, widest ${indexerStats.logs.maxRange} blocks), ` +
      `${indexerStats.rejected.timeouts} timed out, ${indexerStats.rejected.rateLimited} rate-limited`,
  );

  // A page's first look at 24 months: one request each to the indexer.
  const page = createIndexerClient(indexer.url);
  const timed = async <T>(load: () => Promise<T>) => {
    const started = performance.now();
    const value = await load();
    return { ms: Math.round((performance.now() - started) * 10) / 10, value };
  };
  const topCreator = creators[0] as Address;
  const creatorLoad = await timed(() => page.creatorEarnings(topCreator));
  const reader = readers[0]!;
  const readerLoad = await timed(() => page.readerHistory(reader.address));
  const claimable = await direct.readContract({
    address: deployed.pool,
    abi: plauditPoolAbi,
    functionName: "claimableOf",
    args: [topCreator],
  });
  if (creatorLoad.value.months.length < EPOCHS || creatorLoad.value.earned - creatorLoad.value.claimed !== claimable) {
    throw new Error(`the creator's history is incomplete: ${creatorLoad.value.months.length} months`);
  }
  const settledMonths = readerLoad.value.months.filter((m) => m.state === "Settled" && m.settlement?.payments !== null);
  if (readerLoad.value.months.length !== EPOCHS || settledMonths.length !== EPOCHS) {
    throw new Error(`the reader's history is incomplete: ${settledMonths.length} of ${EPOCHS} months settled`);
  }
  log(
    `creator history: ${creatorLoad.value.months.length} months, ${creatorLoad.value.claims.length} claims in ${creatorLoad.ms} ms; ` +
      `reader history: ${readerLoad.value.months.length} months with their payments in ${readerLoad.ms} ms`,
  );

  // The chain goes on while a tab idles: a block every 2 s, and every 20 s another reader acts (revoking
  // its sessions, a keeper-free action the idle tab's reader is not concerned by).
  const others = readers.slice(1);
  const chainGoesOn = async (idleSeconds: number) => {
    const started = performance.now();
    for (let tick = 1; performance.now() - started < idleSeconds * 1000; tick++) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const other = tick % 10 === 0 ? others.pop() : undefined;
      if (other === undefined) {
        await rpc("evm_mine");
        continue;
      }
      const wallet = createWalletClient({
        chain,
        transport: http(node.rpcUrl),
        account: privateKeyToAccount(other.key),
      });
      await wallet.writeContract({ address: deployed.pool, abi: plauditPoolAbi, functionName: "revokeSessions" });
    }
  };
  // One idle open dApp tab: the built dApp in Chromium on the reader page, its wallet connected, reading the
  // chain through the public proxy as a client of its own; with the indexer, and (when the page can scan
  // the history itself in reasonable time) without.
  const idleTab = (client: string, indexerUrl: string | undefined, readyTimeoutMs: number) =>
    measureIdleTab({
      deployment,
      indexerUrl,
      logRange: LOG_RANGE,
      proxy,
      client,
      account: privateKeyToAccount(reader.key),
      walletRpcUrl: node.rpcUrl,
      readyTestId: "paid-0",
      readyTimeoutMs,
      idleSeconds: IDLE_SECONDS,
      during: chainGoesOn,
    });
  const describeTab = (name: string, tab: IdleTabResult) =>
    log(
      `idle tab ${name}: history shown in ${tab.readyMs} ms after ${tab.loadCalls} RPC calls; then ` +
        `${tab.idleCalls} RPC calls in ${tab.idleSeconds}s idle = ${tab.idleRpcPerMin}/min ${JSON.stringify(tab.byMethod)}`,
    );
  const withIndexer = await idleTab("tab", indexer.url, 120_000);
  describeTab("with the indexer", withIndexer);
  const idleRpcPerMin = withIndexer.idleRpcPerMin;
  // Without an indexer the page scans the history in LOG_RANGE-block queries at PAGE_RPS first.
  const scanSeconds = historyBlocks / LOG_RANGE / PAGE_RPS;
  const measureWithout =
    process.env["BENCH_IDLE_WITHOUT_INDEXER"] === undefined
      ? scanSeconds <= MAX_SCAN_SECONDS
      : process.env["BENCH_IDLE_WITHOUT_INDEXER"] === "1";
  if (measureWithout) {
    describeTab("without an indexer", await idleTab("tab-no-indexer", undefined, (scanSeconds * 3 + 120) * 1000));
  } else {
    log(
      `idle tab without an indexer: not measured (its first scan of ${historyBlocks} blocks in ${LOG_RANGE}-block ` +
        `queries would take ${Math.round(scanSeconds / 60)} min at ${PAGE_RPS} calls/s; BENCH_IDLE_WITHOUT_INDEXER=1 forces it)`,
    );
  }

  const final = proxy.stats();
  log(
    `page proxy (public): ${final.calls} calls, by method ${JSON.stringify(final.byMethod)}, rejected ${JSON.stringify(final.rejected)}, widest log range ${final.logs.maxRange}`,
  );
  const indexerFinal = indexerProxy.stats();
  log(
    `indexer proxy (archive): ${indexerFinal.calls} calls, by method ${JSON.stringify(indexerFinal.byMethod)}, rejected ${JSON.stringify(indexerFinal.rejected)}, widest log range ${indexerFinal.logs.maxRange}`,
  );
  console.log(
    JSON.stringify({
      historyBlocks,
      indexerSyncSec,
      creatorHistoryMs: creatorLoad.ms,
      readerHistoryMs: readerLoad.ms,
      idleRpcPerMin,
      maxLogRange: final.logs.maxRange,
    }),
  );
} finally {
  for (const cleanup of cleanups) await cleanup();
}
