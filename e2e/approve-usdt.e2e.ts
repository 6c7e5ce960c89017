/**
 * Browser test of readers on a USDT-like token (no permit, no EIP-3009, no return values, an allowance
 * changes only through zero): the approve path. A wallet that reports EIP-5792's atomic capability gets the
 * approval and the subscription as one batch it confirms once; a wallet that answers methodNotFound (as
 * Rabby does) gets the transactions one after the other, explained on screen, with the zero-first approval
 * when an old allowance is in the way. Screenshots land in e2e/artifacts/approve-usdt/.
 *
 * Run: npm run test:e2e (builds the app first).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { erc20Abi, parseAbi, type Address } from "viem";

import { plauditPoolAbi } from "@plaudit/protocol";
import { hardhatAccount } from "../scripts/local/accounts.js";
import { clients } from "./harness/chain.js";
import { readerContext, startSystem, type System } from "./harness/system.js";

const USD = 1_000_000n;
const PER_MONTH = 10n * USD;
const MONTHS = 2n;

let system: System;

before(async () => {
  system = await startSystem({
    token: "MockUSDT",
    symbol: "USDT",
    epochLength: 3600,
    keeperTipBps: 50,
    relayMinFee: 0n,
    buttons: [],
    artifacts: fileURLToPath(new URL("artifacts/approve-usdt", import.meta.url)),
  });
});

after(async () => {
  await system?.stop();
});

async function subscribeOnPage(page: import("playwright-core").Page) {
  await page.getByTestId("sub-amount").fill("10");
  await page.getByTestId("sub-months").fill(MONTHS.toString());
  await page.getByTestId("subscribe").click();
  await page.getByText("Subscribe: done").waitFor({ timeout: 60_000 });
}

function chainReads(reader: Address) {
  const { publicClient } = clients(system.chain.rpcUrl);
  return {
    budget: async (epoch: bigint) =>
      (
        await publicClient.readContract({
          address: system.deployed.pool,
          abi: plauditPoolAbi,
          functionName: "budgetOf",
          args: [reader, epoch],
        })
      )[0],
    allowance: () =>
      publicClient.readContract({
        address: system.deployed.token,
        abi: erc20Abi,
        functionName: "allowance",
        args: [reader, system.deployed.pool],
      }),
  };
}

test(
  "a USDT reader whose wallet batches atomically approves and subscribes in one EIP-5792 batch",
  { timeout: 180_000 },
  async () => {
    const reader = hardhatAccount(2).account;
    await system.mint(reader.address, 100n * USD);
    const { context, wallet, page } = await readerContext(system, reader, { batching: "atomic" });
    const path = page.getByTestId("subscribe-path");
    await path.getByText("in one batch").waitFor({ timeout: 20_000 });
    assert.equal(await path.getAttribute("data-path"), "approve-batch");
    await system.screenshot(page, "batched-plan");
    await subscribeOnPage(page);
    const reads = chainReads(reader.address);
    assert.equal(await reads.budget(0n), PER_MONTH);
    assert.equal(await reads.budget(1n), PER_MONTH);
    assert.equal(await reads.allowance(), 0n, "the pool took exactly what was approved");
    assert.equal(wallet.requests.filter((m) => m === "wallet_sendCalls").length, 1, "one batch");
    assert.equal(wallet.requests.filter((m) => m === "eth_sendTransaction").length, 0, "no separate transaction");
    await system.screenshot(page, "batched-subscribed");
    await context.close();
  },
);

test(
  "a USDT reader whose wallet cannot batch (methodNotFound) is told of three transactions: zero the old allowance, approve, subscribe",
  { timeout: 180_000 },
  async () => {
    const reader = hardhatAccount(3).account;
    await system.mint(reader.address, 100n * USD);
    // An old allowance the token will not change into another without going through zero.
    const { publicClient, walletFor } = clients(system.chain.rpcUrl);
    const approveAbi = parseAbi(["function approve(address spender, uint256 value)"]);
    const hash = await walletFor(reader).writeContract({
      address: system.deployed.token,
      abi: approveAbi,
      functionName: "approve",
      args: [system.deployed.pool, 1n],
    });
    await publicClient.waitForTransactionReceipt({ hash });

    const { context, wallet, page } = await readerContext(system, reader, { batching: "none" });
    const path = page.getByTestId("subscribe-path");
    await path.getByText("three transactions").waitFor({ timeout: 20_000 });
    assert.equal(await path.getAttribute("data-path"), "approve-then-subscribe");
    await system.screenshot(page, "sequential-plan");
    const sentBefore = wallet.requests.filter((m) => m === "eth_sendTransaction").length;
    await subscribeOnPage(page);
    const reads = chainReads(reader.address);
    assert.equal(await reads.budget(0n), PER_MONTH);
    assert.equal(await reads.budget(1n), PER_MONTH);
    assert.equal(await reads.allowance(), 0n);
    assert.equal(wallet.requests.filter((m) => m === "eth_sendTransaction").length - sentBefore, 3);
    assert.ok(wallet.requests.includes("wallet_getCapabilities"), "the dApp asked the wallet what it can do");
    assert.ok(!wallet.requests.includes("wallet_sendCalls"), "and sent no batch to a wallet without one");
    await system.screenshot(page, "sequential-subscribed");
    await context.close();
  },
);
