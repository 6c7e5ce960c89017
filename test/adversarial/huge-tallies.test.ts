/**
 * Attacks with the size of a settlement: a reader at every limit at once (8 keys of 256 creators each)
 * and readers just past a limit (257 creators, 9 keys) slipped into a batch of honest readers. The
 * oversized readers are skipped before any signature or memory work on their clicks; the honest
 * readers settle; gas stays bounded and the books balance.
 */
import { expect } from "chai";
import type { Address } from "viem";

import { BPS, MAX_CREATORS_PER_TALLY, MAX_TALLIES_PER_READER, type Clicks, settleArgs } from "@plaudit/protocol";
import { ethers, KEEPER_TIP_BPS, networkHelpers } from "../helpers/fixtures.js";
import {
  BUDGET,
  clicksFor,
  rawSignedTally,
  runningTotalShares,
  SkipReason,
  subscribedPoolFixture,
  syntheticCreators,
} from "../helpers/pool.js";
import { bySigner, readerSignedTally, sessionSignedTally, type SignedTallyStruct } from "../helpers/signing.js";

const TIP = (BUDGET * KEEPER_TIP_BPS) / BigInt(BPS);

/**
 * The most gas `data` can cost as calldata: EIP-7623's floor (10 per zero byte, 40 per other byte), which
 * a transaction pays instead of EIP-2028's 4/16 when it does little work for its calldata, as a batch of
 * cheaply skipped readers does.
 */
function calldataGas(data: string): bigint {
  const bytes = ethers.getBytes(data);
  const zeros = BigInt(bytes.filter((b) => b === 0).length);
  const nonZeros = BigInt(bytes.length) - zeros;
  return zeros * 10n + nonZeros * 40n;
}

/** Eight session keys of alice, each having clicked the same 256 creators (count i + 1 for creator i). */
async function maximalReaderFixture() {
  const f = await subscribedPoolFixture();
  const creators = syntheticCreators(MAX_CREATORS_PER_TALLY);
  const clicks: Clicks = { creators, counts: creators.map((_, i) => i + 1) };
  const keys = Array.from({ length: MAX_TALLIES_PER_READER }, () => ethers.Wallet.createRandom());
  const tallies = bySigner(
    await Promise.all(
      keys.map((key) => sessionSignedTally(f.alice, key, f.domain, 0n, clicks, f.farExpiry, { seq: 7n })),
    ),
  );
  return { ...f, syntheticCreators: creators, clicks, tallies };
}

describe("adversarial: huge tallies", () => {
  it("huge tallies: a reader at every limit (8 keys x 256 creators) settles in one transaction, paying every creator exactly", async () => {
    const f = await networkHelpers.loadFixture(maximalReaderFixture);
    await f.goToEpoch(1n);
    const tx = await f.pool
      .connect(f.keeper)
      .settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: f.tallies }]));
    const perKey = f.clicks.counts.reduce((sum, n) => sum + n, 0);
    await expect(tx)
      .to.emit(f.pool, "ReaderSettled")
      .withArgs(0n, f.alice.address, BUDGET, TIP, BigInt(perKey * MAX_TALLIES_PER_READER));
    const gas = (await tx.wait())?.gasUsed ?? 0n;
    expect(gas, "fits well inside a 30M block").to.be.lessThan(15_000_000n);
    // Entries in key order then creator order: the same 256 counts eight times.
    const counts = Array.from({ length: MAX_TALLIES_PER_READER }, () => f.clicks.counts.map(BigInt)).flat();
    const shares = runningTotalShares(BUDGET - TIP, counts);
    const expected = new Map<string, bigint>();
    shares.forEach((share, i) => {
      const creator = f.syntheticCreators[i % MAX_CREATORS_PER_TALLY] as Address;
      expected.set(creator, (expected.get(creator) ?? 0n) + share);
    });
    for (const creator of [f.syntheticCreators[0], f.syntheticCreators[127], f.syntheticCreators[255]] as Address[]) {
      expect(await f.pool.claimableOf(creator)).to.equal(expected.get(creator));
    }
    await f.expectBooksBalance([], f.syntheticCreators);
  });

  it("huge tallies: oversized readers (257 creators; 9 keys) slipped into a batch are skipped cheaply and the honest readers settle", async () => {
    const f = await networkHelpers.loadFixture(maximalReaderFixture);
    const tooMany = syntheticCreators(MAX_CREATORS_PER_TALLY + 1, 0x9000n);
    const wide = await rawSignedTally(
      f.bob,
      f.domain,
      f.bob.address as Address,
      0n,
      tooMany,
      tooMany.map(() => 1),
    );
    const nineKeys = bySigner(
      await Promise.all(
        Array.from({ length: MAX_TALLIES_PER_READER + 1 }, () =>
          sessionSignedTally(f.carol, ethers.Wallet.createRandom(), f.domain, 0n, f.clicks, f.farExpiry),
        ),
      ),
    );
    const honest = [
      {
        reader: f.alice.address,
        tallies: [await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 2]]))],
      },
    ];
    const oversized = [
      { reader: f.bob.address, tallies: [wide] },
      { reader: f.carol.address, tallies: nineKeys },
    ];
    await f.goToEpoch(1n);
    const baseline = await f.pool.connect(f.keeper).settle.estimateGas(...settleArgs(0n, honest));
    const batch = [...oversized, ...honest];
    const tx = await f.pool.connect(f.keeper).settle(...settleArgs(0n, batch));
    await expect(tx).to.emit(f.pool, "ReaderSkipped").withArgs(0n, f.bob.address, SkipReason.BadClicks);
    await expect(tx).to.emit(f.pool, "ReaderSkipped").withArgs(0n, f.carol.address, SkipReason.BadTallyList);
    await expect(tx).to.emit(f.pool, "BatchSettled").withArgs(0n, f.keeper.address, 1n, 2n, TIP);
    const extra = ((await tx.wait())?.gasUsed ?? 0n) - baseline;
    const pool = f.pool.interface;
    const extraCalldata =
      calldataGas(pool.encodeFunctionData("settle", [...settleArgs(0n, batch)])) -
      calldataGas(pool.encodeFunctionData("settle", [...settleArgs(0n, honest)]));
    // The skipped readers cost their calldata plus a little per entry (counting, one word each of memory),
    // never a signature check per key or a click check per creator.
    const entries = BigInt(tooMany.length + nineKeys.length * MAX_CREATORS_PER_TALLY);
    expect(extra, `+${extra} gas for ${entries} skipped entries, calldata ${extraCalldata}`).to.be.lessThan(
      extraCalldata + entries * 60n + 50_000n,
    );
    await f.expectBooksBalance([], [...tooMany, ...f.syntheticCreators]);
  });

  it("huge tallies: one oversized tally among a reader's valid ones voids that reader only (BadClicks), not the batch", async () => {
    const f = await networkHelpers.loadFixture(maximalReaderFixture);
    const tooMany = syntheticCreators(MAX_CREATORS_PER_TALLY + 1, 0x9000n);
    const key = ethers.Wallet.createRandom();
    const big = await sessionSignedTally(
      f.bob,
      key,
      f.domain,
      0n,
      { creators: tooMany, counts: tooMany.map(() => 1) },
      f.farExpiry,
    );
    const small = await readerSignedTally(f.bob, f.domain, 0n, clicksFor([[f.creatorB, 1]]));
    const honest = await readerSignedTally(f.carol, f.domain, 0n, clicksFor([[f.creatorC, 1]]));
    await f.goToEpoch(1n);
    const tx = await f.pool.connect(f.keeper).settle(
      ...settleArgs(0n, [
        { reader: f.bob.address, tallies: bySigner([big, small] as SignedTallyStruct[]) },
        { reader: f.carol.address, tallies: [honest] },
      ]),
    );
    await expect(tx).to.emit(f.pool, "ReaderSkipped").withArgs(0n, f.bob.address, SkipReason.BadClicks);
    await expect(tx).to.emit(f.pool, "ReaderSettled").withArgs(0n, f.carol.address, BUDGET, TIP, 1n);
    expect(await f.pool.claimableOf(f.creatorB)).to.equal(0n);
    await f.expectBooksBalance([], tooMany);
  });
});
