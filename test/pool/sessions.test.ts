import { expect } from "chai";
import type { Address } from "viem";

import { KEEPER_TIP_BPS, networkHelpers } from "../helpers/fixtures.js";
import {
  BUDGET,
  clicksFor,
  expectClaimable,
  randomKey,
  sessionSignature,
  SkipReason,
  subscribedPoolFixture,
} from "../helpers/pool.js";
import { sessionSignedTally } from "../helpers/signing.js";
import { settleArgs } from "@plaudit/protocol";

describe("PlauditPool sessions", () => {
  it("sessions: revokeSessions bumps the nonce, emits SessionsRevoked and stamps open budgets", async () => {
    const { pool, alice } = await networkHelpers.loadFixture(subscribedPoolFixture);
    await expect(pool.connect(alice).revokeSessions()).to.emit(pool, "SessionsRevoked").withArgs(alice.address, 1n);
    expect(await pool.sessionNonceOf(alice)).to.equal(1n);
    expect((await pool.budgetOf(alice, 0n))[2]).to.equal(1n);
    expect((await pool.budgetOf(alice, 1n))[2]).to.equal(1n);
    await expect(pool.connect(alice).revokeSessions()).to.emit(pool, "SessionsRevoked").withArgs(alice.address, 2n);
    expect(await pool.sessionNonceOf(alice)).to.equal(2n);
  });

  it("sessions: a tally under a Session of the old nonce is skipped (BadSession), and replaying it changes nothing", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const { pool, keeper, alice, domain, creatorA, farExpiry } = f;
    const key = randomKey();
    const old0 = await sessionSignedTally(alice, key, domain, 0n, clicksFor([[creatorA, 1]]), farExpiry);
    const old1 = await sessionSignedTally(alice, key, domain, 1n, clicksFor([[creatorA, 1]]), farExpiry);
    await f.goToEpoch(0n, 10n);
    await pool.connect(alice).revokeSessions();
    // A top-up after the revocation must not bring the old nonce back either.
    await pool.connect(alice).subscribe(BUDGET, 1n, 1n);
    await f.goToEpoch(1n);
    await expect(pool.connect(keeper).settle(...settleArgs(0n, [{ reader: alice.address, tallies: [old0] }])))
      .to.emit(pool, "ReaderSkipped")
      .withArgs(0n, alice.address, SkipReason.BadSession);
    await expect(pool.connect(keeper).settle(...settleArgs(0n, [{ reader: alice.address, tallies: [old0] }])))
      .to.emit(pool, "ReaderSkipped")
      .withArgs(0n, alice.address, SkipReason.BadSession);
    await f.goToEpoch(2n);
    await expect(pool.connect(keeper).settle(...settleArgs(1n, [{ reader: alice.address, tallies: [old1] }])))
      .to.emit(pool, "ReaderSkipped")
      .withArgs(1n, alice.address, SkipReason.BadSession);
    await expectClaimable(pool, creatorA, 0n);
    await f.expectBooksBalance();
  });

  it("sessions: revoking during the settlement window of the previous epoch also voids old sessions for it", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const { pool, keeper, bob, domain, creatorB, farExpiry } = f;
    const old = await sessionSignedTally(bob, randomKey(), domain, 0n, clicksFor([[creatorB, 1]]), farExpiry);
    await f.goToEpoch(1n);
    await pool.connect(bob).revokeSessions();
    expect((await pool.budgetOf(bob, 0n))[2]).to.equal(1n);
    await expect(pool.connect(keeper).settle(...settleArgs(0n, [{ reader: bob.address, tallies: [old] }])))
      .to.emit(pool, "ReaderSkipped")
      .withArgs(0n, bob.address, SkipReason.BadSession);
  });

  it("sessions: revoking does not touch an epoch already settled", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const { pool, keeper, bob, domain, creatorB, farExpiry } = f;
    const tally = await sessionSignedTally(bob, randomKey(), domain, 0n, clicksFor([[creatorB, 1]]), farExpiry);
    await f.goToEpoch(1n);
    await pool.connect(keeper).settle(...settleArgs(0n, [{ reader: bob.address, tallies: [tally] }]));
    await pool.connect(bob).revokeSessions();
    expect(await pool.budgetOf(bob, 0n)).to.deep.equal([BUDGET, 1n, 0n]);
    expect((await pool.budgetOf(bob, 1n))[2]).to.equal(1n);
  });

  it("sessions: a Session signed with the new nonce works after a revocation", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const { pool, keeper, alice, domain, creatorA, farExpiry } = f;
    await pool.connect(alice).revokeSessions();
    const nonce = Number(await pool.sessionNonceOf(alice));
    const tally = await sessionSignedTally(alice, randomKey(), domain, 0n, clicksFor([[creatorA, 1]]), farExpiry, {
      nonce,
    });
    await f.goToEpoch(1n);
    await expect(pool.connect(keeper).settle(...settleArgs(0n, [{ reader: alice.address, tallies: [tally] }])))
      .to.emit(pool, "ReaderSettled")
      .withArgs(0n, alice.address, BUDGET, (BUDGET * KEEPER_TIP_BPS) / 10_000n, 1n);
    await f.expectBooksBalance();
  });

  it("sessions: skips a tally whose session expires before the epoch ends (BadSession), accepts expiry = end", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const { pool, keeper, alice, domain, creatorA } = f;
    const [, end] = await pool.epochBounds(0n);
    const key = randomKey();
    const expired = await sessionSignedTally(alice, key, domain, 0n, clicksFor([[creatorA, 1]]), end - 1n);
    const exact = await sessionSignedTally(alice, key, domain, 0n, clicksFor([[creatorA, 1]]), end);
    await f.goToEpoch(1n);
    await expect(pool.connect(keeper).settle(...settleArgs(0n, [{ reader: alice.address, tallies: [expired] }])))
      .to.emit(pool, "ReaderSkipped")
      .withArgs(0n, alice.address, SkipReason.BadSession);
    await expect(pool.connect(keeper).settle(...settleArgs(0n, [{ reader: alice.address, tallies: [exact] }]))).to.emit(
      pool,
      "ReaderSettled",
    );
  });

  it("sessions: skips a key the reader never delegated (Session signed by someone else) with BadSession", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const { pool, keeper, alice, bob, domain, creatorA, farExpiry } = f;
    const key = randomKey();
    const tally = await sessionSignedTally(alice, key, domain, 0n, clicksFor([[creatorA, 1]]), farExpiry);
    // Bob signs a Session naming Alice as the reader.
    const forged = {
      ...tally,
      sessionSignature: await sessionSignature(
        bob,
        domain,
        alice.address as Address,
        key.address as Address,
        farExpiry,
        0,
      ),
    };
    await f.goToEpoch(1n);
    await expect(pool.connect(keeper).settle(...settleArgs(0n, [{ reader: alice.address, tallies: [forged] }])))
      .to.emit(pool, "ReaderSkipped")
      .withArgs(0n, alice.address, SkipReason.BadSession);
  });

  it("sessions: skips a session key of one reader used for another reader (BadSession)", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const { pool, keeper, alice, bob, domain, creatorA, farExpiry } = f;
    const key = randomKey();
    const aliceTally = await sessionSignedTally(alice, key, domain, 0n, clicksFor([[creatorA, 1]]), farExpiry);
    // The key signs a tally for Bob and presents Alice's delegation.
    const bobTally = await sessionSignedTally(alice, key, domain, 0n, clicksFor([[creatorA, 1]]), farExpiry, {
      readerAddress: bob.address as Address,
    });
    await f.goToEpoch(1n);
    const tx = await pool.connect(keeper).settle(
      ...settleArgs(0n, [
        { reader: bob.address, tallies: [{ ...bobTally, sessionSignature: aliceTally.sessionSignature }] },
        { reader: bob.address, tallies: [bobTally] },
      ]),
    );
    await expect(tx).to.emit(pool, "ReaderSkipped").withArgs(0n, bob.address, SkipReason.BadSession);
    await expect(tx).to.emit(pool, "BatchSettled").withArgs(0n, keeper.address, 0n, 2n, 0n);
    expect(await pool.isSettled(bob, 0n)).to.equal(false);
  });

  it("sessions: skips a tally signed by another key than the delegated one, which no session names (BadSession)", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const { pool, keeper, alice, domain, creatorA, farExpiry } = f;
    const delegated = await sessionSignedTally(alice, randomKey(), domain, 0n, clicksFor([[creatorA, 1]]), farExpiry);
    const other = await sessionSignedTally(alice, randomKey(), domain, 0n, clicksFor([[creatorA, 1]]), farExpiry);
    await f.goToEpoch(1n);
    await expect(
      pool
        .connect(keeper)
        .settle(
          ...settleArgs(0n, [{ reader: alice.address, tallies: [{ ...delegated, signature: other.signature }] }]),
        ),
    )
      .to.emit(pool, "ReaderSkipped")
      .withArgs(0n, alice.address, SkipReason.BadSession);
  });
});
