/**
 * Browser test of Plaudit's social side (issue 13): a creator publishes a signed profile from the creator
 * page; a reader subscribes, applauds two items on another site (their buttons declare titles and name
 * the creator once its profile verifies), applauds a page without a button that "Applaud a page" found
 * through the keeper's discovery (a `plaudit:creator` meta tag), and tips the first creator once from its
 * public page. Names and titles then show everywhere: the buttons, the reader's month, the creator's
 * public page and Popular this month; the tip is credited on chain. Screenshots land in
 * e2e/artifacts/social/.
 *
 * Run: npm run test:e2e (builds the app first).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import type { Page } from "playwright-core";

import { plauditPoolAbi } from "@plaudit/protocol";
import { serveEmbeddingPage, type Served } from "../scripts/local/servers.js";
import { accounts, clients } from "./harness/chain.js";
import { clickClosingButton } from "./harness/popup.js";
import { injectWallet, WALLET_NAME } from "./harness/wallet.js";
import { buttonFrame, readerContext, startSystem, type System } from "./harness/system.js";

const USD = 1_000_000n;
const CREATOR_NAME = "Ada Lovelace";
const ITEMS = [
  { url: "https://creator-a.example/engines", title: "On engines" },
  { url: "https://creator-a.example/looms", title: "Notes on looms" },
] as const;
const DISCOVERED_TITLE = "A page without a button";
const TIP = 2n * USD;

let system: System;
let discoverable: Served;

before(async () => {
  system = await startSystem({
    token: "MockStablecoin",
    symbol: "USD",
    epochLength: 3600,
    keeperTipBps: 100,
    relayMinFee: 10_000n,
    buttons: ITEMS.map((item) => ({ creator: accounts.creatorA.address, itemUrl: item.url, title: item.title })),
    artifacts: fileURLToPath(new URL("artifacts/social", import.meta.url)),
  });
  // Creator B's page names its creator only in a meta tag: no button anywhere.
  discoverable = await serveEmbeddingPage(`<!doctype html><html><head><meta charset="utf-8">
<title>${DISCOVERED_TITLE}</title><meta name="plaudit:creator" content="${accounts.creatorB.address}"></head>
<body><p>Worth a click, but there is no button here.</p></body></html>`);
});

after(async () => {
  await discoverable?.stop();
  await system?.stop();
});

/** The first element with `testId` that shows `text`, waited for. */
async function shows(page: Page, testId: string, text: string): Promise<void> {
  await page.getByTestId(testId).filter({ hasText: text }).first().waitFor({ timeout: 30_000 });
}

test(
  "a creator's signed profile names it everywhere; a reader applauds two titled items and a discovered page, and tips once",
  { timeout: 300_000 },
  async () => {
    const { publicClient } = clients(system.chain.rpcUrl);
    const creator = accounts.creatorA.address;

    // 1. The creator publishes its profile: one signature, stored by the keeper.
    const creatorContext = await system.browser.newContext({ viewport: { width: 1100, height: 900 } });
    await injectWallet(creatorContext, system.chain.rpcUrl, accounts.creatorA);
    const creatorPage = await creatorContext.newPage();
    await creatorPage.goto(`${system.app.url}#/creator`);
    await creatorPage.getByRole("button", { name: `Connect ${WALLET_NAME}` }).click();
    await creatorPage.getByTestId("profile-form").waitFor();
    await creatorPage.getByTestId("profile-name").fill(CREATOR_NAME);
    await creatorPage.getByTestId("profile-bio").fill("Notes on the analytical engine. <script>alert(1)</script>");
    await creatorPage.getByTestId("profile-website").fill("https://ada.example/");
    await creatorPage.getByTestId("profile-publish").click();
    await creatorPage.getByTestId("profile-status").getByText("Published: version 1").waitFor({ timeout: 30_000 });
    await system.screenshot(creatorPage, "profile-published");
    const stored = (await (await fetch(`${system.keeper.url}/v1/creators/${creator}/profile`)).json()) as {
      name: string;
      version: string;
    };
    assert.equal(stored.name, CREATOR_NAME);
    assert.equal(stored.version, "1");

    // 2. A reader subscribes and turns one-click mode on.
    const reader = accounts.reader;
    await system.mint(reader.address, 100n * USD);
    const { context, page } = await readerContext(system, reader);
    await page.getByTestId("sub-amount").fill("10");
    await page.getByTestId("sub-months").fill("1");
    await page.getByTestId("subscribe").click();
    await page.getByText("Subscribe: done").waitFor({ timeout: 60_000 });
    await page.getByTestId("one-click-no-budget").waitFor({ state: "detached", timeout: 20_000 });
    await page.getByTestId("enable-one-click").click();
    await page.getByTestId("one-click-status").waitFor();

    // 3. On the other site each button names the creator by its verified profile, and counts a click.
    const site = await context.newPage();
    await site.goto(system.embed.url);
    const [first, second] = await Promise.all(ITEMS.map((item) => buttonFrame(site, creator, item.url)));
    assert.ok(first && second);
    for (const frame of [first, second]) {
      await frame.locator("#plaudit-creator").getByText(`by ${CREATOR_NAME}`).waitFor({ timeout: 30_000 });
      assert.equal(await frame.getAttribute("#plaudit-creator", "href"), `${system.app.url}#/c/${creator}`);
    }
    // The first click opens the click window, which counts it; the reader lets this site's buttons skip
    // the window this month, so the second click counts in its frame.
    const popupOpened = context.waitForEvent("page");
    await first.click("#plaudit-button");
    const popup = await popupOpened;
    const popupClosed = popup.waitForEvent("close", { timeout: 30_000 });
    await clickClosingButton(popup, popup.getByRole("button", { name: /^Allow on 127\.0\.0\.1$/ }));
    await popupClosed;
    await first.waitForSelector('#plaudit-button[data-clicked="true"]', { timeout: 30_000 });
    await second.click("#plaudit-button");
    await second.waitForSelector('#plaudit-button[data-clicked="true"]', { timeout: 30_000 });
    await system.screenshot(site, "two-items-applauded");

    // 4. "Applaud a page" finds creator B from the page's meta tag, and applauds it like a button.
    await page.bringToFront();
    await page.goto(`${system.app.url}#/applaud`);
    await page.getByTestId("applaud-url").fill(discoverable.url);
    await page.getByRole("button", { name: "Find creator" }).click();
    await page.getByTestId("found-creator").getByText(accounts.creatorB.address).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId("found-title").textContent(), DISCOVERED_TITLE);
    await page.getByTestId("applaud-found").click();
    await page.locator('[data-testid="applaud-outcome"].ok').waitFor({ timeout: 30_000 });
    await system.screenshot(page, "discovered-page-applauded");
    const tally = (await (await fetch(`${system.keeper.url}/v1/readers/${reader.address}/tallies?epoch=0`)).json()) as {
      tallies: { creators: string[]; counts: number[] }[];
    };
    const clicks = new Map<string, number>();
    for (const t of tally.tallies)
      t.creators.forEach((c, i) => clicks.set(c, (clicks.get(c) ?? 0) + (t.counts[i] ?? 0)));
    assert.equal(clicks.get(creator), 2, "both items' clicks reached the keeper");
    assert.equal(clicks.get(accounts.creatorB.address), 1, "the discovered page's click reached the keeper");

    // 5. The reader's month names the creator and the items by their titles.
    await page.goto(`${system.app.url}#/reader`);
    await shows(page, "creator-name", CREATOR_NAME);
    for (const item of ITEMS) await page.getByText(item.title).first().waitFor({ timeout: 30_000 });
    await page.getByText(DISCOVERED_TITLE).first().waitFor({ timeout: 30_000 });
    await system.screenshot(page, "reader-month-named");

    // 6. The creator's public page: the verified profile as text, the items with their titles and
    // readers; the reader tips once from it.
    await page.goto(`${system.app.url}#/c/${creator}`);
    await page.getByTestId("public-profile").getByText(CREATOR_NAME).first().waitFor({ timeout: 30_000 });
    assert.match((await page.getByTestId("public-bio").textContent()) ?? "", /<script>alert\(1\)<\/script>/);
    for (const item of ITEMS) await shows(page, "public-item", item.title);
    const claimableBefore = await publicClient.readContract({
      address: system.deployed.pool,
      abi: plauditPoolAbi,
      functionName: "claimableOf",
      args: [creator],
    });
    const balanceBeforeTip = await system.tokenBalance(reader.address);
    await page.getByTestId("tip-amount").fill("2");
    await page.getByTestId("tip-send").click();
    await page.getByText("Tip: done").waitFor({ timeout: 60_000 });
    // The month's tips join the creator's earnings (history follows the creator's activity).
    await page.getByTestId("public-earnings").getByText("2 USD").waitFor({ timeout: 60_000 });
    await system.screenshot(page, "public-page-tipped");
    const claimableAfter = await publicClient.readContract({
      address: system.deployed.pool,
      abi: plauditPoolAbi,
      functionName: "claimableOf",
      args: [creator],
    });
    assert.equal(claimableAfter - claimableBefore, TIP, "the tip is credited to the creator at once");
    const budget = await publicClient.readContract({
      address: system.deployed.pool,
      abi: plauditPoolAbi,
      functionName: "budgetOf",
      args: [reader.address, 0n],
    });
    assert.equal(budget[0], 10n * USD, "the tip left the month's budget alone");
    assert.equal(await system.tokenBalance(reader.address), balanceBeforeTip - TIP, "the reader paid the tip");

    // 7. Popular this month: items by title and readers, creators by name.
    await page.goto(`${system.app.url}#/popular`);
    for (const item of ITEMS) await shows(page, "popular-item", item.title);
    await shows(page, "popular-item", DISCOVERED_TITLE);
    await shows(page, "popular-creator", CREATOR_NAME);
    await system.screenshot(page, "popular");
    await creatorContext.close();
  },
);
