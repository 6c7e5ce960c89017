/**
 * Replay attacks: a settled reader's batch resubmitted by another keeper (later, or racing it into the
 * same block), a session key used after the reader revoked it or after its expiry across epochs, and
 * tallies and Sessions of one pool replayed on another pool of the same token and chain. Nothing is
 * paid twice, a tip is paid once per settled reader, and every pool's books balance.
 */
import { expect } from "chai";
import type { Address } from "viem";

import { BPS, settleArgs } from "@plaudit/protocol";
import { EPOCH_LENGTH, ethers, KEEPER_TIP_BPS, networkHelpers } from "../helpers/fixtures.js";
import {
  BUDGET,
  clicksFor,
  expectClaimable,
  expectConservation,
  poolEvents,
  randomKey,
  sessionSignature,
  SkipReason,
  subscribedPoolFixture,
} from "../helpers/pool.js";
import { domainOf, readerSignedTally, sessionSignedTally } from "../helpers/signing.js";

const TIP = (BUDGET * KEEPER_TIP_BPS) / BigInt(BPS);

async function signedBatchFixture() {
  const f = await subscribedPoolFixture();
  const aliceTally = await readerSignedTally(
    f.alice,
    f.domain,
    0n,
    clicksFor([
      [f.creatorA, 2],
      [f.creatorB, 1],
    ]),
  );
  const bobTally = await sessionSignedTally(
    f.bob,
    randomKey(),
    f.domain,
    0n,
    clicksFor([[f.creatorB, 1]]),
    f.farExpiry,
  );
  const carolTally = await readerSignedTally(f.carol, f.domain, 0n, clicksFor([[f.creatorC, 1]]));
  const batch = [
    { reader: f.alice.address, tallies: [aliceTally] },
    { reader: f.bob.address, tallies: [bobTally] },
  ];
  const carolEntry = { reader: f.carol.address, tallies: [carolTally] };
  return { ...f, batch, carolEntry };
}

describe("adversarial: replay", () => {
  it("replay: another keeper resubmitting a settled batch settles nobody twice and earns only the tip of the new reader", async () => {
    const f = await networkHelpers.loadFixture(signedBatchFixture);
    await f.goToEpoch(1n);
    await f.pool.connect(f.keeper).settle(...settleArgs(0n, f.batch));
    const claimables = await Promise.all(f.creators.map((c) => f.pool.claimableOf(c)));
    const replay = f.pool.connect(f.stranger).settle(...settleArgs(0n, [...f.batch, f.carolEntry]));
    await expect(replay).to.changeTokenBalance(ethers, f.token, f.stranger, TIP);
    const tx = await replay;
    await expect(tx).to.emit(f.pool, "ReaderSkipped").withArgs(0n, f.alice.address, SkipReason.AlreadySettled);
    await expect(tx).to.emit(f.pool, "ReaderSkipped").withArgs(0n, f.bob.address, SkipReason.AlreadySettled);
    await expect(tx).to.emit(f.pool, "BatchSettled").withArgs(0n, f.stranger.address, 1n, 2n, TIP);
    // Only carol's budget moved: creator C gained it, A and B did not change.
    expect(await f.pool.claimableOf(f.creatorA)).to.equal(claimables[0]);
    expect(await f.pool.claimableOf(f.creatorB)).to.equal(claimables[1]);
    await expectClaimable(f.pool, f.creatorC, (claimables[2] ?? 0n) + BUDGET - TIP);
    await f.expectBooksBalance();
  });

  it("replay: two keepers racing the same batch into one block: the first settles and is tipped, the copy gets nothing", async () => {
    const f = await networkHelpers.loadFixture(signedBatchFixture);
    await f.goToEpoch(1n);
    await ethers.provider.send("evm_setAutomine", [false]);
    try {
      const first = await f.pool.connect(f.keeper).settle(...settleArgs(0n, f.batch), { gasLimit: 1_000_000n });
      const copy = await f.pool.connect(f.stranger).settle(...settleArgs(0n, f.batch), { gasLimit: 1_000_000n });
      await networkHelpers.mine();
      const [firstReceipt, copyReceipt] = [await first.wait(), await copy.wait()];
      expect(firstReceipt?.blockNumber).to.equal(copyReceipt?.blockNumber);
      const settledBy = async (tx: typeof first) => (await poolEvents(f.pool, tx, "BatchSettled"))[0]?.args;
      expect((await settledBy(first))?.toArray()).to.deep.equal([0n, f.keeper.address, 2n, 0n, 2n * TIP]);
      expect((await settledBy(copy))?.toArray()).to.deep.equal([0n, f.stranger.address, 0n, 2n, 0n]);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    expect(await f.token.balanceOf(f.stranger)).to.equal(0n);
    await f.expectBooksBalance();
  });

  it("replay: a session key used after the reader revoked it is refused in every later epoch, also with an old Session of a later expiry", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    await f.pool.connect(f.alice).subscribe(BUDGET, 2n, 2n);
    const key = randomKey();
    const keyAddress = key.address as Address;
    const tallyOf = (epoch: bigint, expiry = f.farExpiry) =>
      sessionSignedTally(f.alice, key, f.domain, epoch, clicksFor([[f.creatorB, 1]]), expiry);
    // Epoch 0 settles with the key; the reader then revokes it during epoch 1.
    await f.goToEpoch(1n);
    await f.pool
      .connect(f.keeper)
      .settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [await tallyOf(0n)] }]));
    await f.pool.connect(f.alice).revokeSessions();
    // A Session the thief had the reader sign earlier for nonce 0 with an even later expiry: still void.
    const laterExpiry = f.farExpiry + EPOCH_LENGTH;
    const oldLaterSession = await sessionSignature(
      f.alice,
      f.domain,
      f.alice.address as Address,
      keyAddress,
      laterExpiry,
      0,
    );
    for (const epoch of [1n, 2n, 3n]) {
      await f.goToEpoch(epoch + 1n);
      const plain = await tallyOf(epoch);
      const later = { ...(await tallyOf(epoch, laterExpiry)), sessionSignature: oldLaterSession };
      for (const tally of [plain, later]) {
        await expect(
          f.pool.connect(f.keeper).settle(...settleArgs(epoch, [{ reader: f.alice.address, tallies: [tally] }])),
        )
          .to.emit(f.pool, "ReaderSkipped")
          .withArgs(epoch, f.alice.address, SkipReason.BadSession);
      }
    }
    await expectClaimable(f.pool, f.creatorB, BUDGET - TIP);
    await f.expectBooksBalance();
  });

  it("replay: a session key past its expiry is refused for every later epoch, and a tally cannot claim a longer expiry than signed", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    await f.pool.connect(f.alice).subscribe(BUDGET, 1n, 2n);
    const key = randomKey();
    const [, end1] = await f.pool.epochBounds(1n);
    const tallyOf = (epoch: bigint) =>
      sessionSignedTally(f.alice, key, f.domain, epoch, clicksFor([[f.creatorA, 1]]), end1);
    await f.goToEpoch(1n);
    await f.pool
      .connect(f.keeper)
      .settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [await tallyOf(0n)] }]));
    await f.goToEpoch(2n);
    await f.pool
      .connect(f.keeper)
      .settle(...settleArgs(1n, [{ reader: f.alice.address, tallies: [await tallyOf(1n)] }]));
    await f.goToEpoch(3n);
    const expired = await tallyOf(2n);
    for (const tally of [expired, { ...expired, sessionExpiry: f.farExpiry }]) {
      await expect(f.pool.connect(f.keeper).settle(...settleArgs(2n, [{ reader: f.alice.address, tallies: [tally] }])))
        .to.emit(f.pool, "ReaderSkipped")
        .withArgs(2n, f.alice.address, SkipReason.BadSession);
    }
    await expectClaimable(f.pool, f.creatorA, 2n * (BUDGET - TIP));
    await f.expectBooksBalance();
  });

  it("replay: tallies and Sessions of one pool replayed on a second pool of the same token and chain are refused; both pools balance", async () => {
    const f = await networkHelpers.loadFixture(signedBatchFixture);
    const other = await ethers.deployContract("PlauditPool", [f.token, f.startTime, EPOCH_LENGTH, KEEPER_TIP_BPS]);
    for (const reader of [f.alice, f.bob]) {
      await f.token.connect(reader).approve(other, ethers.MaxUint256);
      await other.connect(reader).subscribe(BUDGET, 1n, 0n);
    }
    await f.goToEpoch(1n);
    // The batch signed for the first pool, on the second: alice's tally and bob's Session are both void.
    const tx = await other.connect(f.keeper).settle(...settleArgs(0n, f.batch));
    await expect(tx).to.emit(other, "ReaderSkipped").withArgs(0n, f.alice.address, SkipReason.BadSignature);
    await expect(tx).to.emit(other, "ReaderSkipped").withArgs(0n, f.bob.address, SkipReason.BadSession);
    // And the other way round: the second pool's tallies do not settle the first.
    const otherDomain = await domainOf(other);
    const forOther = await readerSignedTally(f.alice, otherDomain, 0n, clicksFor([[f.creatorC, 1]]));
    await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [forOther] }])))
      .to.emit(f.pool, "ReaderSkipped")
      .withArgs(0n, f.alice.address, SkipReason.BadSignature);
    // Each pool settles its own.
    await f.pool.connect(f.keeper).settle(...settleArgs(0n, f.batch));
    await other.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [forOther] }]));
    await expectClaimable(other, f.creatorC, BUDGET - TIP);
    await f.expectBooksBalance();
    await expectConservation(other, f.token, [f.alice, f.bob], f.creators);
  });
});
