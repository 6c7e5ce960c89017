/**
 * One whole local system for a browser test on a chosen token mock: a Hardhat node, the token and the pool,
 * the built dApp served with its deployment file, the real keeper with its relay switched on (a key of its
 * own, a published fee), a page of another site embedding buttons, and Chromium. Readers and their wallets
 * are added per test (`readerContext`). Plus the steps every test shares: connecting, and a click through
 * the first-party pop-up.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium, type Browser, type BrowserContext, type Frame, type Page } from "playwright-core";
import { erc20Abi, parseAbi, type Address, type LocalAccount } from "viem";

import { scriptSnippet, type Deployment } from "@plaudit/protocol";
import { hardhatAccount } from "../../scripts/local/accounts.js";
import { deploymentFile } from "../../scripts/local/deployment.js";
import { serveApp, serveEmbeddingPage, type Served } from "../../scripts/local/servers.js";
import {
  accounts,
  CHAIN_ID,
  clients,
  deployPool,
  startHardhatNode,
  type Deployed,
  type LocalChain,
  type TestToken,
} from "./chain.js";
import { clickClosingButton } from "./popup.js";
import { startKeeper, testKeeperOptions, type RunningKeeper } from "./keeper.js";
import { injectWallet, WALLET_NAME, type TestWallet, type TestWalletOptions } from "./wallet.js";

const appRoot = fileURLToPath(new URL("../../app/", import.meta.url));
const mintAbi = parseAbi(["function mint(address to, uint256 amount)"]);

export interface SystemOptions {
  token: TestToken;
  symbol: string;
  epochLength: number;
  keeperTipBps: number;
  /** The least relayer fee the keeper publishes, in token units. */
  relayMinFee: bigint;
  /** Buttons on the other site's page (with the title their snippet declares, if any). */
  buttons: { creator: Address; itemUrl: string; title?: string }[];
  /** Where screenshots go. */
  artifacts: string;
}

export interface System {
  chain: LocalChain;
  deployed: Deployed;
  keeper: RunningKeeper;
  app: Served;
  embed: Served;
  browser: Browser;
  /** The account the keeper's relay sends from (it receives the relayer fees). */
  relayer: Address;
  mint(to: Address, amount: bigint): Promise<void>;
  tokenBalance(owner: Address): Promise<bigint>;
  screenshot(page: Page, name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startSystem(options: SystemOptions): Promise<System> {
  await rm(options.artifacts, { recursive: true, force: true });
  await mkdir(options.artifacts, { recursive: true });
  const chain = await startHardhatNode();
  const deployed = await deployPool(chain.rpcUrl, options.epochLength, options.keeperTipBps, options.token);
  const { publicClient, walletFor } = clients(chain.rpcUrl);
  const dataDir = await mkdtemp(join(tmpdir(), "plaudit-e2e-keeper-"));
  let deploymentJson = "";
  const app = await serveApp(join(appRoot, "dist"), () => deploymentJson);
  const relayAccount = hardhatAccount(8);
  const keeper = await startKeeper({
    ...testKeeperOptions(chain.rpcUrl, deployed.pool, dataDir, new URL(app.url).origin),
    relayKey: relayAccount.privateKey,
    relayMinFee: options.relayMinFee,
    // "Applaud a page" may look up the test's own pages on this host.
    discoverAllowHosts: ["127.0.0.1"],
  });
  const deployment = {
    chainId: CHAIN_ID,
    rpcUrl: chain.rpcUrl,
    pool: deployed.pool,
    token: deployed.token,
    tokenSymbol: options.symbol,
    tokenDecimals: 6,
    startTime: deployed.startTime,
    epochLength: deployed.epochLength,
    keeperTipBps: deployed.keeperTipBps,
    deployBlock: deployed.deployBlock,
    keeperUrl: keeper.url,
  } satisfies Deployment & { rpcUrl: string };
  deploymentJson = deploymentFile(deployment);
  const appUrl = app.url;
  const embed =
    await serveEmbeddingPage(`<!doctype html><html><head><meta charset="utf-8"><title>A creator's site</title></head>
<body><h1>A creator's site on another origin</h1>
${options.buttons.map((b) => `<p>${b.itemUrl}</p>${scriptSnippet({ appUrl, ...b })}`).join("\n")}
</body></html>`);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  let shot = 0;
  return {
    chain,
    deployed,
    keeper,
    app,
    embed,
    browser,
    relayer: relayAccount.address,
    async mint(to, amount) {
      const hash = await walletFor(accounts.deployer).writeContract({
        address: deployed.token,
        abi: mintAbi,
        functionName: "mint",
        args: [to, amount],
      });
      await publicClient.waitForTransactionReceipt({ hash });
    },
    tokenBalance: (owner) =>
      publicClient.readContract({ address: deployed.token, abi: erc20Abi, functionName: "balanceOf", args: [owner] }),
    async screenshot(page, name) {
      shot++;
      await page.screenshot({
        path: join(options.artifacts, `${String(shot).padStart(2, "0")}-${name}.png`),
        fullPage: true,
      });
    },
    async stop() {
      await browser.close().catch(() => undefined);
      await keeper.stop().catch(() => undefined);
      await app.stop().catch(() => undefined);
      await embed.stop().catch(() => undefined);
      await chain.stop().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A browser context with `account`'s test wallet injected, on the reader page, connected. */
export async function readerContext(
  system: System,
  account: LocalAccount,
  walletOptions: TestWalletOptions = {},
): Promise<{ context: BrowserContext; wallet: TestWallet; page: Page }> {
  const context = await system.browser.newContext({ viewport: { width: 1100, height: 900 } });
  const wallet = await injectWallet(context, system.chain.rpcUrl, account, walletOptions);
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error("page error:", error.message));
  await page.goto(`${system.app.url}#/reader`);
  await page.getByRole("button", { name: `Connect ${WALLET_NAME}` }).click();
  await page.getByTestId("account").waitFor();
  return { context, wallet, page };
}

export async function buttonFrame(page: Page, creator: Address, item: string): Promise<Frame> {
  const handle = await page.waitForSelector(
    `iframe[src*="creator=${creator}"][src*="url=${encodeURIComponent(item)}"]`,
  );
  const frame = await handle.contentFrame();
  assert.ok(frame, "button iframe has a frame");
  await frame.waitForSelector("#plaudit-button:not([disabled])");
  return frame;
}

/**
 * Clicks a button on the other site; the first-party window signs the click and closes. The first window
 * on a site asks whether the site's buttons may skip it this month: `notNow` answers no.
 */
export async function clickThroughPopup(context: BrowserContext, frame: Frame, { notNow = false } = {}): Promise<void> {
  const popupPromise = context.waitForEvent("page");
  await frame.click("#plaudit-button");
  const popup = await popupPromise;
  assert.match(popup.url(), /\/click\.html$/);
  const closed = popup.waitForEvent("close", { timeout: 30_000 });
  if (notNow) await clickClosingButton(popup, popup.getByRole("button", { name: "Not now" }));
  await closed.catch(async () => {
    throw new Error(`the click pop-up stayed open: ${await popup.textContent("body")}`);
  });
  await frame.waitForSelector('#plaudit-button[data-clicked="true"]');
}
