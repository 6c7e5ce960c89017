/**
 * At most one window per site: a reader with one-click mode on clicks Plaudit buttons on creators'
 * sites (127.0.0.x, other sites than the dApp's localhost), in two Chromium set-ups with storage
 * partitioning on, as Chrome has it:
 *   - Chrome's default (third-party cookies allowed): the button frame reaches the dApp's first-party
 *     storage through the Storage Access API without asking. The first click opens the click window,
 *     where the reader allows the site for the month; the next ten clicks, on ten other items, open no
 *     window and are counted; a clickjacked click counts nothing; a button inside another site's widget
 *     still goes through a window. Before that, a click without a budget (on another site) is shown as
 *     queued, never as counted.
 *   - Incognito (third-party cookies blocked): the frame has only a partition, and "Allow" hands it a
 *     grant with the one-click key; two more clicks sign in the frame (on top of the other signers'
 *     tallies of the same key); after the reader revokes its keys on chain, a click signs nothing and
 *     the frame deletes its copy of the key.
 * axe-core checks the button and the click window. The keeper's stored tally and per-item counts are
 * the judge. Screenshots land in e2e/artifacts/one-window/.
 *
 * Run: npm run test:e2e (builds the app first).
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium, type Browser, type BrowserContext, type Frame, type Page } from "playwright-core";
import type { Address } from "viem";

import { BUTTON_WIDTH, type Deployment, mockStablecoinAbi, plauditPoolAbi, scriptSnippet } from "@plaudit/protocol";
import { keys } from "../app/src/lib/recordKeys.js";
import { newSessionKey, saveSession, sessionRequest } from "../app/src/lib/session.js";
import { memoryStore } from "../app/src/lib/storage.js";
import { deploymentFile } from "../scripts/local/deployment.js";
import { serveApp, serveEmbeddingPage, type Served } from "../scripts/local/servers.js";
import {
  accounts,
  CHAIN_ID,
  clients,
  deployPool,
  startHardhatNode,
  type Deployed,
  type LocalChain,
} from "./harness/chain.js";
import { expectAccessible } from "./harness/axe.js";
import { startKeeper, testKeeperOptions, type RunningKeeper } from "./harness/keeper.js";
import { clickClosingButton } from "./harness/popup.js";

const appRoot = fileURLToPath(new URL("../app/", import.meta.url));
const ARTIFACTS = fileURLToPath(new URL("artifacts/one-window", import.meta.url));
const EPOCH_LENGTH = 3600;
const USD = 1_000_000n;
const PER_MONTH = 10n * USD;
/**
 * One item the first click opens the window for, ten clicked without one, one under a clickjacking
 * attempt: Chrome's default set-up.
 */
const ITEMS = Array.from({ length: 12 }, (_, i) => ({
  creator: i % 2 === 0 ? accounts.creatorA.address : accounts.creatorB.address,
  url: `https://creator.example/work-${i + 1}`,
}));
/** The first click, two without a window, one after the revocation: Incognito. */
const INCOGNITO_ITEMS = Array.from({ length: 4 }, (_, i) => ({
  creator: i % 2 === 0 ? accounts.creatorB.address : accounts.creatorA.address,
  url: `https://incognito.example/work-${i + 1}`,
}));
const NO_BUDGET_ITEM = { creator: accounts.creatorA.address, url: "https://elsewhere.example/essay" };
/**
 * Playwright turns storage partitioning off (`--disable-features=...,ThirdPartyStoragePartitioning,...`);
 * Chrome has it on. A later `--disable-features` replaces Playwright's list: this one keeps the rest.
 */
const CHROME_LIKE = [
  "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,MediaRouter,OptimizationHints,PaintHolding,LensOverlay,DestroyProfileOnBrowserClose",
];
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", ...CHROME_LIKE];

let chain: LocalChain;
let deployed: Deployed;
let keeper: RunningKeeper;
let app: Served;
let site: Served;
let otherSite: Served;
let incognitoSite: Served;
let browser: Browser;
let incognito: BrowserContext;
let session: Record<string, string>;
let profileDir: string;
let context: BrowserContext;
let dataDir: string;
let shot = 0;
/** Every window a button opened. */
const windows: Page[] = [];

async function screenshot(page: Page, name: string) {
  shot++;
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true });
}

function embeddingPage(
  appUrl: string,
  items: readonly { creator: Address; url: string }[],
  /** Another site's page this one frames (a widget that itself holds a Plaudit button). */
  widget?: string,
): string {
  const buttons = items
    .map((item) => `<div class="slot">${scriptSnippet({ appUrl, creator: item.creator, itemUrl: item.url })}</div>`)
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A creator's works</title>
<style>main{display:grid;grid-template-columns:repeat(3,${BUTTON_WIDTH + 10}px);gap:8px}</style></head>
<body><h1>Works</h1><main>${buttons}</main>
${widget === undefined ? "" : `<iframe id="widget" src="${widget}" title="A widget from another site" width="420" height="150"></iframe>`}
<script>window.__observed=[];window.addEventListener("message",(e)=>{try{window.__observed.push(JSON.stringify(e.data))}catch{window.__observed.push(String(e.data))}});</script>
</body></html>`;
}

async function buttonFrame(page: Page, item: { creator: Address; url: string }): Promise<Frame> {
  const handle = await page.waitForSelector(
    `iframe[src*="creator=${item.creator}"][src*="url=${encodeURIComponent(item.url)}"]`,
  );
  const frame = await handle.contentFrame();
  assert.ok(frame, "the button iframe has a frame");
  await frame.waitForSelector("#plaudit-button:not([disabled])");
  return frame;
}

/** Clicks a button and waits for its outcome; returns the click window, if the click opened one. */
async function click(frame: Frame, outcome: string): Promise<Page | undefined> {
  const count = windows.length;
  await frame.click("#plaudit-button");
  await frame.waitForSelector(`#plaudit-button[data-outcome="${outcome}"]`, { timeout: 30_000 });
  return windows[count];
}

async function keeperTally() {
  const response = await fetch(`${keeper.url}/v1/readers/${accounts.reader.address}/tallies?epoch=0`);
  const body = (await response.json()) as {
    tallies: { seq: string | number; creators: Address[]; counts: number[] }[];
  };
  assert.equal(body.tallies.length, 1, "one session key, one tally at the keeper");
  const tally = body.tallies[0] as (typeof body.tallies)[number];
  return { seq: String(tally.seq), total: tally.counts.reduce((a, b) => a + b, 0) };
}

async function itemClicks(item: { creator: Address; url: string }): Promise<number> {
  const query = new URLSearchParams({ creator: item.creator, url: item.url, epoch: "0" });
  return ((await (await fetch(`${keeper.url}/v1/items/clicks?${query.toString()}`)).json()) as { clicks: number })
    .clicks;
}

before(async () => {
  await rm(ARTIFACTS, { recursive: true, force: true });
  chain = await startHardhatNode();
  deployed = await deployPool(chain.rpcUrl, EPOCH_LENGTH, 50);
  const { publicClient, walletFor } = clients(chain.rpcUrl);
  const mint = await walletFor(accounts.deployer).writeContract({
    address: deployed.token,
    abi: mockStablecoinAbi,
    functionName: "mint",
    args: [accounts.reader.address, 100n * USD],
  });
  await publicClient.waitForTransactionReceipt({ hash: mint });
  dataDir = await mkdtemp(join(tmpdir(), "plaudit-e2e-one-window-"));
  let deploymentJson = "";
  app = await serveApp(join(appRoot, "dist"), () => deploymentJson);
  keeper = await startKeeper(testKeeperOptions(chain.rpcUrl, deployed.pool, dataDir, new URL(app.url).origin));
  deploymentJson = deploymentFile({
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
    keeperUrl: keeper.url,
  } satisfies Deployment & { rpcUrl: string });
  otherSite = await serveEmbeddingPage(embeddingPage(app.url, [NO_BUDGET_ITEM]), { host: "127.0.0.2" });
  site = await serveEmbeddingPage(embeddingPage(app.url, ITEMS, otherSite.url));

  incognitoSite = await serveEmbeddingPage(embeddingPage(app.url, INCOGNITO_ITEMS), { host: "127.0.0.3" });

  // One-click mode as the dApp turns it on (plaudit.e2e.ts drives that page): a session key the reader
  // delegated with its wallet, in the dApp origin's first-party storage. The reader has no budget yet.
  const schedule = { startTime: BigInt(deployed.startTime), epochLength: BigInt(deployed.epochLength) };
  const scope = { chainId: CHAIN_ID, pool: deployed.pool };
  const pending = newSessionKey(schedule, 0n, 1, 0);
  const signature = await accounts.reader.signTypedData(sessionRequest(scope, accounts.reader.address, pending));
  const store = memoryStore();
  saveSession(store, scope, accounts.reader.address, pending, signature, Date.now());
  session = Object.fromEntries(
    [keys.session(scope, accounts.reader.address), keys.activeReader(scope)].map((k) => [k, store.get(k) ?? ""]),
  );

  // Chrome's default outside Incognito: third-party cookies allowed (a profile preference).
  profileDir = await mkdtemp(join(tmpdir(), "plaudit-e2e-profile-"));
  await mkdir(join(profileDir, "Default"));
  await writeFile(join(profileDir, "Default", "Preferences"), JSON.stringify({ profile: { cookie_controls_mode: 0 } }));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    viewport: { width: 1000, height: 700 },
  });
  await watchWindows(context);
});

/** Records every window a button opens (its opener is the embedding page), and sets the session up. */
async function watchWindows(target: BrowserContext) {
  target.on("page", (page) => void page.opener().then((opener) => opener !== null && windows.push(page)));
  const setup = await target.newPage();
  await setup.goto(new URL("plaudit.json", app.url).href);
  await setup.evaluate((entries) => {
    for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
  }, session);
  await setup.close();
}

after(async () => {
  await context?.close().catch(() => undefined);
  await incognito?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await incognitoSite?.stop().catch(() => undefined);
  if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true });
  await keeper?.stop().catch(() => undefined);
  await app?.stop().catch(() => undefined);
  await site?.stop().catch(() => undefined);
  await otherSite?.stop().catch(() => undefined);
  await chain?.stop().catch(() => undefined);
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

test("a click without a budget says it is queued for want of one, never counted", { timeout: 120_000 }, async () => {
  const page = await context.newPage();
  await page.goto(otherSite.url);
  const frame = await buttonFrame(page, NO_BUDGET_ITEM);
  const clickWindow = await click(frame, "queued");
  assert.ok(clickWindow, "the first click on a site opens the click window");
  // The button says it in words for a few seconds, and does not look counted.
  assert.equal(await frame.textContent("#plaudit-label"), "No budget yet");
  assert.notEqual(await frame.getAttribute("#plaudit-button", "data-clicked"), "true", "the button is not filled");
  assert.doesNotMatch((await frame.textContent("#plaudit-status")) ?? "", /Thanks|Counted/);
  await screenshot(page, "button-no-budget");
  await clickWindow.getByRole("heading", { name: "Not counted yet" }).waitFor();
  const said = (await clickWindow.textContent("#detail")) ?? "";
  assert.match(said, /no budget for this month/);
  assert.doesNotMatch(said, /epoch|Thanks/i);
  assert.equal(await clickWindow.isVisible("#grant"), false, "no grant is offered for a month without a budget");
  await screenshot(clickWindow, "window-no-budget");
  await expectAccessible(clickWindow, "click.html (no budget)");

  await expectAccessible(page, "button.html (queued)", ".slot");

  // The window waits for the reader; the keyboard closes it.
  await clickWindow.getByRole("button", { name: "Close" }).focus();
  await Promise.all([clickWindow.waitForEvent("close"), clickWindow.keyboard.press("Enter").catch(() => undefined)]);
  await page.close();
});

test(
  "one window per site with Storage Access: the first click asks, the next ten sign in the frame",
  { timeout: 240_000 },
  async () => {
    const { publicClient, walletFor } = clients(chain.rpcUrl);
    const reader = walletFor(accounts.reader);
    for (const hash of [
      await reader.writeContract({
        address: deployed.token,
        abi: mockStablecoinAbi,
        functionName: "approve",
        args: [deployed.pool, PER_MONTH],
      }),
      await reader.writeContract({
        address: deployed.pool,
        abi: plauditPoolAbi,
        functionName: "subscribe",
        args: [PER_MONTH, 1n, 0n],
      }),
    ])
      await publicClient.waitForTransactionReceipt({ hash });

    const page = await context.newPage();
    await page.goto(site.url);
    const opened = windows.length;
    const frames: Frame[] = [];
    for (const item of ITEMS) frames.push(await buttonFrame(page, item));
    const [first, ...rest] = frames as [Frame, ...Frame[]];
    const tenMore = rest.slice(0, 10);
    const jacked = rest[10] as Frame;

    // 1. The first click opens the window, which counts it and asks about this site.
    const clickWindow = await click(first, "counted");
    assert.ok(clickWindow, "the first click on the site opens the click window");
    await clickWindow.getByRole("button", { name: /^Allow on 127\.0\.0\.1$/ }).waitFor();
    assert.doesNotMatch((await clickWindow.textContent("#grant-explain")) ?? "", /copy of your one-click key/);
    await screenshot(clickWindow, "window-asks");
    await expectAccessible(clickWindow, "click.html (asking)");
    const closed = clickWindow.waitForEvent("close");
    await clickClosingButton(clickWindow, clickWindow.getByRole("button", { name: /^Allow on/ }));
    await closed;
    assert.equal(windows.length, opened + 1, "the first click on the site opened one window");

    // 2. Ten more clicks on ten other items: no window, each counted.
    for (const frame of tenMore) {
      await click(frame, "counted");
      assert.equal(await frame.getAttribute("#plaudit-button", "data-clicked"), "true");
    }
    assert.equal(windows.length, opened + 1, "the ten clicks after the approval opened no window");
    await screenshot(page, "eleven-clicks");
    await expectAccessible(page, "button.html (counted)", ".slot:first-child");

    for (const item of ITEMS.slice(0, 11)) assert.equal(await itemClicks(item), 1, `${item.url} counted once`);
    const elsewhere = await itemClicks(NO_BUDGET_ITEM);
    const counted = await keeperTally();
    assert.equal(counted.total, 11 + elsewhere, "the keeper's tally holds every click once");
    const copies = await first.evaluate('Object.keys(localStorage).filter((k) => k.endsWith(":frame-grant"))');
    assert.deepEqual(copies, [], "the key stayed in the dApp's first-party storage");

    // 3. The visibility gate still stands between a click and a signature: a button the page made
    // transparent (a decoy would sit under it) counts nothing, and opens no window. The click comes once
    // the page has rendered that (two animation frames): until then the screen still shows the button.
    await page.locator(`iframe[src*="${encodeURIComponent((ITEMS[11] as (typeof ITEMS)[number]).url)}"]`).evaluate(
      (iframe) =>
        new Promise((resolve) => {
          (iframe as HTMLElement).style.opacity = "0";
          requestAnimationFrame(() => requestAnimationFrame(resolve));
        }),
    );
    await click(jacked, "not-visible");
    assert.equal(windows.length, opened + 1, "a clickjacked click opened no window");
    assert.deepEqual(await keeperTally(), counted, "a clickjacked click signed nothing");

    // 4. A button inside another party's frame on this site (a widget) does not share the approval: its
    // click goes through a window, which offers nothing.
    const nested = page.frames().find((f) => f.url().includes(encodeURIComponent(NO_BUDGET_ITEM.url)));
    assert.ok(nested, "the widget holds a button");
    await nested.waitForSelector("#plaudit-button:not([disabled])");
    const widgetWindow = await click(nested, "already");
    assert.ok(widgetWindow, "the widget's button went through a window");
    assert.equal(await widgetWindow.isVisible("#grant"), false, "the window offers nothing to a nested button");
    assert.equal(windows.length, opened + 2);

    // Nothing the embedding page received carries a key.
    const observed = String(await page.evaluate("JSON.stringify(window.__observed)"));
    assert.doesNotMatch(observed, /privateKey|0x[0-9a-fA-F]{64}/, "the embedding page saw no key");
    await page.close();
  },
);

test(
  "one window per site in a partition: the frame gets the key for the month, and revoking stops it",
  { timeout: 240_000 },
  async () => {
    // Incognito: third-party cookies blocked, so no Storage Access without asking, but a partition.
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ARGS });
    incognito = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    await watchWindows(incognito);
    const page = await incognito.newPage();
    await page.goto(incognitoSite.url);
    const opened = windows.length;
    const frames: Frame[] = [];
    for (const item of INCOGNITO_ITEMS) frames.push(await buttonFrame(page, item));
    const [first, second, third, afterRevoke] = frames as [Frame, Frame, Frame, Frame];
    const before = await keeperTally();

    const clickWindow = await click(first, "counted");
    assert.ok(clickWindow, "the first click on the site opens the click window");
    await clickWindow.getByRole("button", { name: /^Allow on 127\.0\.0\.3$/ }).waitFor();
    assert.match(
      (await clickWindow.textContent("#grant-explain")) ?? "",
      /copy of your one-click key, on 127\.0\.0\.3 only/,
    );
    const closed = clickWindow.waitForEvent("close");
    await clickClosingButton(clickWindow, clickWindow.getByRole("button", { name: /^Allow on/ }));
    await closed;
    const grants = async (frame: Frame) =>
      frame.evaluate('Object.keys(localStorage).filter((k) => k.endsWith(":frame-grant")).length');
    assert.equal(await grants(first), 1, "the frame's partition holds the grant");

    // Two more clicks sign in the frame, on top of the keeper's tally of the same key.
    await click(second, "counted");
    await click(third, "counted");
    assert.equal(windows.length, opened + 1, "the clicks after the approval opened no window");
    for (const item of INCOGNITO_ITEMS.slice(0, 3)) assert.equal(await itemClicks(item), 1, `${item.url} counted once`);
    const counted = await keeperTally();
    assert.equal(counted.total, before.total + 3, "the keeper's one chain of the key holds every click once");
    await screenshot(page, "partition-clicks");

    // The reader revokes its keys on chain: the next click on this site signs nothing, opens no window,
    // and the frame deletes its copy of the key.
    const { publicClient, walletFor } = clients(chain.rpcUrl);
    const revoke = await walletFor(accounts.reader).writeContract({
      address: deployed.pool,
      abi: plauditPoolAbi,
      functionName: "revokeSessions",
      args: [],
    });
    await publicClient.waitForTransactionReceipt({ hash: revoke });
    await click(afterRevoke, "revoked");
    assert.equal(windows.length, opened + 1, "a click after the revocation opened no window");
    assert.match((await afterRevoke.textContent("#plaudit-status")) ?? "", /revoked/);
    assert.deepEqual(await keeperTally(), counted, "nothing was signed after the revocation");
    assert.equal(await grants(afterRevoke), 0, "the frame deleted its copy of the key");
    await screenshot(page, "partition-revoked");
    await page.close();
  },
);
