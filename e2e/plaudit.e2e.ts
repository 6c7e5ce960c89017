/**
 * Browser test of the dApp through its real built pages, against a local Hardhat chain and the real
 * keeper, with a test wallet injected as an EIP-1193 provider. Chromium from apt drives:
 * subscribe with permit (after one rejected signature), enable one-click mode, click two buttons
 * embedded on another site (127.0.0.1 against localhost) through the first-party pop-up (this Chromium
 * blocks third-party storage, and the reader says "not now" to skipping the window), end the
 * epoch, settle it from the dApp with the tallies the browser kept, see where the money went, claim for
 * both creators; an unsettled month expires and comes back; then checks balances on chain. Along the
 * way: one-click mode asks for a budget first, amounts are exact (and rounded views add up), axe-core
 * finds no serious accessibility problem on the reader, creator and status pages, and no request of the
 * app's origin fails (favicon). Screenshots of each step land in e2e/artifacts/.
 *
 * Run: npm run test:e2e (builds the app first).
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium, type Browser, type BrowserContext, type Frame, type Page } from "playwright-core";
import { formatUnits, type Address } from "viem";

import { type Deployment, mockStablecoinAbi, plauditPoolAbi, scriptSnippet, splitBudget } from "@plaudit/protocol";
import {
  accounts,
  CHAIN_ID,
  clients,
  deployPool,
  startHardhatNode,
  travelTo,
  type Deployed,
  type LocalChain,
} from "./harness/chain.js";
import { deploymentFile } from "../scripts/local/deployment.js";
import { serveApp, serveEmbeddingPage, type Served } from "../scripts/local/servers.js";
import { expectAccessible } from "./harness/axe.js";
import { clickClosingButton } from "./harness/popup.js";
import { injectWallet, WALLET_NAME, type TestWallet } from "./harness/wallet.js";
import { startKeeper, testKeeperOptions, type RunningKeeper } from "./harness/keeper.js";

const appRoot = fileURLToPath(new URL("../app/", import.meta.url));

const ARTIFACTS = fileURLToPath(new URL("artifacts", import.meta.url));
const EPOCH_LENGTH = 3600;
const TIP_BPS = 50;
const USD = 1_000_000n;
const READER_FUNDS = 100n * USD;
const PER_MONTH = 10n * USD;
/** The embedding page's title: what its script snippets declare as their items' title by default. */
const SITE_TITLE = "A creator's site";
const ITEM_A = "https://creator-a.example/essay";
const ITEM_B = "https://creator-b.example/song";
const ITEM_A2 = "https://creator-a.example/second-essay";

let chain: LocalChain;
let deployed: Deployed;
let keeper: RunningKeeper;
let restartKeeper: () => Promise<void>;
let app: Served;
let embed: Served;
let browser: Browser;
let context: BrowserContext;
let wallet: TestWallet;
let dataDir: string;
let shot = 0;
/** Requests to the app's origin that failed (a missing favicon would show here). */
const notFound: string[] = [];

/** An amount as the token has it: every digit, written independently of the app's formatter. */
const mUSD = (units: bigint) => `${formatUnits(units, 6)} mUSD`;

async function screenshot(page: Page, name: string) {
  shot++;
  await page.screenshot({ path: join(ARTIFACTS, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true });
}

before(async () => {
  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(ARTIFACTS, { recursive: true });
  chain = await startHardhatNode();
  deployed = await deployPool(chain.rpcUrl, EPOCH_LENGTH, TIP_BPS);
  const { publicClient, walletFor } = clients(chain.rpcUrl);
  const mint = await walletFor(accounts.deployer).writeContract({
    address: deployed.token,
    abi: mockStablecoinAbi,
    functionName: "mint",
    args: [accounts.reader.address, READER_FUNDS],
  });
  await publicClient.waitForTransactionReceipt({ hash: mint });

  dataDir = await mkdtemp(join(tmpdir(), "plaudit-e2e-keeper-"));
  const deploymentBase = {
    chainId: CHAIN_ID,
    rpcUrl: chain.rpcUrl,
    pool: deployed.pool,
    token: deployed.token,
    tokenSymbol: "mUSD",
    tokenDecimals: 6,
    startTime: deployed.startTime,
    epochLength: deployed.epochLength,
    keeperTipBps: deployed.keeperTipBps,
    deployBlock: deployed.deployBlock,
  } satisfies Omit<Deployment, "keeperUrl">;
  // The keeper must know the app's origin (CORS) and the app the keeper's URL: serve the app first.
  let deploymentJson = "";
  app = await serveApp(join(appRoot, "dist"), () => deploymentJson);
  const keeperOptions = testKeeperOptions(chain.rpcUrl, deployed.pool, dataDir, new URL(app.url).origin);
  keeper = await startKeeper(keeperOptions);
  // The same keeper (same port and database) again, after an outage.
  restartKeeper = async () => {
    keeper = await startKeeper({ ...keeperOptions, port: Number(new URL(keeper.url).port) });
  };
  deploymentJson = deploymentFile({ ...deploymentBase, keeperUrl: keeper.url });
  const appUrl = app.url;
  embed = await serveEmbeddingPage(`<!doctype html><html><head><meta charset="utf-8"><title>${SITE_TITLE}</title></head>
<body><h1>A creator's site on another origin</h1>
<p>Essay by creator A</p>${scriptSnippet({ appUrl, creator: accounts.creatorA.address, itemUrl: ITEM_A })}
<p>Song by creator B</p>${scriptSnippet({ appUrl, creator: accounts.creatorB.address, itemUrl: ITEM_B })}
<p>Second essay by creator A</p>${scriptSnippet({ appUrl, creator: accounts.creatorA.address, itemUrl: ITEM_A2 })}
</body></html>`);

  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  wallet = await injectWallet(context, chain.rpcUrl, accounts.reader);
  context.on("response", (response) => {
    if (response.status() >= 400 && response.url().startsWith(app.url)) notFound.push(response.url());
  });
});

after(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await keeper?.stop().catch(() => undefined);
  await app?.stop().catch(() => undefined);
  await embed?.stop().catch(() => undefined);
  await chain?.stop().catch(() => undefined);
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

async function buttonFrame(page: Page, creator: Address, item: string): Promise<Frame> {
  const handle = await page.waitForSelector(
    `iframe[src*="creator=${creator}"][src*="url=${encodeURIComponent(item)}"]`,
  );
  const frame = await handle.contentFrame();
  assert.ok(frame, "button iframe has a frame");
  await frame.waitForSelector("#plaudit-button:not([disabled])");
  return frame;
}

/**
 * Clicks a button through the first-party click window and waits for the button to show `outcome`. The
 * first window on a site asks whether the site's buttons may skip it this month; `notNow` answers no,
 * so every click of this test goes through a window.
 */
async function clickThroughPopup(frame: Frame, outcome: string, { notNow = false } = {}): Promise<void> {
  const popupPromise = context.waitForEvent("page");
  await frame.click("#plaudit-button");
  const popup = await popupPromise;
  assert.match(popup.url(), /\/click\.html$/);
  const closed = popup.waitForEvent("close", { timeout: 30_000 });
  if (notNow) await clickClosingButton(popup, popup.getByRole("button", { name: "Not now" }));
  await closed.catch(async () => {
    await screenshot(popup, "popup-stuck");
    throw new Error(`the click pop-up stayed open: ${await popup.textContent("body")}`);
  });
  await frame.waitForSelector(`#plaudit-button[data-outcome="${outcome}"]`);
}

test("a reader subscribes, applauds on another site, settles; creators claim", { timeout: 300_000 }, async () => {
  const { publicClient } = clients(chain.rpcUrl);
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error("page error:", error.message));
  await page.goto(`${app.url}#/reader`);

  // Connect the EIP-6963 test wallet.
  await page.getByRole("button", { name: `Connect ${WALLET_NAME}` }).click();
  await page.getByTestId("account").waitFor();
  await screenshot(page, "connected");

  // No budget yet: one-click mode says plainly that clicks would not count, and offers to subscribe first.
  await page.getByTestId("one-click-no-budget").getByText("Clicks will not count").waitFor();
  assert.equal(
    (await page.getByTestId("enable-one-click").textContent())?.trim(),
    "Enable anyway (clicks will not count)",
  );
  // With the keyboard alone: "Subscribe first" takes the reader to the amount field.
  await page.getByRole("button", { name: "Subscribe first" }).press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "sub-amount");
  await screenshot(page, "one-click-no-budget");
  await expectAccessible(page, "the reader page, connected, no budget");

  // A rejected permit signature is explained, then the subscription goes through with one transaction.
  await page.getByTestId("sub-amount").fill("10");
  await page.getByTestId("sub-months").fill("2");
  wallet.rejectNext();
  await page.getByTestId("subscribe").click();
  await page.getByText("You rejected the request in your wallet.").waitFor();
  await screenshot(page, "permit-rejected");
  const sentBefore = wallet.requests.filter((m) => m === "eth_sendTransaction").length;
  // Enter in the form subscribes, as the button does.
  await page.getByTestId("sub-months").press("Enter");
  await page.getByText("Subscribe: done").waitFor({ timeout: 30_000 });
  assert.equal(
    wallet.requests.filter((m) => m === "eth_sendTransaction").length,
    sentBefore + 1,
    "subscribing takes one transaction",
  );
  const [budget0] = await publicClient.readContract({
    address: deployed.pool,
    abi: plauditPoolAbi,
    functionName: "budgetOf",
    args: [accounts.reader.address, 0n],
  });
  assert.equal(budget0, PER_MONTH);
  await page.getByTestId("budgets").getByText("10 mUSD").first().waitFor();
  await screenshot(page, "subscribed");

  // One-click mode: with a budget no warning; one signature, the key stays in the dApp's origin.
  await page.getByTestId("one-click-no-budget").waitFor({ state: "detached" });
  assert.equal((await page.getByTestId("enable-one-click").textContent())?.trim(), "Enable one-click mode");
  await page.getByTestId("enable-one-click").click();
  await page.getByTestId("one-click-status").waitFor();
  await screenshot(page, "one-click-on");

  // Applaud two items on a page of another site; each click goes through the first-party pop-up.
  const site = await context.newPage();
  await site.goto(embed.url);
  const frameA = await buttonFrame(site, accounts.creatorA.address, ITEM_A);
  const frameB = await buttonFrame(site, accounts.creatorB.address, ITEM_B);
  await screenshot(site, "embedded-buttons");
  await clickThroughPopup(frameA, "counted", { notNow: true });
  await clickThroughPopup(frameB, "counted");
  assert.equal(await frameA.textContent("#plaudit-count"), "1");
  assert.equal(await frameB.textContent("#plaudit-count"), "1");
  await screenshot(site, "clicked");

  // A second click on the same item in the same epoch does not count again.
  await clickThroughPopup(frameA, "already");
  assert.match((await frameA.textContent("#plaudit-status")) ?? "", /already applauded/i);

  // The keeper holds the newest tally: seq 2, one click for each creator.
  const keeperTally = async () => {
    const response = await fetch(`${keeper.url}/v1/readers/${accounts.reader.address}/tallies?epoch=0`);
    const body = (await response.json()) as {
      tallies: { seq: string | number; creators: Address[]; counts: number[] }[];
    };
    assert.equal(body.tallies.length, 1, "one signing key, one tally");
    return body.tallies[0] as (typeof body.tallies)[number];
  };
  assert.equal(String((await keeperTally()).seq), "2");
  assert.deepEqual((await keeperTally()).counts, [1, 1]);

  // The keeper goes down: a click is signed and queued, not lost, and the dApp tab delivers it later.
  await keeper.stop();
  const frameA2 = await buttonFrame(site, accounts.creatorA.address, ITEM_A2);
  await clickThroughPopup(frameA2, "queued");
  assert.match((await frameA2.textContent("#plaudit-status")) ?? "", /not counted yet/);
  assert.notEqual(await frameA2.getAttribute("#plaudit-button", "data-clicked"), "true", "a queued click looks queued");
  await screenshot(site, "clicked-while-keeper-down");
  await page.bringToFront();
  await page.getByTestId("outbox-banner").waitFor({ timeout: 15_000 });
  await screenshot(page, "click-queued");
  await restartKeeper();
  await page.getByTestId("outbox-banner").waitFor({ state: "detached", timeout: 60_000 });
  const delivered = await keeperTally();
  assert.equal(String(delivered.seq), "3");
  const clicks = new Map(delivered.creators.map((c, i) => [c, delivered.counts[i]]));
  assert.equal(clicks.get(accounts.creatorA.address), 2);
  assert.equal(clicks.get(accounts.creatorB.address), 1);

  // The reader sees this month's clicks and the projected split, rounded to cents so that it still adds
  // up: 9.95 to creators (not 9.93) plus the 0.05 tip is the 10 budgeted.
  await page
    .getByTestId("clicks-0")
    .getByText(/^3 clicks/)
    .waitFor({ timeout: 15_000 });
  const projected = page.getByTestId("projected-0");
  const projectedRows = (await projected.getByTestId("split-amount").allTextContents()).sort();
  assert.deepEqual(projectedRows, ["3.32 mUSD", "6.63 mUSD"]);
  assert.equal(await projected.getByTestId("split-to-creators").textContent(), "9.95 mUSD");
  assert.equal(await projected.getByTestId("split-tip").textContent(), "0.05 mUSD");
  assert.equal(await projected.getByTestId("split-budget").textContent(), "10.00 mUSD");
  await screenshot(page, "projected-split");
  await expectAccessible(page, "the reader page with this month's clicks");

  // End the epoch; nobody settles it, so the reader settles it from the dApp.
  await travelTo(chain.rpcUrl, deployed.startTime + EPOCH_LENGTH + 1);
  await page.reload();
  await page.getByTestId("account").waitFor();
  await page.getByTestId("month-0").getByText("Not settled yet").waitFor({ timeout: 30_000 });
  await page.getByTestId("projected-0").waitFor({ timeout: 15_000 });
  await screenshot(page, "month-waiting-for-settlement");
  await page.getByTestId("settle-0").click({ timeout: 30_000 });
  await page
    .getByTestId("settle-outcome")
    .getByText(/Settled: 3 clicks/)
    .waitFor({ timeout: 30_000 });
  await screenshot(page, "settled");

  // What the pool must have paid: the protocol's own split of the reader's tally.
  const creators = [accounts.creatorA.address, accounts.creatorB.address].sort((a, b) =>
    BigInt(a) < BigInt(b) ? -1 : 1,
  );
  const counts = creators.map((c) => clicks.get(c) ?? 0);
  const expected = splitBudget(PER_MONTH, TIP_BPS, [{ creators, counts }]);
  const share = (creator: Address) => expected.shares.get(creator) ?? 0n;

  // Where the money went: each creator paid, with the items and the exact amount, the tip, the transaction.
  const [settledLog] = await publicClient.getContractEvents({
    address: deployed.pool,
    abi: plauditPoolAbi,
    eventName: "ReaderSettled",
    args: { reader: accounts.reader.address, epoch: 0n },
    fromBlock: 0n,
  });
  assert.ok(settledLog, "the pool logged the reader's settlement");
  const paid = page.getByTestId("paid-0");
  await paid.waitFor({ timeout: 20_000 });
  assert.equal(await paid.getByTestId("split-row").count(), 2);
  const rowOf = (creator: Address) =>
    paid.getByTestId("split-row").filter({ hasText: `${creator.slice(0, 6)}…${creator.slice(-4)}` });
  for (const creator of creators)
    assert.equal(await rowOf(creator).getByTestId("split-amount").textContent(), mUSD(share(creator)));
  const rowA = rowOf(accounts.creatorA.address);
  // Each item links to its URL, named by the title its button declared: the script snippet's default,
  // the embedding page's own title.
  const itemLinks = rowA.locator("li").getByTestId("item-link");
  assert.deepEqual(
    await itemLinks.evaluateAll((links) => links.map((a) => a.getAttribute("href"))),
    [ITEM_A, ITEM_A2],
    "creator A's items are listed",
  );
  assert.deepEqual(await itemLinks.allTextContents(), [SITE_TITLE, SITE_TITLE], "creator A's items are named");
  assert.equal(await paid.getByTestId("split-to-creators").textContent(), mUSD(PER_MONTH - expected.tip));
  assert.equal(await paid.getByTestId("split-tip").textContent(), mUSD(expected.tip));
  assert.equal(await paid.getByTestId("split-budget").textContent(), "10 mUSD");
  assert.equal(await page.getByTestId("settle-tx-0").textContent(), settledLog.transactionHash);
  await screenshot(page, "where-my-money-went");
  await expectAccessible(page, "the reader page after a settlement");

  // The creator page opens clean: no problem is shown before anything is typed.
  await page.goto(`${app.url}#/creator`);
  await page.getByTestId("claimable").waitFor({ timeout: 20_000 });
  assert.equal(await page.locator(".error:not(:empty)").count(), 0, "no error before typing");
  await expectAccessible(page, "the creator page");
  // Claim for both creators (anyone may pay for a creator's claim): claimable to the last digit.
  for (const creator of [accounts.creatorA.address, accounts.creatorB.address]) {
    await page.getByPlaceholder(accounts.reader.address).fill(creator);
    await page
      .getByTestId("claimable")
      .getByText(`Claimable: ${mUSD(share(creator))}`)
      .waitFor({ timeout: 20_000 });
    await page.getByTestId("claim").click();
    await page.getByText("Claim: done").waitFor({ timeout: 30_000 });
    await screenshot(page, `claimed-${creator.slice(0, 8)}`);
  }
  // The snippet generator validates as the creator types.
  await page.getByTestId("item-url").fill("creator-a.example/essay");
  await page.getByTestId("item-url-help").getByText("starting with https://").waitFor();
  assert.equal(await page.getByTestId("item-url").getAttribute("aria-invalid"), "true");
  await page.getByTestId("item-url").fill(ITEM_A);
  await page.getByTestId("snippet-script").waitFor();
  assert.equal(await page.getByTestId("item-url").getAttribute("aria-invalid"), null);
  await screenshot(page, "snippet-generator");

  // Month 1 had a budget and no clicks; nobody settles it. After its settlement window it comes back.
  await travelTo(chain.rpcUrl, deployed.startTime + 3 * EPOCH_LENGTH + 1);
  await page.goto(`${app.url}#/reader`);
  await page.getByTestId("returned-1").getByText("comes back to you").waitFor({ timeout: 30_000 });
  await page.getByTestId("withdraw").getByText("(10 mUSD)").waitFor({ timeout: 20_000 });
  await page.getByTestId("withdraw").click();
  await page.getByText("Withdraw: done").waitFor({ timeout: 30_000 });
  await page.getByTestId("returned-1").getByText("came back to you").waitFor({ timeout: 20_000 });
  await screenshot(page, "expired-month-returned");

  // On chain: the creators hold their shares, the reader paid 20 and got the keeper tip back.
  const balance = (owner: Address) =>
    publicClient.readContract({
      address: deployed.token,
      abi: mockStablecoinAbi,
      functionName: "balanceOf",
      args: [owner],
    });
  assert.equal(await balance(accounts.creatorA.address), share(accounts.creatorA.address));
  assert.equal(await balance(accounts.creatorB.address), share(accounts.creatorB.address));
  // The reader paid month 0 (and got its tip back as the one who settled it); month 1 came back.
  assert.equal(await balance(accounts.reader.address), READER_FUNDS - PER_MONTH + expected.tip);
  for (const creator of [accounts.creatorA.address, accounts.creatorB.address]) {
    assert.equal(
      await publicClient.readContract({
        address: deployed.pool,
        abi: plauditPoolAbi,
        functionName: "claimableOf",
        args: [creator],
      }),
      0n,
    );
  }
  await page.goto(`${app.url}#/status`);
  await page.getByTestId("settlement").waitFor();
  await screenshot(page, "status");
  await expectAccessible(page, "the status page");
  assert.deepEqual(notFound, [], "every request to the app's origin succeeded");
});
