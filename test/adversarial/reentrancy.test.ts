/**
 * Attacks through a token that calls back into the pool from inside every transfer the pool makes or
 * receives (subscribe's transferFrom; cancel's, withdraw's and claim's payouts; settle's tip). Creator B
 * has a claimable balance and another reader's batch is ready, so a reentering claim or settle would pay
 * out if it got past the guard (the token's own claimTo, withdraw, cancel and subscribe are tried too;
 * the pool refuses the token itself as a creator, so it never has a balance of its own). Every reentry
 * must fail with ReentrancyGuardReentrantCall and the books must still balance.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import type { Address } from "viem";

import {
  deployPoolFixture,
  EPOCH_LENGTH,
  ethers,
  KEEPER_TIP_BPS,
  networkHelpers,
  READER_FUNDS,
} from "../helpers/fixtures.js";
import { BUDGET, BudgetStatus, clicksFor, expectBudget, expectConservation } from "../helpers/pool.js";
import { domainOf, readerSignedTally, type SignedTallyStruct } from "../helpers/signing.js";
import { settleArgs } from "@plaudit/protocol";

/** A pool on the reentrant token; alice and bob fund epochs 0..3 and click creators A and B. */
async function reentrantPoolFixture() {
  const base = await deployPoolFixture();
  const { alice, bob, carol, keeper, creatorA, creatorB, stranger } = base;
  const token = await ethers.deployContract("ReentrantToken");
  const startTime = BigInt(await networkHelpers.time.latest()) + 3600n;
  const pool = await ethers.deployContract("PlauditPool", [token, startTime, EPOCH_LENGTH, KEEPER_TIP_BPS]);
  const poolAddress = (await pool.getAddress()) as Address;
  const tokenAddress = (await token.getAddress()) as Address;
  for (const reader of [alice, bob, carol]) {
    await token.mint(reader, READER_FUNDS);
    await token.connect(reader).approve(pool, ethers.MaxUint256);
    if (reader !== carol) await pool.connect(reader).subscribe(BUDGET, 4n, 0n);
  }
  const domain = await domainOf(pool);
  // Readers click creators A and B, so that both have a balance once settled.
  const aliceTally = await readerSignedTally(
    alice,
    domain,
    0n,
    clicksFor([
      [creatorA, 1],
      [creatorB, 1],
    ]),
  );
  const bobTally = await readerSignedTally(
    bob,
    domain,
    0n,
    clicksFor([
      [creatorA, 1],
      [creatorB, 1],
    ]),
  );
  const goToEpoch = (epoch: bigint) => networkHelpers.time.increaseTo(startTime + epoch * EPOCH_LENGTH);
  const readers: (HardhatEthersSigner | Address)[] = [alice, bob, carol, tokenAddress];
  const creators: (HardhatEthersSigner | Address)[] = [creatorA, creatorB, tokenAddress, keeper, stranger];
  const expectBooksBalance = () => expectConservation(pool, token, readers, creators);
  return {
    ...base,
    token,
    pool,
    poolAddress,
    tokenAddress,
    domain,
    aliceTally,
    bobTally,
    goToEpoch,
    expectBooksBalance,
  };
}

type Fixture = Awaited<ReturnType<typeof reentrantPoolFixture>>;

const batchOf = (reader: Address | { address: string }, tally: SignedTallyStruct) => [
  { reader: typeof reader === "string" ? reader : reader.address, tallies: [tally] },
];

/** Every entry point the token tries from inside a transfer; each would do something if unguarded. */
function reentryPayloads(f: Fixture): { name: string; data: string }[] {
  const pool = f.pool.interface;
  return [
    {
      name: "settle bob's epoch 0",
      data: pool.encodeFunctionData("settle", [...settleArgs(0n, batchOf(f.bob, f.bobTally))]),
    },
    { name: "claim creator B's credit", data: pool.encodeFunctionData("claim", [f.creatorB.address]) },
    { name: "claimTo a stranger", data: pool.encodeFunctionData("claimTo", [f.stranger.address]) },
    { name: "withdraw", data: pool.encodeFunctionData("withdraw") },
    { name: "cancel", data: pool.encodeFunctionData("cancel", [3n]) },
    { name: "subscribe", data: pool.encodeFunctionData("subscribe", [1n, 1n, 3n]) },
  ];
}

/** Arms the token for its next transfer touching the pool. */
async function arm(f: Fixture): Promise<void> {
  await f.token.arm(
    f.poolAddress,
    reentryPayloads(f).map((p) => p.data),
  );
}

/** Every reentry was tried and every one failed with the guard's error, nothing else. */
async function expectEveryReentryRefused(f: Fixture): Promise<void> {
  const attempts = await f.token.attempts();
  const payloads = reentryPayloads(f);
  expect(attempts.length, "the token tried every reentry").to.equal(payloads.length);
  const guard = f.pool.interface.getError("ReentrancyGuardReentrantCall")?.selector;
  expect(guard).to.be.a("string");
  attempts.forEach((attempt, i) => {
    expect(attempt.success, `${payloads[i]?.name} got through`).to.equal(false);
    expect(attempt.returnData, `${payloads[i]?.name} failed for another reason`).to.equal(guard);
  });
}

describe("adversarial: a token that reenters the pool on transfer", () => {
  it("reentrancy: a reentering token cannot settle, claim, withdraw, cancel or subscribe from inside subscribe's transferFrom", async () => {
    const f = await networkHelpers.loadFixture(reentrantPoolFixture);
    await arm(f);
    await f.pool.connect(f.carol).subscribe(BUDGET, 2n, 0n);
    await expectEveryReentryRefused(f);
    await expectBudget(f.pool, f.carol, 1n, BUDGET, BudgetStatus.Open);
    await f.expectBooksBalance();
  });

  it("reentrancy: a reentering token gains nothing from inside cancel's refund", async () => {
    const f = await networkHelpers.loadFixture(reentrantPoolFixture);
    await arm(f);
    await expect(f.pool.connect(f.alice).cancel(2n)).to.changeTokenBalance(ethers, f.token, f.alice, 2n * BUDGET);
    await expectEveryReentryRefused(f);
    await expectBudget(f.pool, f.alice, 2n, 0n, BudgetStatus.Open);
    await f.expectBooksBalance();
  });

  it("reentrancy: a reentering token cannot settle another reader or claim from inside settle's tip transfer", async () => {
    const f = await networkHelpers.loadFixture(reentrantPoolFixture);
    await f.goToEpoch(1n);
    await arm(f);
    const tip = (BUDGET * KEEPER_TIP_BPS) / 10_000n;
    await expect(
      f.pool.connect(f.keeper).settle(...settleArgs(0n, batchOf(f.alice, f.aliceTally))),
    ).to.changeTokenBalance(ethers, f.token, f.keeper, tip);
    await expectEveryReentryRefused(f);
    expect(await f.pool.isSettled(f.bob, 0n), "bob was settled by the reentry").to.equal(false);
    expect(await f.pool.claimableOf(f.creatorB)).to.equal((BUDGET - tip) / 2n);
    await f.expectBooksBalance();
    // The reentry changed nothing: bob still settles normally, once.
    await f.pool.connect(f.keeper).settle(...settleArgs(0n, batchOf(f.bob, f.bobTally)));
    expect(await f.pool.claimableOf(f.creatorB)).to.equal(BUDGET - tip);
    await f.expectBooksBalance();
  });

  it("reentrancy: a reentering token cannot move another creator's credit from inside a creator's claim", async () => {
    const f = await networkHelpers.loadFixture(reentrantPoolFixture);
    await f.goToEpoch(1n);
    await f.pool
      .connect(f.keeper)
      .settle(...settleArgs(0n, [...batchOf(f.alice, f.aliceTally), ...batchOf(f.bob, f.bobTally)]));
    const otherCredit = await f.pool.claimableOf(f.creatorB);
    const creatorCredit = await f.pool.claimableOf(f.creatorA);
    await arm(f);
    await expect(f.pool.claim(f.creatorA)).to.changeTokenBalance(ethers, f.token, f.creatorA, creatorCredit);
    await expectEveryReentryRefused(f);
    expect(await f.pool.claimableOf(f.creatorB), "creator B's credit moved").to.equal(otherCredit);
    expect(await f.token.balanceOf(f.stranger)).to.equal(0n);
    await f.expectBooksBalance();
  });

  it("reentrancy: a reentering token gains nothing from inside withdraw's sweep", async () => {
    const f = await networkHelpers.loadFixture(reentrantPoolFixture);
    await f.goToEpoch(2n);
    await arm(f);
    // Epoch 0 expired unsettled for both readers: bob sweeps his.
    await expect(f.pool.connect(f.bob).withdraw()).to.changeTokenBalance(ethers, f.token, f.bob, BUDGET);
    await expectEveryReentryRefused(f);
    await expectBudget(f.pool, f.bob, 0n, BUDGET, BudgetStatus.Returned);
    await expectBudget(f.pool, f.alice, 0n, BUDGET, BudgetStatus.Open);
    await f.expectBooksBalance();
  });
});
