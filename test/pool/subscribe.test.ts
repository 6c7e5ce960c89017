import { expect } from "chai";

import { MAX_SUBSCRIPTION_EPOCHS, permitTypes } from "@plaudit/protocol";
import {
  DAY,
  deployPoolFixture,
  EPOCH_LENGTH,
  ethers,
  KEEPER_TIP_BPS,
  networkHelpers,
  USD,
} from "../helpers/fixtures.js";
import { domainOf } from "../helpers/signing.js";
import { BudgetStatus, expectBudget, expectConservation } from "../helpers/pool.js";

const UINT128_MAX = 2n ** 128n - 1n;
const MAX_EPOCHS = BigInt(MAX_SUBSCRIPTION_EPOCHS);

describe("PlauditPool subscribe", () => {
  it("subscribe: pulls amount * epochs and funds each epoch", async () => {
    const { pool, token, alice } = await networkHelpers.loadFixture(deployPoolFixture);
    await expect(pool.connect(alice).subscribe(10n * USD, 3n, 0n)).to.changeTokenBalances(
      ethers,
      token,
      [alice, pool],
      [-30n * USD, 30n * USD],
    );
    for (const epoch of [0n, 1n, 2n]) await expectBudget(pool, alice, epoch, 10n * USD, BudgetStatus.Open);
    await expectBudget(pool, alice, 3n, 0n, BudgetStatus.Open);
    await expectConservation(pool, token, [alice], []);
  });

  it("subscribe: emits Subscribed with the range, amount per epoch and total", async () => {
    const { pool, alice } = await networkHelpers.loadFixture(deployPoolFixture);
    await expect(pool.connect(alice).subscribe(7n * USD, 4n, 2n))
      .to.emit(pool, "Subscribed")
      .withArgs(alice.address, 2n, 4n, 7n * USD, 28n * USD);
  });

  it("subscribe: sets readerEpochs to the funded range and widens it on later subscriptions", async () => {
    const { pool, alice } = await networkHelpers.loadFixture(deployPoolFixture);
    await pool.connect(alice).subscribe(USD, 2n, 3n);
    expect(await pool.readerEpochs(alice)).to.deep.equal([3n, 5n]);
    await pool.connect(alice).subscribe(USD, 1n, 1n);
    expect(await pool.readerEpochs(alice)).to.deep.equal([1n, 5n]);
    await pool.connect(alice).subscribe(USD, 2n, 6n);
    expect(await pool.readerEpochs(alice)).to.deep.equal([1n, 8n]);
  });

  it("subscribe: the first epoch may be the current one, which is funded at once", async () => {
    const { pool, alice, goToEpoch } = await networkHelpers.loadFixture(deployPoolFixture);
    await goToEpoch(2n, DAY);
    await expect(pool.connect(alice).subscribe(USD, 1n, 2n)).to.emit(pool, "Subscribed");
    await expectBudget(pool, alice, 2n, USD, BudgetStatus.Open);
  });

  it("subscribe: refuses an epoch that already started with EpochAlreadyStarted", async () => {
    const { pool, alice, goToEpoch } = await networkHelpers.loadFixture(deployPoolFixture);
    await goToEpoch(2n);
    await expect(pool.connect(alice).subscribe(USD, 3n, 1n))
      .to.be.revertedWithCustomError(pool, "EpochAlreadyStarted")
      .withArgs(1n, 2n);
  });

  it("subscribe: refuses a zero amount or zero epochs with ZeroAmount", async () => {
    const { pool, alice } = await networkHelpers.loadFixture(deployPoolFixture);
    await expect(pool.connect(alice).subscribe(0n, 1n, 0n)).to.be.revertedWithCustomError(pool, "ZeroAmount");
    await expect(pool.connect(alice).subscribe(USD, 0n, 0n)).to.be.revertedWithCustomError(pool, "ZeroAmount");
  });

  it("subscribe: refuses more than MAX_SUBSCRIPTION_EPOCHS epochs with TooManyEpochs", async () => {
    const { pool, alice } = await networkHelpers.loadFixture(deployPoolFixture);
    await expect(pool.connect(alice).subscribe(1n, MAX_EPOCHS + 1n, 0n))
      .to.be.revertedWithCustomError(pool, "TooManyEpochs")
      .withArgs(MAX_EPOCHS + 1n, MAX_EPOCHS);
  });

  it("subscribe: accepts MAX_SUBSCRIPTION_EPOCHS epochs reaching exactly current + MAX_SUBSCRIPTION_EPOCHS", async () => {
    const { pool, alice } = await networkHelpers.loadFixture(deployPoolFixture);
    await pool.connect(alice).subscribe(1n, MAX_EPOCHS, 1n);
    expect(await pool.readerEpochs(alice)).to.deep.equal([1n, MAX_EPOCHS + 1n]);
  });

  it("subscribe: refuses a subscription reaching past current + MAX_SUBSCRIPTION_EPOCHS with EpochTooFarAhead", async () => {
    const { pool, alice, goToEpoch } = await networkHelpers.loadFixture(deployPoolFixture);
    await expect(pool.connect(alice).subscribe(1n, MAX_EPOCHS, 2n))
      .to.be.revertedWithCustomError(pool, "EpochTooFarAhead")
      .withArgs(MAX_EPOCHS + 1n, MAX_EPOCHS);
    await goToEpoch(5n);
    await expect(pool.connect(alice).subscribe(1n, 1n, 5n + MAX_EPOCHS + 1n))
      .to.be.revertedWithCustomError(pool, "EpochTooFarAhead")
      .withArgs(5n + MAX_EPOCHS + 1n, 5n + MAX_EPOCHS);
  });

  it("subscribe: refuses an amount per epoch above uint128 with BudgetOverflow", async () => {
    const { pool, alice } = await networkHelpers.loadFixture(deployPoolFixture);
    await expect(pool.connect(alice).subscribe(UINT128_MAX + 1n, 1n, 3n))
      .to.be.revertedWithCustomError(pool, "BudgetOverflow")
      .withArgs(3n);
  });

  it("subscribe: refuses a top-up that would push an epoch's budget above uint128 with BudgetOverflow", async () => {
    const { pool, token, alice } = await networkHelpers.loadFixture(deployPoolFixture);
    await token.mint(alice, 2n ** 129n);
    await pool.connect(alice).subscribe(2n ** 127n, 1n, 1n);
    await expect(pool.connect(alice).subscribe(2n ** 127n, 2n, 0n))
      .to.be.revertedWithCustomError(pool, "BudgetOverflow")
      .withArgs(1n);
    await pool.connect(alice).subscribe(2n ** 127n - 1n, 1n, 1n);
    await expectBudget(pool, alice, 1n, UINT128_MAX, BudgetStatus.Open);
  });

  it("subscribe: a top-up adds to the budgets of epochs already funded and extends the range", async () => {
    const { pool, token, alice } = await networkHelpers.loadFixture(deployPoolFixture);
    await pool.connect(alice).subscribe(10n * USD, 2n, 0n);
    await pool.connect(alice).subscribe(5n * USD, 3n, 1n);
    await expectBudget(pool, alice, 0n, 10n * USD, BudgetStatus.Open);
    await expectBudget(pool, alice, 1n, 15n * USD, BudgetStatus.Open);
    await expectBudget(pool, alice, 2n, 5n * USD, BudgetStatus.Open);
    await expectBudget(pool, alice, 3n, 5n * USD, BudgetStatus.Open);
    expect(await pool.readerEpochs(alice)).to.deep.equal([0n, 4n]);
    expect(await token.balanceOf(pool)).to.equal(35n * USD);
    await expectConservation(pool, token, [alice], []);
  });

  it("subscribe: readers' budgets are kept apart", async () => {
    const { pool, token, alice, bob } = await networkHelpers.loadFixture(deployPoolFixture);
    await pool.connect(alice).subscribe(3n * USD, 1n, 0n);
    await pool.connect(bob).subscribe(4n * USD, 2n, 0n);
    await expectBudget(pool, alice, 0n, 3n * USD, BudgetStatus.Open);
    await expectBudget(pool, bob, 0n, 4n * USD, BudgetStatus.Open);
    await expectBudget(pool, alice, 1n, 0n, BudgetStatus.Open);
    await expectConservation(pool, token, [alice, bob], []);
  });

  it("subscribe: refuses a fee-on-transfer token with TransferAmountMismatch", async () => {
    const { alice, startTime } = await networkHelpers.loadFixture(deployPoolFixture);
    const feeToken = await ethers.deployContract("FeeOnTransferToken");
    const feePool = await ethers.deployContract("PlauditPool", [feeToken, startTime, EPOCH_LENGTH, KEEPER_TIP_BPS]);
    await feeToken.mint(alice, 1000n * USD);
    await feeToken.connect(alice).approve(feePool, ethers.MaxUint256);
    const total = 20n * USD;
    await expect(feePool.connect(alice).subscribe(10n * USD, 2n, 0n))
      .to.be.revertedWithCustomError(feePool, "TransferAmountMismatch")
      .withArgs(total, total - total / 100n);
  });

  it("subscribe: fails when the reader has not approved the pool", async () => {
    const { pool, token, stranger } = await networkHelpers.loadFixture(deployPoolFixture);
    await token.mint(stranger, 100n * USD);
    await expect(pool.connect(stranger).subscribe(USD, 1n, 0n))
      .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
      .withArgs(await pool.getAddress(), 0n, USD);
  });
});

describe("PlauditPool subscribeWithPermit", () => {
  async function permitFixture() {
    const f = await deployPoolFixture();
    // The stranger holds tokens but never approved the pool.
    await f.token.mint(f.stranger, 1000n * USD);
    const tokenDomain = await domainOf(f.token);
    const deadline = f.startTime + 10n * EPOCH_LENGTH;
    async function signPermit(value: bigint) {
      const nonce = await f.token.nonces(f.stranger);
      const signature = await f.stranger.signTypedData(
        tokenDomain,
        { Permit: [...permitTypes.Permit] },
        { owner: f.stranger.address, spender: await f.pool.getAddress(), value, nonce, deadline },
      );
      return ethers.Signature.from(signature);
    }
    return { ...f, deadline, signPermit };
  }

  it("subscribeWithPermit: approves and subscribes in one transaction with a valid permit", async () => {
    const { pool, token, stranger, deadline, signPermit } = await networkHelpers.loadFixture(permitFixture);
    const { v, r, s } = await signPermit(30n * USD);
    await expect(pool.connect(stranger).subscribeWithPermit(10n * USD, 3n, 0n, deadline, v, r, s))
      .to.emit(pool, "Subscribed")
      .withArgs(stranger.address, 0n, 3n, 10n * USD, 30n * USD);
    expect(await token.balanceOf(pool)).to.equal(30n * USD);
    expect(await token.allowance(stranger, pool)).to.equal(0n);
    await expectBudget(pool, stranger, 2n, 10n * USD, BudgetStatus.Open);
  });

  it("subscribeWithPermit: still succeeds when someone else submitted the same permit first", async () => {
    const { pool, token, stranger, keeper, deadline, signPermit } = await networkHelpers.loadFixture(permitFixture);
    const { v, r, s } = await signPermit(30n * USD);
    await token.connect(keeper).permit(stranger, pool, 30n * USD, deadline, v, r, s);
    await expect(
      pool.connect(stranger).subscribeWithPermit(10n * USD, 3n, 0n, deadline, v, r, s),
    ).to.changeTokenBalances(ethers, token, [stranger, pool], [-30n * USD, 30n * USD]);
    await expectBudget(pool, stranger, 0n, 10n * USD, BudgetStatus.Open);
  });

  it("subscribeWithPermit: fails when neither the permit nor an allowance covers the amount", async () => {
    const { pool, token, stranger, deadline, signPermit } = await networkHelpers.loadFixture(permitFixture);
    // A permit for less than the subscription: the pool's permit call (for the full total) fails.
    const { v, r, s } = await signPermit(10n * USD);
    await expect(pool.connect(stranger).subscribeWithPermit(10n * USD, 3n, 0n, deadline, v, r, s))
      .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
      .withArgs(await pool.getAddress(), 0n, 30n * USD);
    expect(await pool.readerEpochs(stranger)).to.deep.equal([0n, 0n]);
  });
});
