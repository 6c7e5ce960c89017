/**
 * Browser attacks by a hostile creator page (another site, 127.0.0.1) that embeds a Plaudit button and
 * tries to forge clicks or read the reader's session key: forged postMessages into the button and into
 * a click.html it opens itself, a thousand synthetic clicks a second, clickjacking (a transparent
 * button under a decoy, a decoy covering the button), rapid real clicks by the user, and every way an
 * embedder can look for the key. The keeper's stored tally (counts and seq) is the judge: only real,
 * visible clicks count, at most once per item per epoch, and the key never reaches the embedder.
 * Screenshots land in e2e/artifacts/adversarial/.
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

import { type Deployment, mockStablecoinAbi, scriptSnippet } from "@plaudit/protocol";
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
import { clickClosingButton } from "./harness/popup.js";
import { injectWallet, WALLET_NAME } from "./harness/wallet.js";
import { startKeeper, testKeeperOptions, type RunningKeeper } from "./harness/keeper.js";

const appRoot = fileURLToPath(new URL("../app/", import.meta.url));
const ARTIFACTS = fileURLToPath(new URL("artifacts/adversarial", import.meta.url));
const EPOCH_LENGTH = 3600;
const USD = 1_000_000n;
const ITEM = "https://creator-a.example/essay";

/**
 * The hostile page: one embedded button, a decoy, and a log of everything the page can observe
 * (messages it receives, results of its probes), kept in `window.__observed`.
 */
function hostilePage(appUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>A hostile creator's site</title>
<style>#slot{position:relative;width:340px;height:120px} #decoy{position:absolute;left:0;top:0;width:340px;height:120px;
font-size:24px;background:#fc0;border:0;display:none;z-index:5} iframe{position:relative;z-index:1}</style></head>
<body><h1>Win a prize!</h1><div id="slot"><button id="decoy">Click to win</button>
${scriptSnippet({ appUrl, creator: accounts.creatorA.address, itemUrl: ITEM })}</div>
<script>
window.__observed = [];
window.addEventListener("message", (e) => window.__observed.push({ kind: "message", origin: e.origin, data: (() => { try { return JSON.stringify(e.data); } catch { return String(e.data); } })() }));
</script></body></html>`;
}

/**
 * What an embedder tries to get at the key, as a script string (page.evaluate of a string keeps the
 * TypeScript loader's helpers out of the page). Resolves to JSON of every probe's result and every
 * message the page received.
 */
function embedderProbes(appOrigin: string): string {
  return `(async () => {
    const appOrigin = ${JSON.stringify(appOrigin)};
    const probes = {};
    const attempt = async (name, fn) => {
      try {
        const value = await fn();
        probes[name] = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
      } catch (error) {
        probes[name] = "threw " + error.name;
      }
    };
    const frame = document.querySelector("iframe").contentWindow;
    await attempt("own localStorage", () => Object.fromEntries(Object.entries(localStorage)));
    await attempt("own sessionStorage", () => Object.fromEntries(Object.entries(sessionStorage)));
    await attempt("own cookies", () => document.cookie);
    await attempt("own indexedDB", async () => (await indexedDB.databases()).map((d) => d.name));
    await attempt("own caches", async () => caches.keys());
    await attempt("frame localStorage", () => Object.entries(frame.localStorage));
    await attempt("frame document", () => frame.document.body.innerHTML);
    await attempt("frame location", () => frame.location.href);
    await attempt("frame properties", () => Object.keys(frame));
    for (const type of ["plaudit:session", "plaudit:key", "getSession", "getPrivateKey", "plaudit:export"]) {
      frame.postMessage({ type }, "*");
      frame.postMessage({ type }, appOrigin);
    }
    const popup = window.open(appOrigin + "/click.html", "key-request");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const type of ["plaudit:session", "plaudit:key"]) popup && popup.postMessage({ type }, "*");
    await attempt("popup document", () => popup.document.body.innerHTML);
    await attempt("popup localStorage", () => Object.entries(popup.localStorage));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    popup && popup.close();
    return JSON.stringify({ probes, messages: window.__observed });
  })()`;
}

let chain: LocalChain;
let deployed: Deployed;
let keeper: RunningKeeper;
let app: Served;
let hostile: Served;
let browser: Browser;
let context: BrowserContext;
let dataDir: string;
let appOrigin: string;
let shot = 0;
/** Pages this test opened itself; every other page of the context is a pop-up some script opened. */
const ownPages = new Set<Page>();
/** Every pop-up opened in the context since the reader set up one-click mode. */
const opened: Page[] = [];

async function newOwnPage(): Promise<Page> {
  const page = await context.newPage();
  ownPages.add(page);
  return page;
}

async function screenshot(page: Page, name: string) {
  shot++;
  // plaudit.e2e.ts empties e2e/artifacts when it starts: make sure this directory is (still) there.
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true });
}

/** The keeper's stored tally of the reader for epoch 0 (undefined before any click reached it). */
async function keeperTally(): Promise<{ seq: string; creators: string[]; counts: number[] } | undefined> {
  const response = await fetch(`${keeper.url}/v1/readers/${accounts.reader.address}/tallies?epoch=0`);
  if (!response.ok) return undefined;
  const body = (await response.json()) as { tallies: { seq: string | number; creators: string[]; counts: number[] }[] };
  assert.ok(body.tallies.length <= 1, "one signing key, at most one tally");
  const tally = body.tallies[0];
  return tally === undefined ? undefined : { ...tally, seq: String(tally.seq) };
}

async function openHostilePage(): Promise<{ site: Page; frame: Frame }> {
  const site = await newOwnPage();
  await site.goto(hostile.url);
  const handle = await site.waitForSelector("iframe");
  const frame = await handle.contentFrame();
  assert.ok(frame, "the button iframe has a frame");
  await frame.waitForSelector("#plaudit-button:not([disabled])");
  return { site, frame };
}

/** Waits until every pop-up opened so far has closed; names the one that does not. */
async function popupsClosed() {
  for (const popup of opened)
    if (!popup.isClosed())
      await popup.waitForEvent("close", { timeout: 30_000 }).catch(async (error: unknown) => {
        const text = await popup.textContent("body").catch(() => "?");
        throw new Error(`a window stayed open: ${popup.url()}: ${text?.replace(/\s+/g, " ").trim()}`, {
          cause: error,
        });
      });
}

/**
 * After a real click on the button's place: whichever comes first, the button's answer to the click
 * (`data-outcome`, which a refusal sets at once) or a window opening (the way to signing).
 */
async function buttonAnswerOrWindow(frame: Frame): Promise<"the button answered" | "a window opened" | "neither"> {
  const answered = frame.waitForSelector("#plaudit-button[data-outcome]", { timeout: 30_000 }).then(
    () => "the button answered" as const,
    () => "neither" as const,
  );
  const windowOpened = context.waitForEvent("page", { timeout: 30_000 }).then(
    () => "a window opened" as const,
    () => "neither" as const,
  );
  return Promise.race([answered, windowOpened]);
}

/** Clears the button's answer to an earlier click, so the next answer can be waited for. */
async function clearAnswer(frame: Frame) {
  await frame.evaluate(() => delete (document.getElementById("plaudit-button") as HTMLElement).dataset.outcome);
}

/** Runs `change` in the embedding page and resolves once the page has rendered it (two animation frames). */
async function rendered(site: Page, change: string) {
  await site.evaluate(
    `new Promise((resolve) => { ${change}; requestAnimationFrame(() => requestAnimationFrame(resolve)); })`,
  );
}

before(async () => {
  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(ARTIFACTS, { recursive: true });
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
  dataDir = await mkdtemp(join(tmpdir(), "plaudit-e2e-adversarial-"));
  let deploymentJson = "";
  app = await serveApp(join(appRoot, "dist"), () => deploymentJson);
  appOrigin = new URL(app.url).origin;
  keeper = await startKeeper(testKeeperOptions(chain.rpcUrl, deployed.pool, dataDir, appOrigin));
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
  hostile = await serveEmbeddingPage(hostilePage(app.url));
  assert.notEqual(new URL(hostile.url).hostname, new URL(app.url).hostname, "the hostile page is another site");

  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  // The handler runs after newPage's own promise settles, so ownPages is up to date by then.
  context.on("page", (page) => void setTimeout(() => ownPages.has(page) || opened.push(page), 0));
  await injectWallet(context, chain.rpcUrl, accounts.reader);

  // The reader subscribes and turns one-click mode on in the dApp (first party).
  const dapp = await newOwnPage();
  await dapp.goto(`${app.url}#/reader`);
  await dapp.getByRole("button", { name: `Connect ${WALLET_NAME}` }).click();
  await dapp.getByTestId("account").waitFor();
  await dapp.getByTestId("sub-amount").fill("10");
  await dapp.getByTestId("sub-months").fill("1");
  await dapp.getByTestId("subscribe").click();
  await dapp.getByText("Subscribe: done").waitFor({ timeout: 30_000 });
  await dapp.getByTestId("enable-one-click").click();
  await dapp.getByTestId("one-click-status").waitFor();
  await screenshot(dapp, "reader-one-click-on");
  await dapp.close();
  opened.length = 0;
});

after(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await keeper?.stop().catch(() => undefined);
  await app?.stop().catch(() => undefined);
  await hostile?.stop().catch(() => undefined);
  await chain?.stop().catch(() => undefined);
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

test(
  "forged messages into the button and into a click.html the embedder opens count no click",
  { timeout: 120_000 },
  async () => {
    const { site, frame } = await openHostilePage();
    await site.evaluate(
      async ({ appOrigin, creator, url }) => {
        const target = document.querySelector("iframe")?.contentWindow;
        if (!target) throw new Error("no iframe");
        const forged: unknown[] = [
          { type: "plaudit:ready" },
          { type: "plaudit:click", requestId: "forged-request-1", creator, url },
          {
            type: "plaudit:result",
            requestId: "forged-request-1",
            status: "signed",
            itemClicks: 99,
            message: "forged",
          },
          { type: "click" },
          { type: "signed", creator, url },
          { type: "session", origin: appOrigin },
          { type: "plaudit:session" },
          // A forged "reader allowed this site" and a forged grant with the embedder's own key.
          { type: "plaudit:approved", requestId: "forged-request-1", epoch: "0" },
          {
            type: "plaudit:grant",
            requestId: "forged-request-1",
            grant: {
              version: 1,
              site: "127.0.0.1",
              epoch: "0",
              until: "99999999999",
              session: {
                reader: creator,
                key: creator,
                privateKey: `0x${"11".repeat(32)}`,
                expiry: "99999999999",
                nonce: 0,
                signature: `0x${"22".repeat(65)}`,
                createdAt: 0,
              },
              items: [],
              grantedAt: 0,
            },
          },
        ];
        for (const message of forged) {
          target.postMessage(message, "*");
          // Claiming the dApp's origin is only a targetOrigin: the browser stamps the real sender's origin.
          target.postMessage(message, appOrigin);
        }
        // The embedder opens the first-party pop-up itself and orders it to click.
        const popup = window.open(`${appOrigin}/click.html`, "forged-click");
        for (let i = 0; i < 20; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          popup?.postMessage({ type: "plaudit:click", requestId: `forged-popup-${i}`, creator, url }, "*");
          popup?.postMessage({ type: "plaudit:click", requestId: `forged-popup-${i}`, creator, url }, appOrigin);
        }
      },
      { appOrigin, creator: accounts.creatorA.address, url: ITEM },
    );
    // Under load the window may still be on about:blank: let it load before looking for it (left open,
    // it would hold up the later tests that wait for every window to close).
    for (const page of opened) await page.waitForLoadState("domcontentloaded").catch(() => undefined);
    const forgedPopup = opened.find((p) => p.url().endsWith("/click.html"));
    if (forgedPopup !== undefined) {
      await forgedPopup.getByText("Nothing to sign").or(forgedPopup.locator("#title")).first().waitFor();
      await screenshot(forgedPopup, "forged-popup-ignores-embedder");
      assert.notEqual(await forgedPopup.textContent("#title"), "Thanks!");
      await forgedPopup.close();
    }
    await screenshot(site, "forged-messages");
    assert.equal(await keeperTally(), undefined, "no tally reached the keeper");
    assert.notEqual(await frame.getAttribute("#plaudit-button", "data-clicked"), "true", "the button shows no click");
    assert.notEqual(await frame.textContent("#plaudit-count"), "99", "the forged result was ignored");
    await site.close();
  },
);

test(
  "a thousand synthetic clicks a second from the embedder cannot reach the cross-origin button",
  { timeout: 120_000 },
  async () => {
    const { site } = await openHostilePage();
    const before = opened.length;
    const dispatched = await site.evaluate(async () => {
      const iframe = document.querySelector("iframe");
      if (!iframe) throw new Error("no iframe");
      let count = 0;
      const started = performance.now();
      while (performance.now() - started < 1000) {
        iframe.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, view: window }));
        iframe.click();
        iframe.focus();
        document.activeElement?.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
        count += 1;
        if (count % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return count;
    });
    assert.ok(dispatched >= 1000, `dispatched ${dispatched} synthetic clicks in a second`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(opened.length, before, "no pop-up opened");
    assert.equal(await keeperTally(), undefined, "no tally reached the keeper");
    await screenshot(site, "synthetic-clicks");
    await site.close();
  },
);

test(
  "clickjacking: a transparent button under a decoy and a decoy laid over the button count no click",
  { timeout: 120_000 },
  async () => {
    const { site, frame } = await openHostilePage();
    const centre = async () => {
      const button = await (await frame.$("#plaudit-button"))?.boundingBox();
      assert.ok(button);
      return { x: button.x + button.width / 2, y: button.y + button.height / 2 };
    };
    const before = opened.length;
    const refusal = async (what: string) => {
      assert.equal(await buttonAnswerOrWindow(frame), "the button answered", `${what} went on to a window`);
      assert.equal(await frame.getAttribute("#plaudit-button", "data-outcome"), "not-visible", what);
      assert.match((await frame.textContent("#plaudit-status")) ?? "", /fully visible/);
      assert.equal(opened.length, before, `${what} opened a window`);
    };

    // 1. The button made transparent (opacity 0) under a visible decoy the user means to click.
    await rendered(
      site,
      `const iframe = document.querySelector("iframe");
       iframe.style.opacity = "0";
       iframe.style.zIndex = "10";
       document.getElementById("decoy").style.display = "block"`,
    );
    await screenshot(site, "clickjack-transparent-button");
    let point = await centre();
    await site.mouse.click(point.x, point.y);
    await refusal("a click on the transparent button");

    // 2. A decoy laid over the visible button that lets the click through (pointer-events: none).
    await clearAnswer(frame);
    await rendered(
      site,
      `const iframe = document.querySelector("iframe");
       iframe.style.opacity = "1";
       iframe.style.zIndex = "1";
       const decoy = document.getElementById("decoy");
       decoy.style.zIndex = "20";
       decoy.style.pointerEvents = "none"`,
    );
    await screenshot(site, "clickjack-decoy-over-button");
    point = await centre();
    await site.mouse.click(point.x, point.y);
    await refusal("a click through a covering decoy");

    // 3. A decoy that takes the click itself: the click lands on the decoy, nothing reaches the button.
    await clearAnswer(frame);
    await rendered(
      site,
      `window.__decoyClicks = 0;
       const decoy = document.getElementById("decoy");
       decoy.style.pointerEvents = "auto";
       decoy.addEventListener("click", () => window.__decoyClicks++)`,
    );
    await site.mouse.click(point.x, point.y);
    await site.waitForFunction("window.__decoyClicks === 1", undefined, { timeout: 30_000 });
    assert.equal(await frame.getAttribute("#plaudit-button", "data-outcome"), null, "the button saw no click");
    assert.equal(opened.length, before, "a click on the decoy opened no pop-up");
    assert.equal(await keeperTally(), undefined, "no tally reached the keeper");
    await site.close();
  },
);

test(
  "clickjacking: a button turned transparent just before the user's click counts no click",
  { timeout: 120_000 },
  async () => {
    const { site, frame } = await openHostilePage();
    const button = await (await frame.$("#plaudit-button"))?.boundingBox();
    assert.ok(button);
    const before = opened.length;
    // The button has been plainly visible (it is enabled only after 500 ms of it). The page hides it
    // under a decoy, and the click lands as soon as the page has rendered that: two animation frames of
    // the embedding page. Before it has, the screen still shows the button and a click on it is the
    // user's informed click (on a loaded machine that can take a second; clicking on `evaluate`'s
    // return alone made this test click a button still on screen).
    await rendered(
      site,
      `const iframe = document.querySelector("iframe");
       iframe.style.opacity = "0";
       document.getElementById("decoy").style.display = "block";
       iframe.style.zIndex = "10"`,
    );
    await site.mouse.click(button.x + button.width / 2, button.y + button.height / 2);
    const first = await buttonAnswerOrWindow(frame);
    await screenshot(site, "clickjack-race");
    assert.equal(first, "the button answered", "the click on a just-hidden button went on to a window");
    const refused = await frame.getAttribute("#plaudit-button", "data-refused");
    assert.equal(await frame.getAttribute("#plaudit-button", "data-outcome"), "not-visible", `refused: ${refused}`);
    assert.match((await frame.textContent("#plaudit-status")) ?? "", /fully visible/);
    assert.equal(opened.length, before, "the click on a just-hidden button opened the signing window");
    assert.equal(await keeperTally(), undefined, "a click on a just-hidden button reached the keeper");
    await site.close();
  },
);

test(
  "rapid real clicks on one item count once per epoch (keeper tally count 1, seq 1)",
  { timeout: 180_000 },
  async () => {
    const { site, frame } = await openHostilePage();
    const button = await (await frame.$("#plaudit-button"))?.boundingBox();
    assert.ok(button);
    const x = button.x + button.width / 2;
    const y = button.y + button.height / 2;
    const window = context.waitForEvent("page");
    for (let i = 0; i < 15; i++) await site.mouse.click(x, y, { delay: 5 });
    // The first window on the site asks whether its buttons may skip the window: not now.
    const popup = await window;
    await clickClosingButton(popup, popup.getByRole("button", { name: "Not now" }));
    await popupsClosed();
    await frame.waitForSelector('#plaudit-button[data-clicked="true"]', { timeout: 30_000 });
    // More real clicks once the first one was counted.
    for (let i = 0; i < 5; i++) {
      await site.bringToFront();
      await site.mouse.click(x, y);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await popupsClosed();
    await screenshot(site, "rapid-real-clicks");
    const tally = await keeperTally();
    assert.ok(tally, "the real click reached the keeper");
    assert.deepEqual(tally.creators, [accounts.creatorA.address]);
    assert.deepEqual(tally.counts, [1], "one click for the item");
    assert.equal(tally.seq, "1", "one tally signed: no extra seq for the repeated clicks");
    await site.close();
  },
);

test(
  "the embedder cannot read the session key: storage, indexedDB, frame properties, key requests",
  { timeout: 120_000 },
  async () => {
    // The key, read first-party.
    const dapp = await newOwnPage();
    await dapp.goto(`${app.url}#/reader`);
    const firstParty = await dapp.evaluate(() => JSON.stringify(Object.fromEntries(Object.entries(localStorage))));
    await dapp.close();
    const privateKeys = [...firstParty.matchAll(/0x[0-9a-fA-F]{64}/g)].map((m) => m[0].toLowerCase());
    const sessionKey = /"privateKey\\?":\\?"(0x[0-9a-fA-F]{64})/.exec(firstParty)?.[1]?.toLowerCase();
    assert.ok(sessionKey, "the dApp's origin holds a session key");
    assert.ok(privateKeys.includes(sessionKey));

    const { site } = await openHostilePage();
    const observed = (await site.evaluate(embedderProbes(appOrigin))) as string;
    await screenshot(site, "key-probes");
    const lower = observed.toLowerCase();
    assert.ok(!lower.includes(sessionKey.slice(2)), "the session key reached the embedder");
    for (const key of privateKeys)
      assert.ok(!lower.includes(key.slice(2)), "a private key of the dApp's origin reached the embedder");
    const { probes } = JSON.parse(observed) as { probes: Record<string, string> };
    assert.match(probes["frame localStorage"] ?? "", /^threw /);
    assert.match(probes["frame document"] ?? "", /^threw /);
    assert.match(probes["popup localStorage"] ?? "", /^threw /);
    await site.close();
  },
);
