/**
 * `npm start`: the whole Plaudit system on this machine. A Hardhat node (in-memory chain), the mock
 * stablecoin and a pool with short epochs deployed by Ignition (LocalPlaudit), funded demo readers, the
 * keeper (SQLite under .plaudit/, settlement loop on), the indexer (Ponder, embedded PGlite under
 * .plaudit/), the built dApp with its plaudit.json, and a demo creator site embedding Plaudit buttons.
 * With `--rpc-limits public` the dApp, the keeper and the indexer reach the chain through the limits
 * proxy (a free tier's log range, rate and batch caps). Ctrl-C stops all of it. Options: `npm start -- --help`.
 */
import type { ChildProcess } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";

import { formatUnits } from "viem";

import { DEFAULT_KEEPER_TIP_BPS } from "../ignition/modules/PlauditPool.js";
import { startIndexer } from "../indexer/launch.js";
import { startKeeper, type RunningKeeper } from "../keeper/src/index.js";
import type { Deployment } from "@plaudit/protocol";
import { hardhatAccount, HARDHAT_CHAIN_ID, type TestAccount } from "./local/accounts.js";
import { buildApp, staleReason } from "./local/app-build.js";
import { demoItemUrl, demoSiteHtml, type DemoItem } from "./local/demo-site.js";
import { CompileError, compileContracts } from "./local/compile.js";
import { deployLocalPlaudit, fundReaders } from "./local/deploy-local.js";
import { deploymentFile } from "./local/deployment.js";
import { watchEpochs } from "./local/epoch-watch.js";
import { mineBlock, repoRoot, spawnHardhatNode } from "./local/hardhat-node.js";
import { parseStartOptions, portSetting, startHelpText, type StartOptions } from "./local/options.js";
import { checkPortsFree, PortInUseError } from "./local/ports.js";
import { serveApp, serveEmbeddingPage } from "./local/servers.js";
import { RPC_LIMIT_PROFILES } from "./rpc-limits/limits.js";
import { startRpcLimitsProxy } from "./rpc-limits/proxy.js";
import { CliOptionsError } from "../keeper/src/cli-options.js";

/** Whole tokens minted to each demo reader (scaled by the token's decimals). */
const READER_TOKENS = 1000n;
/** Said first, so a first run's silence while compiling and building is expected. */
const FIRST_RUN_NOTE =
  "a first run compiles the contracts and builds the dApp: about two minutes; later starts take seconds";
/** The indexer's database schema on the local PGlite (Ponder's `start` requires one). */
const LOCAL_INDEXER_SCHEMA = "plaudit_local";
/** How often the local indexer asks the chain for a new block. */
const LOCAL_INDEXER_POLLING_MS = 1000;
const say = (line = "") => process.stdout.write(`${line}\n`);
const step = (line: string) => say(`[plaudit] ${line}`);

// ------------------------------------------------------------------------------------------------
// Shutdown: everything started registers how to stop it; Ctrl-C runs them newest first.
// ------------------------------------------------------------------------------------------------

const stoppers: { name: string; stop: () => Promise<void> }[] = [];
const children = new Set<ChildProcess>();
/** A child process (compiler, dApp build) a shutdown must end. */
const track = (child: ChildProcess) => {
  children.add(child);
  child.once("exit", () => children.delete(child));
};
let forceKill = () => undefined as void;
let shuttingDown = false;
let shutdownAt = 0;

async function shutdown(reason: string, code: number): Promise<never | void> {
  if (shuttingDown) {
    // Ctrl-C reaches every process of the terminal's group and may be relayed too: one press can arrive
    // twice. Only a signal a while after the first forces the exit.
    if (Date.now() - shutdownAt < 2000) return;
    step("stopping now (second signal)");
    for (const child of children) child.kill("SIGKILL");
    forceKill();
    process.exit(code === 0 ? 130 : code);
  }
  shuttingDown = true;
  shutdownAt = Date.now();
  step(`${reason}: stopping`);
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  for (const { name, stop } of stoppers.reverse()) {
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve("timed out"), 10_000).unref());
    const result = await Promise.race([
      stop().then(
        () => "stopped",
        (error: unknown) => `failed: ${String(error)}`,
      ),
      timeout,
    ]);
    step(`${name} ${result}`);
  }
  process.exit(code);
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.on(signal, () => void shutdown(`${signal} received`, 0));
// If whatever started us (npm, a shell) goes away without passing a signal on, stop rather than linger.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown(`the parent process (${parentPid}) ended`, 0);
}, 1000).unref();

// ------------------------------------------------------------------------------------------------

async function main(options: StartOptions): Promise<void> {
  const chainHost = "127.0.0.1";
  const keeperUrl = `http://127.0.0.1:${options.keeperPort}`;
  const indexerUrl = `http://127.0.0.1:${options.indexerPort}`;
  const appUrl = `http://localhost:${options.appPort}/`;
  const siteUrl = `http://127.0.0.1:${options.sitePort}/`;

  // Every port is checked before anything starts.
  await checkPortsFree([
    { port: options.chainPort, hosts: [chainHost], purpose: "the Hardhat chain", setting: portSetting("chainPort") },
    { port: options.keeperPort, hosts: ["127.0.0.1"], purpose: "the keeper API", setting: portSetting("keeperPort") },
    {
      port: options.appPort,
      hosts: ["127.0.0.1", "::1"],
      purpose: "the dApp (http://localhost)",
      setting: portSetting("appPort"),
    },
    {
      port: options.sitePort,
      hosts: ["127.0.0.1"],
      purpose: "the demo creator site",
      setting: portSetting("sitePort"),
    },
    {
      port: options.indexerPort,
      hosts: ["127.0.0.1"],
      purpose: "the indexer's API",
      setting: portSetting("indexerPort"),
    },
    ...(options.rpcLimits === "public"
      ? [
          {
            port: options.rpcLimitsPort,
            hosts: ["127.0.0.1"],
            purpose: "the RPC limits proxy",
            setting: portSetting("rpcLimitsPort"),
          },
        ]
      : []),
  ]);

  // A fresh state directory per chain port: the chain is new each start, so is everything recorded about it.
  const stateDir = join(repoRoot, ".plaudit", `local-${options.chainPort}`);
  await rm(stateDir, { recursive: true, force: true });
  await mkdir(stateDir, { recursive: true });

  step(FIRST_RUN_NOTE);
  step(`starting the Hardhat chain on ${chainHost}:${options.chainPort}`);
  const node = spawnHardhatNode({ port: options.chainPort, host: chainHost });
  stoppers.push({ name: "Hardhat chain", stop: () => node.stop() });
  forceKill = () => node.kill();
  void node.exited.then((how) => {
    if (shuttingDown) return;
    if (how === "SIGINT" || how === "SIGTERM") void shutdown(`the Hardhat chain was stopped (${how})`, 0);
    else void shutdown(`the Hardhat chain exited unexpectedly (${how}):\n${node.log().slice(-2000)}`, 1);
  });

  const compileLog = join(stateDir, "compile.log");
  step(`compiling the contracts if they changed (compiler output in ${compileLog.replace(repoRoot, "")})`);
  const compiled = await compileContracts(repoRoot, compileLog, { track });
  for (const diagnostic of compiled.shown) say(diagnostic.text);
  if (compiled.thirdPartyWarnings > 0)
    step(
      `${compiled.thirdPartyWarnings} compiler warning(s) about third-party code (e.g. OpenZeppelin) left in ${compileLog.replace(repoRoot, "")}`,
    );
  const appDist = join(repoRoot, "app", "dist");
  const appSources = [
    "app/src",
    "app/public",
    "app/index.html",
    "app/button.html",
    "app/click.html",
    "app/vite.config.ts",
    "app/tsconfig.json",
    "protocol/src",
  ].map((p) => join(repoRoot, p));
  const stale = options.rebuild ? "--rebuild was given" : await staleReason(appDist, appSources);
  if (stale !== undefined) {
    step(`building the dApp (${stale.replace(repoRoot, "")})`);
    const built = await buildApp(repoRoot, track).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (built !== undefined) {
      if (shuttingDown) return;
      if (stale.includes("has no build yet"))
        throw new Error(`${built}; there is no earlier build in app/dist to serve`);
      step(`WARNING: ${built}; serving the earlier build in app/dist`);
    }
  } else step("the dApp in app/dist is up to date (--rebuild forces a build)");

  await node.ready();
  // Only now, with everything compiled and built, does epoch 0 start: none of it goes to waiting.
  step(`deploying LocalPlaudit with Ignition (epochs of ${options.epochLength} s, epoch 0 starting now)`);
  const deployment = await deployLocalPlaudit({
    repoRoot,
    rpcUrl: node.rpcUrl,
    stateDir,
    epochLength: options.epochLength,
    keeperTipBps: Number(DEFAULT_KEEPER_TIP_BPS),
    keeperUrl,
    token: options.token,
  });
  const readerFunds = READER_TOKENS * 10n ** BigInt(deployment.tokenDecimals);
  const deployer = hardhatAccount(0);
  const keeperAccount = hardhatAccount(1);
  const readers = [2, 3, 4].map(hardhatAccount);
  const creators = [5, 6, 7].map(hardhatAccount);
  // The relay signs with an account of its own: it never races the settler for a nonce.
  const relayAccount = hardhatAccount(8);
  step(
    `minting ${formatUnits(readerFunds, deployment.tokenDecimals)} ${deployment.tokenSymbol} to each of ${readers.length} demo readers`,
  );
  await fundReaders(node.rpcUrl, deployment.token, deployer, readers, readerFunds);

  // The chain as each part reaches it: directly, or through a free tier's limits (each part its own client).
  let chainUrlFor = (_client: string) => node.rpcUrl;
  let logRange: number | undefined;
  if (options.rpcLimits === "public") {
    const limits = RPC_LIMIT_PROFILES.public;
    const proxy = await startRpcLimitsProxy({
      upstream: node.rpcUrl,
      limits,
      host: "127.0.0.1",
      port: options.rpcLimitsPort,
    });
    stoppers.push({ name: "RPC limits proxy", stop: () => proxy.close() });
    chainUrlFor = (client) => proxy.urlFor(client);
    logRange = limits.maxLogRange;
    step(
      `RPC limits proxy on ${proxy.url}: eth_getLogs over ${limits.maxLogRange} blocks refused, ${limits.requestsPerSecond} calls/s per client, ` +
        `batches of ${limits.maxBatch}, ${limits.timeoutRate * 100}% timeouts; counts at ${proxy.url}/limits/stats`,
    );
  }

  const indexerDir = join(stateDir, "indexer");
  step(`starting the indexer on ${indexerUrl} (Ponder, PGlite in ${indexerDir.replace(repoRoot, "")})`);
  const indexer = startIndexer({
    deploymentFile: join(stateDir, "deployments", `${deployment.chainId}.json`),
    rpcUrls: [chainUrlFor("indexer")],
    logRange,
    pollingMs: LOCAL_INDEXER_POLLING_MS,
    port: options.indexerPort,
    pgliteDir: indexerDir,
    databaseSchema: LOCAL_INDEXER_SCHEMA,
  });
  stoppers.push({ name: "indexer", stop: () => indexer.stop() });
  void indexer.exited.then((how) => {
    if (!shuttingDown) void shutdown(`the indexer exited unexpectedly (${how}):\n${indexer.log().slice(-2000)}`, 1);
  });
  const indexerStarted = indexer.started();

  step(`starting the keeper on ${keeperUrl} (SQLite in ${join(stateDir, "keeper").replace(repoRoot, "")})`);
  const keeper: RunningKeeper = await startKeeper({
    rpcUrl: chainUrlFor("keeper"),
    pool: deployment.pool,
    chainId: HARDHAT_CHAIN_ID,
    privateKey: keeperAccount.privateKey,
    relayKey: relayAccount.privateKey,
    dataDir: join(stateDir, "keeper"),
    host: "127.0.0.1",
    port: options.keeperPort,
    corsOrigins: [new URL(appUrl).origin],
    // "Applaud a page" may find the demo site's creators: its server is on this loopback address.
    discoverAllowHosts: ["127.0.0.1"],
    settle: true,
    graceSeconds: options.grace,
    pollIntervalMs: 2000,
    logLevel: options.keeperLogLevel,
  });
  stoppers.push({ name: "keeper", stop: () => keeper.stop() });
  await indexerStarted;

  const json = deploymentFile({
    ...deployment,
    rpcUrl: chainUrlFor("dapp"),
    keeperUrl,
    indexerUrl: indexer.url,
    ...(logRange === undefined ? {} : { logRange }),
  });
  const app = await serveApp(appDist, () => json, { port: options.appPort, host: "127.0.0.1" });
  stoppers.push({ name: "dApp server", stop: () => app.stop() });

  const items: DemoItem[] = [
    {
      creatorName: "Ada (creator A)",
      creator: creators[0]!.address,
      title: "An essay on paying for the open web",
      path: "/essays/open-web",
    },
    {
      creatorName: "Ada (creator A)",
      creator: creators[0]!.address,
      title: "Notes on micropayments",
      path: "/essays/micropayments",
    },
    {
      creatorName: "Ben (creator B)",
      creator: creators[1]!.address,
      title: "A song recorded at home",
      path: "/music/home-recording",
    },
    {
      creatorName: "Cleo (creator C)",
      creator: creators[2]!.address,
      title: "A photo series of the harbour",
      path: "/photos/harbour",
    },
  ];
  const site = await serveEmbeddingPage(demoSiteHtml({ appUrl, siteUrl, items }), {
    port: options.sitePort,
    host: "127.0.0.1",
  });
  stoppers.push({ name: "demo site server", stop: () => site.stop() });

  // Hardhat automines only on transactions: a block every few seconds keeps chain time on the clock,
  // so epochs end on their own and the keeper sees it.
  const watcher = watchEpochs({ keeperUrl: keeper.url, graceSeconds: options.grace, print: step });
  let ticking = false;
  const ticker = setInterval(() => {
    if (ticking || shuttingDown) return;
    ticking = true;
    void mineBlock(node.rpcUrl)
      .catch(() => undefined)
      .then(() => watcher.tick())
      .finally(() => void (ticking = false));
  }, options.mineInterval * 1000);
  stoppers.push({ name: "block ticker", stop: async () => clearInterval(ticker) });
  await watcher.tick();

  printBanner({
    options,
    deployment,
    appUrl,
    siteUrl,
    keeperUrl: keeper.url,
    indexerUrl: indexer.url,
    rpcUrl: node.rpcUrl,
    readers,
    creators,
    items,
    stateDir,
    readerFunds,
  });
}

function printBanner(p: {
  options: StartOptions;
  deployment: Deployment;
  appUrl: string;
  siteUrl: string;
  keeperUrl: string;
  indexerUrl: string;
  rpcUrl: string;
  readers: TestAccount[];
  creators: TestAccount[];
  items: DemoItem[];
  stateDir: string;
  readerFunds: bigint;
}): void {
  const { deployment: d } = p;
  const time = (unix: number) => new Date(unix * 1000).toLocaleTimeString();
  const funds = `${formatUnits(p.readerFunds, d.tokenDecimals)} ${d.tokenSymbol}`;
  say();
  say("Plaudit is running on this machine. Ctrl-C stops everything.");
  say();
  say(`  dApp          ${p.appUrl}   (#/reader, #/creator, #/status)`);
  say(`  demo site     ${p.siteUrl}   (a creator's site on another origin, with Plaudit buttons)`);
  say(`  keeper API    ${p.keeperUrl}   (/healthz, /v1/config, /v1/epochs/current, /v1/relay/policy)`);
  say(
    `  indexer API   ${p.indexerUrl}   (/v1/epochs, /v1/readers/:reader/history, /v1/creators/:creator/earnings, /ready)`,
  );
  say(
    `  chain RPC     ${p.rpcUrl}   chain id ${d.chainId}${p.options.rpcLimits === "public" ? " (for wallets; the dApp, keeper and indexer go through the limits proxy)" : ""}`,
  );
  say(`  pool          ${d.pool}`);
  say(
    `  token         ${d.token} (${d.tokenSymbol}, ${d.tokenDecimals} decimals, anyone may mint; --token ${p.options.token})`,
  );
  say(
    `  epochs        ${p.options.epochLength} s each: epoch 0 ${time(d.startTime)} to ${time(d.startTime + d.epochLength)}; ` +
      `the keeper settles ${p.options.grace} s after each end; a block every ${p.options.mineInterval} s`,
  );
  say(
    `  plaudit.json  ${p.appUrl}plaudit.json  (also ${join(p.stateDir, "deployments", `${d.chainId}.json`).replace(repoRoot, "")})`,
  );
  say();
  say(`Wallet: add the network "Plaudit local" to MetaMask: RPC ${p.rpcUrl}, chain id ${d.chainId}, currency ETH.`);
  say("Import a demo account by its private key. These are Hardhat's PUBLIC test keys: never send real funds to them.");
  for (const [i, r] of p.readers.entries())
    say(`  reader ${i + 1}    ${r.address}  ${funds}, 10000 ETH  key ${r.privateKey}`);
  for (const [i, c] of p.creators.entries()) {
    const name = String.fromCharCode(65 + i);
    const count = p.items.filter((item) => item.creator === c.address).length;
    say(`  creator ${name}   ${c.address}  ${count} button(s) on the demo site      key ${c.privateKey}`);
  }
  say();
  say("What to try:");
  say(
    `  1. Open ${p.appUrl}#/reader, connect a reader account, subscribe (e.g. 10 ${d.tokenSymbol} for 2 epochs: one permit signature, one transaction).`,
  );
  say("  2. Turn on one-click mode (one signature; the session key stays in the dApp's origin).");
  say(
    `  3. Open ${p.siteUrl} and click the buttons (a small pop-up of the dApp signs each click; one click per item per epoch).`,
  );
  say(
    `     ${demoItemUrl(p.siteUrl, p.items[0]!)} is one of the items; the dApp's reader page shows this epoch's clicks and the projected split.`,
  );
  say(
    `  4. Wait for the epoch to end (this terminal says so); the keeper settles it ${p.options.grace} s later and this terminal says so.`,
  );
  say(
    `  5. Open ${p.appUrl}#/creator, enter a creator's address and claim (anyone may pay the gas of a creator's claim).`,
  );
  say();
  say("Every start is a new in-memory chain: state (chain, keeper database, Ignition journal) starts empty.");
  say("After a restart MetaMask may remember old nonces: Settings > Advanced > Clear activity tab data.");
  say();
}

let options: StartOptions | "help";
try {
  options = parseStartOptions(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof CliOptionsError)) throw error;
  process.stderr.write(`npm start: ${error.message}\n`);
  process.exit(2);
}
if (options === "help") {
  say(startHelpText());
  process.exit(0);
}

main(options).catch((error: unknown) => {
  if (shuttingDown) return;
  if (error instanceof PortInUseError) {
    process.stderr.write(`npm start: nothing was started:\n  ${error.problems.join("\n  ")}\n`);
    process.exit(2);
  }
  // A compile error is the compiler's own words; anything else comes with its stack.
  const detail =
    error instanceof CompileError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`npm start: failed: ${detail}\n`);
  void shutdown("start failed", 1);
});
