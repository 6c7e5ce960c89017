/**
 * RPC calls of one idle open dApp tab, measured on the real thing (used by bench-rpc.ts): the built dApp
 * (app/dist, `npm run app:build`) served with a deployment file whose `rpcUrl` is a limits proxy's URL for
 * a client of its own, opened in Chromium (playwright-core, /usr/bin/chromium, headless) on the reader page
 * with a connected test wallet (e2e/harness/wallet.ts; the wallet's own RPC is the wallet's, not the
 * page's). Once the page shows the reader's history and its first reads are over, the proxy's count for
 * the tab's client is taken before and after `idleSeconds` while `during` runs (the chain goes on).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";
import type { LocalAccount } from "viem";

import type { Deployment } from "@plaudit/protocol";
import { injectWallet, WALLET_NAME } from "../e2e/harness/wallet.js";
import { deploymentFile } from "./local/deployment.js";
import { serveApp } from "./local/servers.js";
import type { RpcLimitsProxy } from "./rpc-limits/proxy.js";

const APP_DIST = fileURLToPath(new URL("../app/dist/", import.meta.url));
/** The page counts as settled once the tab made no call for this long after its history showed... */
const QUIET_MS = 3000;
/** ...or after this long, whichever comes first. */
const SETTLE_MAX_MS = 30_000;

export interface IdleTabOptions {
  /** The deployment the page reads; its `rpcUrl` is replaced by the proxy's URL for `client`. */
  deployment: Deployment;
  /** With an indexer the page reads history from it; without, it scans logs in `logRange` ranges. */
  indexerUrl: string | undefined;
  logRange: number;
  proxy: RpcLimitsProxy;
  /** The proxy's client name for this tab (its own count and rate bucket). */
  client: string;
  /** The connected wallet's account and its RPC (the chain directly: a wallet's RPC is not the page's). */
  account: LocalAccount;
  walletRpcUrl: string;
  /** Test id of an element the page shows once it has the reader's history (e.g. "paid-0"). */
  readyTestId: string;
  /** How long the page may take to show it. */
  readyTimeoutMs: number;
  idleSeconds: number;
  /** Runs while the tab is counted (the chain makes blocks, other accounts act); resolves when done. */
  during: (idleSeconds: number) => Promise<void>;
}

export interface IdleTabResult {
  /** ms from opening the page until it showed the reader's history. */
  readyMs: number;
  /** The tab's calls while it loaded and settled. */
  loadCalls: number;
  idleCalls: number;
  idleSeconds: number;
  idleRpcPerMin: number;
  /** The idle calls by method. */
  byMethod: Record<string, number>;
}

export function appBuilt(): boolean {
  return existsSync(join(APP_DIST, "index.html"));
}

export async function measureIdleTab(options: IdleTabOptions): Promise<IdleTabResult> {
  if (!appBuilt()) throw new Error(`no built dApp at ${APP_DIST}: run npm run app:build first`);
  const key = `key:${options.client}`;
  const deployment = {
    ...options.deployment,
    rpcUrl: options.proxy.urlFor(options.client),
    logRange: options.logRange,
    ...(options.indexerUrl === undefined ? {} : { indexerUrl: options.indexerUrl }),
  };
  const json = deploymentFile(deployment);
  const app = await serveApp(APP_DIST, () => json);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const callsOf = () => options.proxy.stats().byClient[key] ?? 0;
  const methodsOf = () => options.proxy.stats().byClientMethod[key] ?? {};
  try {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await injectWallet(context, options.walletRpcUrl, options.account);
    const page = await context.newPage();
    page.on("pageerror", (error) => console.error("[idle tab] page error:", error.message));
    const opened = performance.now();
    await page.goto(`${app.url}#/reader`);
    await page.getByRole("button", { name: `Connect ${WALLET_NAME}` }).click();
    try {
      await page.getByTestId(options.readyTestId).waitFor({ timeout: options.readyTimeoutMs });
    } catch (error) {
      throw new Error(`the reader page never showed its history; it said:\n${await page.locator("main").innerText()}`, {
        cause: error,
      });
    }
    const readyMs = Math.round(performance.now() - opened);
    // Idle: the first reads answered, the tab quiet for a while.
    const settleStart = performance.now();
    let last = callsOf();
    let quietSince = performance.now();
    while (performance.now() - quietSince < QUIET_MS && performance.now() - settleStart < SETTLE_MAX_MS) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const now = callsOf();
      if (now !== last) {
        last = now;
        quietSince = performance.now();
      }
    }
    const loadCalls = callsOf();
    const methodsBefore = methodsOf();
    const idleStart = performance.now();
    await options.during(options.idleSeconds);
    const idleCalls = callsOf() - loadCalls;
    const idleSeconds = (performance.now() - idleStart) / 1000;
    const methodsAfter = methodsOf();
    const byMethod = Object.fromEntries(
      Object.entries(methodsAfter)
        .map(([method, n]) => [method, n - (methodsBefore[method] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );
    await context.close();
    return {
      readyMs,
      loadCalls,
      idleCalls,
      idleSeconds: Math.round(idleSeconds * 10) / 10,
      idleRpcPerMin: Math.round((idleCalls / (idleSeconds / 60)) * 10) / 10,
      byMethod,
    };
  } finally {
    await browser.close().catch(() => undefined);
    await app.stop().catch(() => undefined);
  }
}
