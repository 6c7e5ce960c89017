/**
 * Browser test of a reader who holds USDC and no native coin at all, on a USDC-like token (EIP-3009,
 * permit without ERC-5267): the whole cycle without one transaction of the reader's. It subscribes by one
 * signed authorization the keeper relays (its fee shown first, and charged), turns one-click mode on (a
 * signature), applauds on another site, cancels its last month (a signed cancellation, relayed); the
 * keeper settles; the creator claims without gas through the relay; the reader revokes its session keys
 * and withdraws a month that came back, both relayed. Every relayed action is followed to its outcome on
 * screen and checked on chain; the reader's native balance stays zero and its wallet never sends a
 * transaction. Screenshots land in e2e/artifacts/gasless-usdc/.
 *
 * Run: npm run test:e2e (builds the app first).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { formatUnits } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { plauditPoolAbi, splitBudget } from "@plaudit/protocol";
import { accounts, clients, travelTo } from "./harness/chain.js";
import { buttonFrame, clickThroughPopup, readerContext, startSystem, type System } from "./harness/system.js";

const EPOCH_LENGTH = 3600;
const TIP_BPS = 50;
const USD = 1_000_000n;
const READER_FUNDS = 100n * USD;
const PER_MONTH = 10n * USD;
const MONTHS = 3n;
/** The keeper's published relayer fee: 0.01 USDC per fee-bearing action. */
const RELAY_FEE = 10_000n;
const ITEM = "https://creator-a.example/essay";

const usdc = (units: bigint) => `${formatUnits(units, 6)} USDC`;

let system: System;

before(async () => {
  system = await startSystem({
    token: "MockUSDC",
    symbol: "USDC",
    epochLength: EPOCH_LENGTH,
    keeperTipBps: TIP_BPS,
    relayMinFee: RELAY_FEE,
    buttons: [{ creator: accounts.creatorA.address, itemUrl: ITEM }],
    artifacts: fileURLToPath(new URL("artifacts/gasless-usdc", import.meta.url)),
  });
});

after(async () => {
  await system?.stop();
});

test(
  "a reader with USDC and no native coin subscribes, applauds, cancels, withdraws and revokes by relayed signatures; the creator claims without gas",
  { timeout: 300_000 },
  async () => {
    const { publicClient } = clients(system.chain.rpcUrl);
    const { pool } = system.deployed;
    const reader = privateKeyToAccount(generatePrivateKey());
    await system.mint(reader.address, READER_FUNDS);
    assert.equal(await publicClient.getBalance({ address: reader.address }), 0n, "the reader holds no native coin");
    const budgetOf = async (epoch: bigint) =>
      (
        await publicClient.readContract({
          address: pool,
          abi: plauditPoolAbi,
          functionName: "budgetOf",
          args: [reader.address, epoch],
        })
      )[0];

    const { context, wallet, page } = await readerContext(system, reader);

    // The dApp found the token's EIP-3009 authorization and the keeper's relay, and says so with the fee.
    const path = page.getByTestId("subscribe-path");
    await path.getByText("No gas needed").waitFor({ timeout: 20_000 });
    assert.equal(await path.getAttribute("data-path"), "relay-authorization");
    assert.equal(await page.getByTestId("relay-fee").textContent(), usdc(RELAY_FEE));
    await page.getByTestId("sub-amount").fill("10");
    await page.getByTestId("sub-months").fill(MONTHS.toString());
    assert.equal(
      (await page.getByTestId("subscribe").textContent())?.trim(),
      `Subscribe (${usdc(PER_MONTH * MONTHS + RELAY_FEE)})`,
    );
    await system.screenshot(page, "subscribe-gasless");
    await page.getByTestId("subscribe").click();
    const subscribed = page.locator('[data-phase="success"][data-sender="keeper"]').getByText("Subscribe: done");
    await subscribed.waitFor({ timeout: 60_000 });
    for (const epoch of [0n, 1n, 2n]) assert.equal(await budgetOf(epoch), PER_MONTH);
    assert.equal(await system.tokenBalance(system.relayer), RELAY_FEE, "the relay got the fee the reader saw");
    assert.equal(await system.tokenBalance(reader.address), READER_FUNDS - PER_MONTH * MONTHS - RELAY_FEE);
    await system.screenshot(page, "subscribed-gasless");

    // One-click mode is one signature, no transaction.
    await page.getByTestId("one-click-no-budget").waitFor({ state: "detached", timeout: 20_000 });
    await page.getByTestId("enable-one-click").click();
    await page.getByTestId("one-click-status").waitFor();

    // A click on the other site's button counts.
    const site = await context.newPage();
    await site.goto(system.embed.url);
    const frame = await buttonFrame(site, accounts.creatorA.address, ITEM);
    await clickThroughPopup(context, frame, { notNow: true });
    assert.equal(await frame.textContent("#plaudit-count"), "1");
    await page.bringToFront();

    // Cancel the last month by a signed cancellation; the refund less the fee comes back.
    await page.getByTestId("intent-relay-fee").getByText(usdc(RELAY_FEE)).waitFor({ timeout: 20_000 });
    await page.getByLabel("Cancel from month").selectOption("2");
    const beforeCancel = await system.tokenBalance(reader.address);
    await page.getByTestId("cancel").click();
    await page.locator('[data-sender="keeper"]').getByText("Cancel: done").waitFor({ timeout: 60_000 });
    assert.equal(await budgetOf(2n), 0n);
    assert.equal(await system.tokenBalance(reader.address), beforeCancel + PER_MONTH - RELAY_FEE);

    // Month 0 ends; the keeper settles it with the reader's tally.
    await travelTo(system.chain.rpcUrl, system.deployed.startTime + EPOCH_LENGTH + 1);
    const settler = system.keeper.settler;
    assert.ok(settler, "the test keeper can settle");
    await settler.settleEpoch(0n, { ignoreGrace: true });
    const expected = splitBudget(PER_MONTH, TIP_BPS, [{ creators: [accounts.creatorA.address], counts: [1] }]);
    const share = expected.shares.get(accounts.creatorA.address) ?? 0n;
    assert.ok(share > 0n);

    // The creator claims without gas and without a wallet: the keeper sends claim(creator).
    await page.goto(`${system.app.url}#/creator`);
    await page.getByPlaceholder(reader.address).fill(accounts.creatorA.address);
    await page
      .getByTestId("claimable")
      .getByText(`Claimable: ${usdc(share)}`)
      .waitFor({ timeout: 20_000 });
    await page.getByTestId("claim-relayed").click();
    await page.locator('[data-sender="keeper"]').getByText("Gasless claim: done").waitFor({ timeout: 60_000 });
    assert.equal(await system.tokenBalance(accounts.creatorA.address), share);
    await system.screenshot(page, "claimed-gasless");

    // Revoke every session key by a signed revocation.
    await page.goto(`${system.app.url}#/reader`);
    await page.getByTestId("account").waitFor();
    const nonceBefore = await publicClient.readContract({
      address: pool,
      abi: plauditPoolAbi,
      functionName: "sessionNonceOf",
      args: [reader.address],
    });
    await page.getByTestId("revoke-sessions").click({ timeout: 20_000 });
    await page.locator('[data-sender="keeper"]').getByText("Revoke: done").waitFor({ timeout: 60_000 });
    await page.getByTestId("one-click-status").waitFor({ state: "detached" });
    assert.equal(
      await publicClient.readContract({
        address: pool,
        abi: plauditPoolAbi,
        functionName: "sessionNonceOf",
        args: [reader.address],
      }),
      nonceBefore + 1,
    );

    // Month 1 had no clicks and nobody settled it: after its window it comes back, withdrawn by a signed withdrawal.
    await travelTo(system.chain.rpcUrl, system.deployed.startTime + 3 * EPOCH_LENGTH + 1);
    await page.reload();
    await page.getByTestId("account").waitFor();
    await page
      .getByTestId("withdraw")
      .getByText(`(${usdc(PER_MONTH)})`)
      .waitFor({ timeout: 30_000 });
    const beforeWithdraw = await system.tokenBalance(reader.address);
    await page.getByTestId("withdraw").click();
    await page.locator('[data-sender="keeper"]').getByText("Withdraw: done").waitFor({ timeout: 60_000 });
    assert.equal(await system.tokenBalance(reader.address), beforeWithdraw + PER_MONTH - RELAY_FEE);
    await system.screenshot(page, "withdrawn-gasless");

    // Never a transaction from the reader, never a wei of native coin.
    assert.equal(wallet.requests.filter((m) => m === "eth_sendTransaction" || m === "wallet_sendCalls").length, 0);
    assert.equal(await publicClient.getBalance({ address: reader.address }), 0n);
    assert.equal(await system.tokenBalance(reader.address), READER_FUNDS - PER_MONTH - 3n * RELAY_FEE);
    assert.equal(await system.tokenBalance(system.relayer), 3n * RELAY_FEE);
    await context.close();
  },
);
