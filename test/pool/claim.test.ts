import { expect } from "chai";

import { ethers, KEEPER_TIP_BPS, networkHelpers } from "../helpers/fixtures.js";
import { BUDGET, clicksFor, expectClaimable, subscribedPoolFixture } from "../helpers/pool.js";
import { readerSignedTally } from "../helpers/signing.js";
import { settleArgs } from "@plaudit/protocol";

const SPLIT = BUDGET - (BUDGET * KEEPER_TIP_BPS) / 10_000n;

/** Alice's epoch 0 settled entirely to creator A. */
async function creditedFixture() {
  const f = await subscribedPoolFixture();
  const tally = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
  await f.goToEpoch(1n);
  await f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [tally] }]));
  return f;
}

describe("PlauditPool claim", () => {
  it("claim: anyone may call claim(creator), which pays the creator its whole balance", async () => {
    const f = await networkHelpers.loadFixture(creditedFixture);
    const { pool, token, creatorA, stranger } = f;
    await expect(pool.connect(stranger).claim(creatorA)).to.changeTokenBalances(
      ethers,
      token,
      [creatorA, stranger, pool],
      [SPLIT, 0n, -SPLIT],
    );
    await expectClaimable(pool, creatorA, 0n);
    await f.expectBooksBalance();
  });

  it("claim: emits Claimed with creator, recipient and amount", async () => {
    const { pool, creatorA, stranger } = await networkHelpers.loadFixture(creditedFixture);
    await expect(pool.connect(stranger).claim(creatorA))
      .to.emit(pool, "Claimed")
      .withArgs(creatorA.address, creatorA.address, SPLIT);
  });

  it("claim: claimTo pays the caller's balance to the recipient it names", async () => {
    const f = await networkHelpers.loadFixture(creditedFixture);
    const { pool, token, creatorA, carol } = f;
    const tx = pool.connect(creatorA).claimTo(carol);
    await expect(tx).to.changeTokenBalances(ethers, token, [carol, creatorA], [SPLIT, 0n]);
    await expect(tx).to.emit(pool, "Claimed").withArgs(creatorA.address, carol.address, SPLIT);
    await expectClaimable(pool, creatorA, 0n);
    await f.expectBooksBalance();
  });

  it("claim: claimTo spends only the caller's own balance", async () => {
    const { pool, creatorB, stranger } = await networkHelpers.loadFixture(creditedFixture);
    await expect(pool.connect(stranger).claimTo(creatorB))
      .to.be.revertedWithCustomError(pool, "NothingToWithdraw")
      .withArgs(stranger.address);
  });

  it("claim: claimTo refuses the zero recipient with ZeroAddress", async () => {
    const { pool, creatorA } = await networkHelpers.loadFixture(creditedFixture);
    await expect(pool.connect(creatorA).claimTo(ethers.ZeroAddress)).to.be.revertedWithCustomError(pool, "ZeroAddress");
    await expectClaimable(pool, creatorA, SPLIT);
  });

  it("claim: refuses a creator with nothing to claim with NothingToWithdraw, also after a claim", async () => {
    const { pool, creatorA, creatorB } = await networkHelpers.loadFixture(creditedFixture);
    await expect(pool.claim(creatorB))
      .to.be.revertedWithCustomError(pool, "NothingToWithdraw")
      .withArgs(creatorB.address);
    await pool.claim(creatorA);
    await expect(pool.claim(creatorA))
      .to.be.revertedWithCustomError(pool, "NothingToWithdraw")
      .withArgs(creatorA.address);
    await expect(pool.connect(creatorA).claimTo(creatorA))
      .to.be.revertedWithCustomError(pool, "NothingToWithdraw")
      .withArgs(creatorA.address);
  });

  it("claim: credits of later settlements add up and are claimable again", async () => {
    const f = await networkHelpers.loadFixture(creditedFixture);
    const { pool, token, keeper, bob, creatorA, domain } = f;
    await pool.claim(creatorA);
    const tally = await readerSignedTally(bob, domain, 0n, clicksFor([[creatorA, 2]]));
    await pool.connect(keeper).settle(...settleArgs(0n, [{ reader: bob.address, tallies: [tally] }]));
    await expect(pool.claim(creatorA)).to.changeTokenBalance(ethers, token, creatorA, SPLIT);
    expect(await token.balanceOf(creatorA)).to.equal(2n * SPLIT);
    await f.expectBooksBalance();
  });
});
