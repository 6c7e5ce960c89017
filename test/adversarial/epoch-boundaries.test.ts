/**
 * Attacks on the edges of time: subscribing, cancelling, revoking, settling and withdrawing at the first
 * and last second of an epoch and at the settlement deadline (setNextBlockTimestamp puts each
 * transaction exactly there). A budget is committed from its epoch's first second, settled only inside
 * [end, deadline), returned only from the deadline on: never both paid out and returned.
 */
import { expect } from "chai";

import { BPS, settleArgs } from "@plaudit/protocol";
import { KEEPER_TIP_BPS, networkHelpers } from "../helpers/fixtures.js";
import {
  atTimestamp,
  BUDGET,
  BudgetStatus,
  clicksFor,
  expectBudget,
  expectClaimable,
  randomKey,
  SkipReason,
  subscribedPoolFixture,
} from "../helpers/pool.js";
import { readerSignedTally, sessionSignedTally } from "../helpers/signing.js";

const TIP = (BUDGET * KEEPER_TIP_BPS) / BigInt(BPS);

describe("adversarial: epoch boundaries", () => {
  it("boundaries: a reader cancels epoch 1 at its last second before the start; a second later the budget is committed", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const [start1] = await f.pool.epochBounds(1n);
    await atTimestamp(start1 - 1n);
    await f.pool.connect(f.alice).cancel(1n);
    await atTimestamp(start1);
    await expect(f.pool.connect(f.bob).cancel(1n))
      .to.be.revertedWithCustomError(f.pool, "EpochAlreadyStarted")
      .withArgs(1n, 1n);
    await expectBudget(f.pool, f.alice, 1n, 0n, BudgetStatus.Open);
    await expectBudget(f.pool, f.bob, 1n, BUDGET, BudgetStatus.Open);
    await f.expectBooksBalance();
  });

  it("boundaries: a subscription made at an epoch's first second funds that epoch, which can no longer be cancelled", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const [start2] = await f.pool.epochBounds(2n);
    await atTimestamp(start2);
    await f.pool.connect(f.carol).subscribe(BUDGET, 1n, 2n);
    await expectBudget(f.pool, f.carol, 2n, BUDGET, BudgetStatus.Open);
    await expect(f.pool.connect(f.carol).cancel(2n)).to.be.revertedWithCustomError(f.pool, "EpochAlreadyStarted");
    await f.expectBooksBalance();
  });

  it("boundaries: a click tally signed in the last second of an epoch settles at the window's first second; the next epoch cannot be settled then", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const [, end0] = await f.pool.epochBounds(0n);
    await atTimestamp(end0 - 1n);
    await networkHelpers.mine();
    // Signed off chain "now", at the last second of epoch 0, for epoch 0.
    const tally = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
    const next = await readerSignedTally(f.bob, f.domain, 1n, clicksFor([[f.creatorA, 1]]));
    await atTimestamp(end0);
    await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [tally] }])))
      .to.emit(f.pool, "ReaderSettled")
      .withArgs(0n, f.alice.address, BUDGET, TIP, 1n);
    await expect(
      f.pool.connect(f.keeper).settle(...settleArgs(1n, [{ reader: f.bob.address, tallies: [next] }])),
    ).to.be.revertedWithCustomError(f.pool, "NotInSettlementWindow");
    await f.expectBooksBalance();
  });

  it("boundaries: a revocation in an epoch's last second voids the old key for a keeper settling at the window's first second", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const stolen = await sessionSignedTally(
      f.alice,
      randomKey(),
      f.domain,
      0n,
      clicksFor([[f.creatorB, 5]]),
      f.farExpiry,
    );
    const [, end0] = await f.pool.epochBounds(0n);
    await atTimestamp(end0 - 1n);
    await f.pool.connect(f.alice).revokeSessions();
    await atTimestamp(end0);
    await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [stolen] }])))
      .to.emit(f.pool, "ReaderSkipped")
      .withArgs(0n, f.alice.address, SkipReason.BadSession);
    // The reader's own signature still settles the epoch.
    const own = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
    await f.pool.connect(f.alice).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [own] }]));
    await expectClaimable(f.pool, f.creatorB, 0n);
    await f.expectBooksBalance();
  });

  it("boundaries: one second before the deadline a budget settles and cannot be withdrawn; at the deadline the reverse; never both", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const [, , deadline0] = await f.pool.epochBounds(0n);
    const aliceTally = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
    const bobTally = await readerSignedTally(f.bob, f.domain, 0n, clicksFor([[f.creatorB, 1]]));
    await atTimestamp(deadline0 - 1n);
    await f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [aliceTally] }]));
    await expectBudget(f.pool, f.alice, 0n, BUDGET, BudgetStatus.Settled);
    // In that same second bob's unsettled budget is still settleable, so not withdrawable.
    expect(BigInt(await networkHelpers.time.latest())).to.equal(deadline0 - 1n);
    expect(await f.pool.withdrawableOf(f.bob)).to.equal(0n);
    await atTimestamp(deadline0);
    await expect(
      f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.bob.address, tallies: [bobTally] }])),
    ).to.be.revertedWithCustomError(f.pool, "NotInSettlementWindow");
    // Bob's unsettled budget comes back; alice's settled one does not.
    await f.pool.connect(f.bob).withdraw();
    await expectBudget(f.pool, f.bob, 0n, BUDGET, BudgetStatus.Returned);
    await f.pool.connect(f.alice).withdraw();
    await expectBudget(f.pool, f.alice, 0n, BUDGET, BudgetStatus.Settled);
    expect(await f.pool.withdrawableOf(f.alice)).to.equal(0n);
    await f.expectBooksBalance();
  });
});
