import { expect } from "chai";

import { deployPoolFixture, ethers, networkHelpers, USD } from "../helpers/fixtures.js";
import { BudgetStatus, clicksFor, expectBudget, expectConservation } from "../helpers/pool.js";
import { readerSignedTally } from "../helpers/signing.js";
import { settleArgs } from "@plaudit/protocol";

describe("PlauditPool cancel", () => {
  async function subscribedFixture() {
    const f = await deployPoolFixture();
    await f.pool.connect(f.alice).subscribe(10n * USD, 4n, 0n);
    return f;
  }

  it("cancel: refunds every epoch from fromEpoch on that has not started", async () => {
    const { pool, token, alice, goToEpoch } = await networkHelpers.loadFixture(subscribedFixture);
    await goToEpoch(0n, 5n);
    await expect(pool.connect(alice).cancel(2n)).to.changeTokenBalances(
      ethers,
      token,
      [alice, pool],
      [20n * USD, -20n * USD],
    );
    await expectBudget(pool, alice, 1n, 10n * USD, BudgetStatus.Open);
    await expectBudget(pool, alice, 2n, 0n, BudgetStatus.Open);
    await expectBudget(pool, alice, 3n, 0n, BudgetStatus.Open);
    expect(await pool.readerEpochs(alice)).to.deep.equal([0n, 2n]);
    await expectConservation(pool, token, [alice], []);
  });

  it("cancel: emits Cancelled with the range and the refund", async () => {
    const { pool, alice } = await networkHelpers.loadFixture(subscribedFixture);
    await expect(pool.connect(alice).cancel(1n))
      .to.emit(pool, "Cancelled")
      .withArgs(alice.address, 1n, 4n, 30n * USD);
  });

  it("cancel: before the start a reader may take back everything, epoch 0 included", async () => {
    const { pool, token, alice } = await networkHelpers.loadFixture(subscribedFixture);
    await expect(pool.connect(alice).cancel(0n)).to.changeTokenBalance(ethers, token, alice, 40n * USD);
    expect(await token.balanceOf(pool)).to.equal(0n);
  });

  it("cancel: refuses a started epoch with EpochAlreadyStarted", async () => {
    const { pool, alice, goToEpoch } = await networkHelpers.loadFixture(subscribedFixture);
    await goToEpoch(1n);
    await expect(pool.connect(alice).cancel(1n))
      .to.be.revertedWithCustomError(pool, "EpochAlreadyStarted")
      .withArgs(1n, 1n);
    await expect(pool.connect(alice).cancel(0n))
      .to.be.revertedWithCustomError(pool, "EpochAlreadyStarted")
      .withArgs(0n, 1n);
  });

  it("cancel: refuses when nothing is funded from fromEpoch on with NothingToCancel", async () => {
    const { pool, alice, bob } = await networkHelpers.loadFixture(subscribedFixture);
    await expect(pool.connect(bob).cancel(1n))
      .to.be.revertedWithCustomError(pool, "NothingToCancel")
      .withArgs(bob.address, 1n);
    await expect(pool.connect(alice).cancel(4n))
      .to.be.revertedWithCustomError(pool, "NothingToCancel")
      .withArgs(alice.address, 4n);
    await pool.connect(alice).cancel(2n);
    await expect(pool.connect(alice).cancel(2n))
      .to.be.revertedWithCustomError(pool, "NothingToCancel")
      .withArgs(alice.address, 2n);
  });

  it("cancel: a reader can subscribe again after cancelling", async () => {
    const { pool, token, alice } = await networkHelpers.loadFixture(subscribedFixture);
    await pool.connect(alice).cancel(1n);
    await pool.connect(alice).subscribe(3n * USD, 2n, 2n);
    await expectBudget(pool, alice, 1n, 0n, BudgetStatus.Open);
    await expectBudget(pool, alice, 2n, 3n * USD, BudgetStatus.Open);
    expect(await pool.readerEpochs(alice)).to.deep.equal([0n, 4n]);
    await expectConservation(pool, token, [alice], []);
  });
});

describe("PlauditPool withdraw", () => {
  /** Alice funds epochs 0 and 1; epoch 0 gets settled, epoch 1 does not. */
  async function settledAndUnsettledFixture() {
    const f = await deployPoolFixture();
    await f.pool.connect(f.alice).subscribe(10n * USD, 2n, 0n);
    await f.pool.connect(f.bob).subscribe(6n * USD, 1n, 1n);
    const tally = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
    await f.goToEpoch(1n);
    await f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [tally] }]));
    return f;
  }

  it("withdraw: returns the unsettled budget once its settlement deadline passed, not the settled one", async () => {
    const f = await networkHelpers.loadFixture(settledAndUnsettledFixture);
    const { pool, token, alice, goToEpoch } = f;
    const [, , deadline] = await pool.epochBounds(1n);
    await networkHelpers.time.increaseTo(deadline);
    expect(await pool.withdrawableOf(alice)).to.equal(10n * USD);
    await expect(pool.connect(alice).withdraw()).to.changeTokenBalances(
      ethers,
      token,
      [alice, pool],
      [10n * USD, -10n * USD],
    );
    await expectBudget(pool, alice, 0n, 10n * USD, BudgetStatus.Settled);
    await expectBudget(pool, alice, 1n, 10n * USD, BudgetStatus.Returned);
    expect(await pool.withdrawableOf(alice)).to.equal(0n);
    await goToEpoch(5n);
    await expectConservation(pool, token, [alice, f.bob], [f.creatorA]);
  });

  it("withdraw: emits BudgetsReturned with the number of epochs and the amount", async () => {
    const { pool, alice, bob, goToEpoch } = await networkHelpers.loadFixture(settledAndUnsettledFixture);
    await goToEpoch(3n);
    await expect(pool.connect(alice).withdraw())
      .to.emit(pool, "BudgetsReturned")
      .withArgs(alice.address, 1n, 10n * USD);
    await pool.connect(bob).subscribe(USD, 2n, 3n);
    await goToEpoch(6n);
    await expect(pool.connect(bob).withdraw())
      .to.emit(pool, "BudgetsReturned")
      .withArgs(bob.address, 3n, 8n * USD);
  });

  it("withdraw: refuses before the settlement deadline with NothingToWithdraw", async () => {
    const { pool, bob } = await networkHelpers.loadFixture(settledAndUnsettledFixture);
    const [, , deadline] = await pool.epochBounds(1n);
    await networkHelpers.time.increaseTo(deadline - 2n);
    expect(await pool.withdrawableOf(bob)).to.equal(0n);
    await networkHelpers.time.setNextBlockTimestamp(deadline - 1n);
    await expect(pool.connect(bob).withdraw({ gasLimit: 1_000_000n }))
      .to.be.revertedWithCustomError(pool, "NothingToWithdraw")
      .withArgs(bob.address);
    await networkHelpers.time.setNextBlockTimestamp(deadline);
    await expect(pool.connect(bob).withdraw({ gasLimit: 1_000_000n }))
      .to.emit(pool, "BudgetsReturned")
      .withArgs(bob.address, 1n, 6n * USD);
  });

  it("withdraw: a second withdraw has nothing left (NothingToWithdraw)", async () => {
    const { pool, alice, goToEpoch } = await networkHelpers.loadFixture(settledAndUnsettledFixture);
    await goToEpoch(3n);
    await pool.connect(alice).withdraw();
    await expect(pool.connect(alice).withdraw())
      .to.be.revertedWithCustomError(pool, "NothingToWithdraw")
      .withArgs(alice.address);
  });

  it("withdraw: a reader whose every expired budget was settled gets nothing, the sweep moves on, then NothingToWithdraw", async () => {
    const { pool, token, alice, goToEpoch, keeper, domain, creatorA } =
      await networkHelpers.loadFixture(settledAndUnsettledFixture);
    const tally = await readerSignedTally(alice, domain, 1n, clicksFor([[creatorA, 2]]));
    await goToEpoch(2n);
    await pool.connect(keeper).settle(...settleArgs(1n, [{ reader: alice.address, tallies: [tally] }]));
    await goToEpoch(4n);
    expect(await pool.withdrawableOf(alice)).to.equal(0n);
    const balanceBefore = await token.balanceOf(alice);
    await expect(pool.connect(alice).withdraw()).to.emit(pool, "BudgetsReturned").withArgs(alice.address, 0n, 0n);
    expect(await token.balanceOf(alice)).to.equal(balanceBefore);
    expect(await pool.readerEpochs(alice)).to.deep.equal([2n, 2n]);
    await expect(pool.connect(alice).withdraw())
      .to.be.revertedWithCustomError(pool, "NothingToWithdraw")
      .withArgs(alice.address);
  });

  it("withdraw: withdrawableOf matches what withdraw pays, over several expired epochs", async () => {
    const { pool, token, bob, goToEpoch } = await networkHelpers.loadFixture(settledAndUnsettledFixture);
    await pool.connect(bob).subscribe(2n * USD, 3n, 2n);
    await goToEpoch(5n);
    // Epochs 1..3 expired (deadline of 3 is the start of 5); epoch 4 did not.
    const expected = 6n * USD + 2n * USD * 2n;
    expect(await pool.withdrawableOf(bob)).to.equal(expected);
    await expect(pool.connect(bob).withdraw()).to.changeTokenBalance(ethers, token, bob, expected);
    await expectBudget(pool, bob, 4n, 2n * USD, BudgetStatus.Open);
    expect(await pool.readerEpochs(bob)).to.deep.equal([4n, 5n]);
  });

  it("withdraw: a budget is returned only once its epoch can no longer be settled", async () => {
    const { pool, bob, keeper, domain, creatorA, goToEpoch } =
      await networkHelpers.loadFixture(settledAndUnsettledFixture);
    const tally = await readerSignedTally(bob, domain, 1n, clicksFor([[creatorA, 1]]));
    await goToEpoch(3n);
    await pool.connect(bob).withdraw();
    await expectBudget(pool, bob, 1n, 6n * USD, BudgetStatus.Returned);
    // Settlement of epoch 1 closed at the start of epoch 3: the window, not the status, stops it.
    await expect(
      pool.connect(keeper).settle(...settleArgs(1n, [{ reader: bob.address, tallies: [tally] }])),
    ).to.be.revertedWithCustomError(pool, "NotInSettlementWindow");
  });

  it("withdraw: sweeps at most MAX_SWEEP_EPOCHS epochs per call, and a later call returns a budget behind a long settled stretch", async () => {
    const { pool, token, alice, bob, keeper, domain, creatorA, goToEpoch } =
      await networkHelpers.loadFixture(settledAndUnsettledFixture);
    const maxSweep = await pool.MAX_SWEEP_EPOCHS();
    const tally = await readerSignedTally(alice, domain, 1n, clicksFor([[creatorA, 1]]));
    await goToEpoch(2n);
    await pool.connect(keeper).settle(...settleArgs(1n, [{ reader: alice.address, tallies: [tally] }]));
    const far = maxSweep + 50n;
    await goToEpoch(far);
    await pool.connect(alice).subscribe(4n * USD, 1n, far);
    expect(await pool.readerEpochs(alice)).to.deep.equal([0n, far + 1n]);
    await goToEpoch(far + 2n);
    expect(await pool.withdrawableOf(alice)).to.equal(4n * USD);
    await expect(pool.connect(alice).withdraw()).to.emit(pool, "BudgetsReturned").withArgs(alice.address, 0n, 0n);
    expect(await pool.readerEpochs(alice)).to.deep.equal([maxSweep, far + 1n]);
    await expect(pool.connect(alice).withdraw()).to.changeTokenBalance(ethers, token, alice, 4n * USD);
    await expectBudget(pool, alice, far, 4n * USD, BudgetStatus.Returned);
    await expect(pool.connect(alice).withdraw()).to.be.revertedWithCustomError(pool, "NothingToWithdraw");
    await expectConservation(pool, token, [alice, bob], [creatorA]);
  });
});
