import { expect } from "chai";

import { epochAt, epochBounds } from "@plaudit/protocol";
import { deployPoolFixture, EPOCH_LENGTH, networkHelpers, USD } from "../helpers/fixtures.js";
import { BudgetStatus, expectBudget } from "../helpers/pool.js";

describe("PlauditPool views", () => {
  it("views: currentEpoch is 0 before the start, at the start, and just before epoch 1", async () => {
    const { pool, startTime, goToEpoch } = await networkHelpers.loadFixture(deployPoolFixture);
    expect(BigInt(await networkHelpers.time.latest())).to.be.lessThan(startTime);
    expect(await pool.currentEpoch()).to.equal(0n);
    await goToEpoch(0n);
    expect(await pool.currentEpoch()).to.equal(0n);
    await goToEpoch(0n, EPOCH_LENGTH - 1n);
    expect(await pool.currentEpoch()).to.equal(0n);
  });

  it("views: currentEpoch moves on exactly at each epoch's start", async () => {
    const { pool, goToEpoch } = await networkHelpers.loadFixture(deployPoolFixture);
    await goToEpoch(1n);
    expect(await pool.currentEpoch()).to.equal(1n);
    await goToEpoch(7n, 12n);
    expect(await pool.currentEpoch()).to.equal(7n);
  });

  it("views: currentEpoch agrees with the protocol's epochAt", async () => {
    const { pool, startTime, goToEpoch } = await networkHelpers.loadFixture(deployPoolFixture);
    await goToEpoch(3n, EPOCH_LENGTH / 2n);
    const now = BigInt(await networkHelpers.time.latest());
    expect(await pool.currentEpoch()).to.equal(epochAt({ startTime, epochLength: EPOCH_LENGTH }, now));
  });

  it("views: epochBounds gives start, end and deadline one epoch length apart", async () => {
    const { pool, startTime } = await networkHelpers.loadFixture(deployPoolFixture);
    for (const epoch of [0n, 1n, 41n]) {
      const [start, end, deadline] = await pool.epochBounds(epoch);
      expect(start).to.equal(startTime + epoch * EPOCH_LENGTH);
      expect(end).to.equal(start + EPOCH_LENGTH);
      expect(deadline).to.equal(end + EPOCH_LENGTH);
      expect({ start, end, deadline }).to.deep.equal(epochBounds({ startTime, epochLength: EPOCH_LENGTH }, epoch));
    }
  });

  it("views: an unknown reader has no budget, no range, nonce 0 and nothing withdrawable", async () => {
    const { pool, stranger } = await networkHelpers.loadFixture(deployPoolFixture);
    await expectBudget(pool, stranger, 0n, 0n, BudgetStatus.Open);
    expect(await pool.readerEpochs(stranger)).to.deep.equal([0n, 0n]);
    expect(await pool.sessionNonceOf(stranger)).to.equal(0n);
    expect(await pool.withdrawableOf(stranger)).to.equal(0n);
    expect(await pool.claimableOf(stranger)).to.equal(0n);
    expect(await pool.isSettled(stranger, 0n)).to.equal(false);
  });

  it("views: budgetOf reports the amount, Open status and the session nonce of a subscription", async () => {
    const { pool, alice } = await networkHelpers.loadFixture(deployPoolFixture);
    await pool.connect(alice).revokeSessions();
    await pool.connect(alice).subscribe(5n * USD, 2n, 1n);
    expect(await pool.budgetOf(alice, 1n)).to.deep.equal([5n * USD, BigInt(BudgetStatus.Open), 1n]);
    expect(await pool.budgetOf(alice, 2n)).to.deep.equal([5n * USD, BigInt(BudgetStatus.Open), 1n]);
    expect(await pool.budgetOf(alice, 3n)).to.deep.equal([0n, BigInt(BudgetStatus.Open), 0n]);
  });
});
