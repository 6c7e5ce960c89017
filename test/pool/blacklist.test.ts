/**
 * Blacklisted or failing addresses harm nobody else (on the USDC-like token, which refuses transfers to and
 * from a blacklisted account): a creator whose transfer reverts fails only its own claim and can claim to
 * another address; a keeper whose tip transfer reverts fails only its own batch, which another keeper then
 * settles.
 */
import { expect } from "chai";
import type { Address } from "viem";

import { settleArgs } from "@plaudit/protocol";
import { ethers, KEEPER_TIP_BPS, networkHelpers } from "../helpers/fixtures.js";
import { clicksFor, expectClaimable } from "../helpers/pool.js";
import { domainOf, readerSignedTally } from "../helpers/signing.js";
import { deployFlavoursFixture, unit } from "../helpers/tokens.js";

const BUDGET = 10n * unit(6n);
const TIP = (BUDGET * KEEPER_TIP_BPS) / 10_000n;
/** Alice clicks creators A and B once each: each gets half of what is left after the tip. */
const SHARE = (BUDGET - TIP) / 2n;

/** Alice funded epoch 0 on the USDC-like pool and signed a tally for A and B; epoch 0 has ended. */
async function settleableFixture() {
  const f = await deployFlavoursFixture();
  const pool = f.pools.usdc;
  const token = f.tokens.usdc;
  await token.connect(f.alice).approve(pool, BUDGET);
  await pool.connect(f.alice).subscribe(BUDGET, 1n, 0n);
  const tally = await readerSignedTally(
    f.alice,
    await domainOf(pool),
    0n,
    clicksFor([
      [f.creatorA, 1],
      [f.creatorB, 1],
    ]),
  );
  const batch = settleArgs(0n, [{ reader: f.alice.address as Address, tallies: [tally] }]);
  await f.goToEpoch(1n);
  return { ...f, pool, token, batch };
}

describe("PlauditPool with blacklisted accounts", () => {
  it("a blacklisted creator fails only its own claim, and can claim to another address", async () => {
    const { pool, token, keeper, creatorA, creatorB, stranger, batch } =
      await networkHelpers.loadFixture(settleableFixture);
    await pool.connect(keeper).settle(...batch);
    await token.blacklist(creatorA);
    await expect(pool.connect(stranger).claim(creatorA))
      .to.be.revertedWithCustomError(token, "AccountBlacklisted")
      .withArgs(creatorA.address);
    await expectClaimable(pool, creatorA, SHARE);
    await expect(pool.connect(stranger).claim(creatorB)).to.changeTokenBalance(ethers, token, creatorB, SHARE);
    await expect(pool.connect(creatorA).claimTo(stranger)).to.changeTokenBalance(ethers, token, stranger, SHARE);
    await expectClaimable(pool, creatorA, 0n);
  });

  it("a blacklisted keeper fails only its own batch, which another keeper settles", async () => {
    const {
      pool,
      token,
      keeper,
      alice,
      stranger: otherKeeper,
      batch,
    } = await networkHelpers.loadFixture(settleableFixture);
    await token.blacklist(keeper);
    await expect(pool.connect(keeper).settle(...batch))
      .to.be.revertedWithCustomError(token, "AccountBlacklisted")
      .withArgs(keeper.address);
    expect(await pool.isSettled(alice, 0n)).to.equal(false);
    await expect(pool.connect(otherKeeper).settle(...batch)).to.changeTokenBalance(ethers, token, otherKeeper, TIP);
    expect(await pool.isSettled(alice, 0n)).to.equal(true);
  });
});
