/**
 * Browser test of the history pages on a public RPC's limits: the built dApp reads the chain through
 * the limits proxy with a 10-block `eth_getLogs` range and 10 requests per second. A Hardhat chain holds
 * two settled months of two readers, spread over a few hundred blocks, and a claim. Twice, once with the
 * indexer configured and once without (the dApp then reads logs itself, in bounded ranges), the reader
 * page must show where each month's money went, to the last digit and with its transaction, and the
 * creator page each creator's earnings per month and claims; the proxy must have seen no log query over
 * its range, and with the indexer none at all from the dApp.
 *
 * Run: npm run test:e2e (builds the app first).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium, type Browser, type Page } from "playwright-core";
import { formatUnits, type Address, type Hex } from "viem";

import { compareAddresses, splitBudget } from "@plaudit/protocol";
import { startIndexer, type RunningIndexer } from "../indexer/launch.js";
import { deploymentFile } from "../scripts/local/deployment.js";
import { freePort } from "../scripts/local/ports.js";
import { serveApp, type Served } from "../scripts/local/servers.js";
import { RPC_LIMIT_PROFILES } from "../scripts/rpc-limits/limits.js";
import { startRpcLimitsProxy, type RpcLimitsProxy } from "../scripts/rpc-limits/proxy.js";
import {
  KEEPER_TIP_BPS,
  LOG_RANGE,
  people,
  startIndexerWorld,
  USD,
  type IndexerWorld,
} from "../test/indexer/fixture.js";
import { injectWallet, WALLET_NAME } from "./harness/wallet.js";

const appRoot = fileURLToPath(new URL("../app/", import.meta.url));
/** The dApp's limits: a free tier's 10-block log range and 10 calls per second. */
const DAPP_REQUESTS_PER_SECOND = 10;
const ALICE_PER_MONTH = 10n * USD;
const BOB_PER_MONTH = 5n * USD;

let world: IndexerWorld;
let proxy: RpcLimitsProxy;
let indexer: RunningIndexer;
let app: Served;
let browser: Browser;
let pgliteDir: string;
let deploymentJson = "";
const settleTx: Record<string, Hex> = {};

/** An amount as the token has it: every digit, written independently of the app's formatter. */
const mUSD = (units: bigint) => `${formatUnits(units, 6)} mUSD`;
const short = (address: Address) => `${address.slice(0, 6)}…${address.slice(-4)}`;

const creatorA = people.creatorA.address;
const creatorB = people.creatorB.address;
/** What the pool pays out of `budget` for `clicks` (creator, count), by the protocol's own split. */
function split(budget: bigint, clicks: [Address, number][]) {
  const sorted = [...clicks].sort(([a], [b]) => compareAddresses(a, b));
  return splitBudget(budget, KEEPER_TIP_BPS, [{ creators: sorted.map(([c]) => c), counts: sorted.map(([, n]) => n) }]);
}
const aliceMonth0 = split(ALICE_PER_MONTH, [
  [creatorA, 2],
  [creatorB, 1],
]);
const bobMonth0 = split(BOB_PER_MONTH, [[creatorA, 1]]);
const aliceMonth1 = split(ALICE_PER_MONTH, [[creatorB, 3]]);
const share = (s: ReturnType<typeof split>, creator: Address) => s.shares.get(creator) ?? 0n;
/** Creator A's month 0 (claimed later), creator B's months 0 and 1 (unclaimed). */
const earnedA0 = share(aliceMonth0, creatorA) + share(bobMonth0, creatorA);
const earnedB0 = share(aliceMonth0, creatorB);
const earnedB1 = share(aliceMonth1, creatorB);

before(async () => {
  world = await startIndexerWorld();
  const { alice, bob } = people;
  await world.subscribe(alice.account, ALICE_PER_MONTH, 3n, 0n);
  await world.subscribe(bob.account, BOB_PER_MONTH, 2n, 0n);
  // History spread over many log ranges: a page scanning it needs dozens of 10-block queries.
  await world.mine(60);
  await world.travelToEpoch(1n);
  settleTx["0"] = await world.settle(0n, [
    await world.selfSigned(alice.account, 0n, [
      [creatorA, 2],
      [creatorB, 1],
    ]),
    await world.selfSigned(bob.account, 0n, [[creatorA, 1]]),
  ]);
  await world.mine(50);
  await world.travelToEpoch(2n);
  settleTx["1"] = await world.settle(1n, [await world.selfSigned(alice.account, 1n, [[creatorB, 3]])]);
  await world.mine(30);
  await world.claimTo(people.creatorA.account, creatorA);
  await world.mine(20);

  proxy = await startRpcLimitsProxy({
    upstream: world.node.rpcUrl,
    limits: {
      ...RPC_LIMIT_PROFILES.public,
      maxLogRange: LOG_RANGE,
      requestsPerSecond: DAPP_REQUESTS_PER_SECOND,
      timeoutRate: 0,
    },
  });
  pgliteDir = await mkdtemp(join(tmpdir(), "plaudit-e2e-indexer-"));
  indexer = startIndexer({
    deploymentFile: world.deploymentFile,
    rpcUrls: [world.proxy.urlFor("indexer")],
    logRange: LOG_RANGE,
    pollingMs: 250,
    port: await freePort(),
    databaseSchema: "plaudit_e2e_history",
    pgliteDir,
  });
  await indexer.ready();
  app = await serveApp(join(appRoot, "dist"), () => deploymentJson);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await app?.stop().catch(() => undefined);
  await indexer?.stop().catch(() => undefined);
  await proxy?.close().catch(() => undefined);
  await world?.close().catch(() => undefined);
  if (pgliteDir !== undefined) await rm(pgliteDir, { recursive: true, force: true });
});

/** A new browser profile as `account`'s wallet, on the dApp configured with or without the indexer. */
async function openApp(withIndexer: boolean): Promise<Page> {
  deploymentJson = deploymentFile({
    ...world.deployment,
    rpcUrl: proxy.urlFor("dapp"),
    logRange: LOG_RANGE,
    ...(withIndexer ? { indexerUrl: indexer.url } : {}),
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await injectWallet(context, world.node.rpcUrl, people.alice.account);
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error("page error:", error.message));
  return page;
}

/** Each creator's row of a settled month's table: the exact amount paid. */
async function paidTo(page: Page, epoch: number, creator: Address): Promise<string | null> {
  return page
    .getByTestId(`paid-${epoch}`)
    .getByTestId("split-row")
    .filter({ hasText: short(creator) })
    .getByTestId("split-amount")
    .textContent();
}

/** Waits for `testId`; on a timeout, the error carries what the page showed instead. */
async function shown(page: Page, testId: string) {
  try {
    await page.getByTestId(testId).waitFor({ timeout: 60_000 });
  } catch (error) {
    throw new Error(`${testId} never showed; the page said:\n${await page.locator("main").innerText()}`, {
      cause: error,
    });
  }
}

async function checkPages(page: Page) {
  await page.goto(`${app.url}#/reader`);
  await page.getByRole("button", { name: `Connect ${WALLET_NAME}` }).click();
  await shown(page, "paid-0");
  await page.getByTestId("paid-1").waitFor({ timeout: 60_000 });
  // Month 0: both creators, to the last digit; the tip; the settle transaction.
  assert.equal(await page.getByTestId("paid-0").getByTestId("split-row").count(), 2);
  assert.equal(await paidTo(page, 0, creatorA), mUSD(share(aliceMonth0, creatorA)));
  assert.equal(await paidTo(page, 0, creatorB), mUSD(share(aliceMonth0, creatorB)));
  assert.equal(await page.getByTestId("paid-0").getByTestId("split-tip").textContent(), mUSD(aliceMonth0.tip));
  assert.equal(await page.getByTestId("settle-tx-0").textContent(), settleTx["0"]);
  // Month 1: creator B alone.
  assert.equal(await page.getByTestId("paid-1").getByTestId("split-row").count(), 1);
  assert.equal(await paidTo(page, 1, creatorB), mUSD(share(aliceMonth1, creatorB)));
  assert.equal(await page.getByTestId("settle-tx-1").textContent(), settleTx["1"]);

  // Creator A: month 0 only, all of it claimed.
  await page.goto(`${app.url}#/creator`);
  await page.getByPlaceholder(people.alice.address).fill(creatorA);
  await page
    .getByTestId("claimable")
    .getByText(`Claimable: ${mUSD(0n)} · claimed so far ${mUSD(earnedA0)}`)
    .waitFor({ timeout: 60_000 });
  const chart = page.getByRole("img", { name: /^Earnings per month:/ });
  assert.equal(await chart.getAttribute("aria-label"), `Earnings per month: Month 0, ${mUSD(earnedA0)}`);
  // Creator B: two months, nothing claimed.
  await page.getByPlaceholder(people.alice.address).fill(creatorB);
  await page
    .getByTestId("claimable")
    .getByText(`Claimable: ${mUSD(earnedB0 + earnedB1)} · claimed so far ${mUSD(0n)}`)
    .waitFor({ timeout: 60_000 });
  assert.equal(
    await chart.getAttribute("aria-label"),
    `Earnings per month: Month 0, ${mUSD(earnedB0)}; Month 1, ${mUSD(earnedB1)}`,
  );
}

test("with the indexer: the pages show the history and the dApp sends no log query", { timeout: 180_000 }, async () => {
  const page = await openApp(true);
  proxy.reset();
  await checkPages(page);
  const stats = proxy.stats();
  assert.equal(stats.byMethod.eth_getLogs ?? 0, 0, "the dApp read no logs: history came from the indexer");
  assert.ok((stats.byMethod.eth_call ?? 0) > 0, "live state came from the chain");
  await page.context().close();
});

test(
  "without an indexer: the pages show the same history from log queries within the 10-block range",
  { timeout: 300_000 },
  async () => {
    const page = await openApp(false);
    proxy.reset();
    await checkPages(page);
    const stats = proxy.stats();
    const head = Number(await world.head());
    const blocks = head - world.deployment.deployBlock + 1;
    assert.ok(
      stats.logs.queries >= Math.ceil(blocks / LOG_RANGE),
      `${stats.logs.queries} log queries cover ${blocks} blocks`,
    );
    assert.ok(stats.logs.maxRange <= LOG_RANGE, `the widest log query spanned ${stats.logs.maxRange} blocks`);
    assert.equal(stats.rejected.logRange, 0, "no log query was refused for its range");
    assert.ok((stats.logs.minFromBlock ?? 0) >= world.deployment.deployBlock, "nothing before the deployment was read");
    await page.context().close();
  },
);
