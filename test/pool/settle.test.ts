import { expect } from "chai";
import type { Address, Hex } from "viem";

import {
  BPS,
  encodeSettlementBatch,
  MAX_CREATORS_PER_TALLY,
  MAX_TALLIES_PER_READER,
  settleArgs,
} from "@plaudit/protocol";
import { EPOCH_LENGTH, ethers, KEEPER_TIP_BPS, networkHelpers } from "../helpers/fixtures.js";
import {
  atTimestamp,
  BUDGET,
  BudgetStatus,
  clicksFor,
  expectBudget,
  expectClaimable,
  poolEvents,
  randomKey,
  rawSignedTally,
  runningTotalShares,
  SkipReason,
  subscribedPoolFixture,
  syntheticCreators,
} from "../helpers/pool.js";
import {
  bySigner,
  domainOf,
  readerSignedTally,
  sessionSignedTally,
  type SignedTallyStruct,
} from "../helpers/signing.js";

const TIP = (BUDGET * KEEPER_TIP_BPS) / BigInt(BPS);
const SPLIT = BUDGET - TIP;

/** Addresses sorted ascending as numbers, as the contract orders creators. */
function ascending<T extends { address: string }>(accounts: readonly T[]): T[] {
  return [...accounts].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

describe("PlauditPool settle", () => {
  describe("settlement window", () => {
    it("settle: refuses an epoch that has not ended (one second before its end) with NotInSettlementWindow", async () => {
      const { pool, keeper, alice, domain, creatorA } = await networkHelpers.loadFixture(subscribedPoolFixture);
      const [, end, deadline] = await pool.epochBounds(0n);
      const tally = await readerSignedTally(alice, domain, 0n, clicksFor([[creatorA, 1]]));
      await atTimestamp(end - 1n);
      await expect(
        pool
          .connect(keeper)
          .settle(...settleArgs(0n, [{ reader: alice.address, tallies: [tally] }]), { gasLimit: 2_000_000n }),
      )
        .to.be.revertedWithCustomError(pool, "NotInSettlementWindow")
        .withArgs(0n, end, deadline);
    });

    it("settle: accepts an epoch exactly at its end", async () => {
      const { pool, keeper, alice, domain, creatorA } = await networkHelpers.loadFixture(subscribedPoolFixture);
      const [, end] = await pool.epochBounds(0n);
      const tally = await readerSignedTally(alice, domain, 0n, clicksFor([[creatorA, 1]]));
      await atTimestamp(end);
      await expect(
        pool
          .connect(keeper)
          .settle(...settleArgs(0n, [{ reader: alice.address, tallies: [tally] }]), { gasLimit: 2_000_000n }),
      )
        .to.emit(pool, "ReaderSettled")
        .withArgs(0n, alice.address, BUDGET, TIP, 1n);
    });

    it("settle: accepts an epoch one second before its deadline", async () => {
      const { pool, keeper, alice, domain, creatorA } = await networkHelpers.loadFixture(subscribedPoolFixture);
      const [, , deadline] = await pool.epochBounds(0n);
      const tally = await readerSignedTally(alice, domain, 0n, clicksFor([[creatorA, 1]]));
      await atTimestamp(deadline - 1n);
      await expect(
        pool
          .connect(keeper)
          .settle(...settleArgs(0n, [{ reader: alice.address, tallies: [tally] }]), { gasLimit: 2_000_000n }),
      ).to.emit(pool, "ReaderSettled");
    });

    it("settle: refuses an epoch at its deadline with NotInSettlementWindow", async () => {
      const { pool, keeper, alice, domain, creatorA } = await networkHelpers.loadFixture(subscribedPoolFixture);
      const [, end, deadline] = await pool.epochBounds(0n);
      const tally = await readerSignedTally(alice, domain, 0n, clicksFor([[creatorA, 1]]));
      await atTimestamp(deadline);
      await expect(
        pool
          .connect(keeper)
          .settle(...settleArgs(0n, [{ reader: alice.address, tallies: [tally] }]), { gasLimit: 2_000_000n }),
      )
        .to.be.revertedWithCustomError(pool, "NotInSettlementWindow")
        .withArgs(0n, end, deadline);
    });
  });

  describe("split", () => {
    it("settle: the split of a reader's budget sums exactly to budget - tip, dust included", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const { pool, token, keeper, alice, domain, goToEpoch } = f;
      const creators = ascending(f.creators);
      const tally = await readerSignedTally(alice, domain, 0n, clicksFor(creators.map((c) => [c, 1] as const)));
      await goToEpoch(1n);
      await expect(pool.connect(keeper).settle(...settleArgs(0n, [{ reader: alice.address, tallies: [tally] }])))
        .to.emit(pool, "ReaderSettled")
        .withArgs(0n, alice.address, BUDGET, TIP, 3n);
      // 99.5 USD over three equal weights: the running totals put the dust on the later creators.
      const expected = runningTotalShares(SPLIT, [1n, 1n, 1n]);
      expect(expected[0]).to.not.equal(expected[2]);
      let credited = 0n;
      for (const [i, creator] of creators.entries()) {
        await expectClaimable(pool, creator, expected[i] as bigint);
        credited += await pool.claimableOf(creator);
      }
      expect(credited + (await token.balanceOf(keeper))).to.equal(BUDGET);
      await expectBudget(pool, alice, 0n, BUDGET, BudgetStatus.Settled);
      expect(await pool.isSettled(alice, 0n)).to.equal(true);
      await f.expectBooksBalance();
    });

    it("settle: splits pro rata to clicks (3:1)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const { pool, keeper, alice, domain, creatorA, creatorB, goToEpoch } = f;
      const tally = await readerSignedTally(
        alice,
        domain,
        0n,
        clicksFor([
          [creatorA, 3],
          [creatorB, 1],
        ]),
      );
      await goToEpoch(1n);
      await pool.connect(keeper).settle(...settleArgs(0n, [{ reader: alice.address, tallies: [tally] }]));
      await expectClaimable(pool, creatorA, (SPLIT * 3n) / 4n);
      await expectClaimable(pool, creatorB, SPLIT / 4n);
      await f.expectBooksBalance();
    });

    it("settle: a 1-unit budget with many clicks rounds deterministically and loses nothing", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const { pool, token, keeper, stranger, domain, goToEpoch } = f;
      await token.mint(stranger, 10n);
      await token.connect(stranger).approve(pool, 10n);
      await pool.connect(stranger).subscribe(7n, 1n, 0n);
      const creators = ascending(f.creators);
      const counts = [5n, 3n, 2n];
      const tally = await readerSignedTally(
        stranger,
        domain,
        0n,
        clicksFor(creators.map((c, i) => [c, Number(counts[i])] as const)),
      );
      await goToEpoch(1n);
      await pool.connect(keeper).settle(...settleArgs(0n, [{ reader: stranger.address, tallies: [tally] }]));
      // A 7-unit budget tips nothing (7 * 50 / 10000 rounds to 0): all 7 units go to creators.
      const expected = runningTotalShares(7n, counts);
      for (const [i, creator] of creators.entries()) await expectClaimable(pool, creator, expected[i] as bigint);
      expect(expected.reduce((a, b) => a + b, 0n)).to.equal(7n);
      await f.expectBooksBalance([stranger]);
    });

    it("settle: tallies of several session keys of one reader add up", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const { pool, keeper, alice, domain, creatorA, creatorB, farExpiry, goToEpoch } = f;
      const [phone, laptop] = [randomKey(), randomKey()];
      const tallies = bySigner([
        await sessionSignedTally(alice, phone, domain, 0n, clicksFor([[creatorA, 2]]), farExpiry),
        await sessionSignedTally(
          alice,
          laptop,
          domain,
          0n,
          clicksFor([
            [creatorA, 1],
            [creatorB, 1],
          ]),
          farExpiry,
        ),
      ]);
      await goToEpoch(1n);
      await expect(pool.connect(keeper).settle(...settleArgs(0n, [{ reader: alice.address, tallies }])))
        .to.emit(pool, "ReaderSettled")
        .withArgs(0n, alice.address, BUDGET, TIP, 4n);
      await expectClaimable(pool, creatorA, (SPLIT * 3n) / 4n);
      await expectClaimable(pool, creatorB, SPLIT / 4n);
      await f.expectBooksBalance();
    });

    it("settle: the reader's own tally and a session key's tally count together", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const { pool, keeper, bob, domain, creatorA, creatorC, farExpiry, goToEpoch } = f;
      const tallies = bySigner([
        await readerSignedTally(bob, domain, 0n, clicksFor([[creatorA, 1]])),
        await sessionSignedTally(bob, randomKey(), domain, 0n, clicksFor([[creatorC, 1]]), farExpiry),
      ]);
      await goToEpoch(1n);
      await pool.connect(keeper).settle(...settleArgs(0n, [{ reader: bob.address, tallies }]));
      const shares = runningTotalShares(SPLIT, [1n, 1n]);
      const firstCreator = BigInt(tallies[0]?.creators[0] ?? 0n);
      const [first, second] = firstCreator === BigInt(creatorA.address) ? [creatorA, creatorC] : [creatorC, creatorA];
      await expectClaimable(pool, first, shares[0] as bigint);
      await expectClaimable(pool, second, shares[1] as bigint);
      await f.expectBooksBalance();
    });
  });

  describe("tally list", () => {
    async function expectSkipped(
      f: Awaited<ReturnType<typeof subscribedPoolFixture>>,
      reader: Address,
      tallies: SignedTallyStruct[],
      reason: SkipReason,
    ): Promise<void> {
      await f.goToEpoch(1n);
      await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader, tallies }])))
        .to.emit(f.pool, "ReaderSkipped")
        .withArgs(0n, reader, reason);
      expect(await f.pool.isSettled(reader, 0n)).to.equal(false);
      await expectBudget(f.pool, reader, 0n, BUDGET, BudgetStatus.Open);
      await f.expectBooksBalance();
    }

    it("settle: skips a reader with no tally (BadTallyList)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      await expectSkipped(f, f.alice.address as Address, [], SkipReason.BadTallyList);
    });

    it("settle: skips a reader whose signing keys are not strictly ascending (BadTallyList)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const tallies = bySigner([
        await sessionSignedTally(f.alice, randomKey(), f.domain, 0n, clicksFor([[f.creatorA, 1]]), f.farExpiry),
        await sessionSignedTally(f.alice, randomKey(), f.domain, 0n, clicksFor([[f.creatorB, 1]]), f.farExpiry),
      ]).reverse();
      await expectSkipped(f, f.alice.address as Address, tallies, SkipReason.BadTallyList);
    });

    it("settle: skips a reader whose list names the same key twice (BadTallyList)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const key = randomKey();
      const first = await sessionSignedTally(f.alice, key, f.domain, 0n, clicksFor([[f.creatorA, 1]]), f.farExpiry);
      const second = await sessionSignedTally(f.alice, key, f.domain, 0n, clicksFor([[f.creatorA, 2]]), f.farExpiry, {
        seq: 2n,
      });
      await expectSkipped(f, f.alice.address as Address, [first, second], SkipReason.BadTallyList);
    });

    it("settle: skips a reader with more than MAX_TALLIES_PER_READER tallies (BadTallyList), accepts exactly the limit", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const tallies = bySigner(
        await Promise.all(
          Array.from({ length: MAX_TALLIES_PER_READER + 1 }, () =>
            sessionSignedTally(f.alice, randomKey(), f.domain, 0n, clicksFor([[f.creatorA, 1]]), f.farExpiry),
          ),
        ),
      );
      await expectSkipped(f, f.alice.address as Address, tallies, SkipReason.BadTallyList);
      const atLimit = tallies.slice(0, MAX_TALLIES_PER_READER);
      await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: atLimit }])))
        .to.emit(f.pool, "ReaderSettled")
        .withArgs(0n, f.alice.address, BUDGET, TIP, BigInt(MAX_TALLIES_PER_READER));
      await expectClaimable(f.pool, f.creatorA, SPLIT);
    });
  });

  describe("clicks", () => {
    /** Alice signs `creators` / `counts` as given; settling must skip her with BadClicks. */
    async function expectBadClicks(
      f: Awaited<ReturnType<typeof subscribedPoolFixture>>,
      creators: readonly Address[],
      counts: readonly number[],
    ): Promise<void> {
      const tally = await rawSignedTally(f.alice, f.domain, f.alice.address as Address, 0n, creators, counts);
      await f.goToEpoch(1n);
      await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [tally] }])))
        .to.emit(f.pool, "ReaderSkipped")
        .withArgs(0n, f.alice.address, SkipReason.BadClicks);
      expect(await f.pool.isSettled(f.alice, 0n)).to.equal(false);
      await f.expectBooksBalance();
    }

    it("settle: skips a tally naming the same creator twice (BadClicks)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const a = f.creatorA.address as Address;
      await expectBadClicks(f, [a, a], [1, 1]);
    });

    it("settle: skips a tally whose creators are not ascending (BadClicks)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const [low, high] = ascending([f.creatorA, f.creatorB]).map((c) => c.address as Address);
      await expectBadClicks(f, [high as Address, low as Address], [1, 1]);
    });

    it("settle: skips a tally in which the reader clicks itself (BadClicks)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const self = f.alice.address as Address;
      await expectBadClicks(f, [self], [5]);
    });

    it("settle: skips a tally with a zero count (BadClicks)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const [low, high] = ascending([f.creatorA, f.creatorB]).map((c) => c.address as Address);
      await expectBadClicks(f, [low as Address, high as Address], [1, 0]);
    });

    it("settle: skips a tally naming the zero address (BadClicks)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      await expectBadClicks(f, [ethers.ZeroAddress as Address], [1]);
    });

    it("settle: skips a tally naming one creator twice through two indices of the creator table (BadClicks)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const reader = f.alice.address as Address;
      const [low, high] = ascending([f.creatorA, f.creatorB]).map((c) => c.address as Address);
      const tally = await rawSignedTally(f.alice, f.domain, reader, 0n, [low as Address, high as Address], [1, 1]);
      const { creators, batch } = encodeSettlementBatch([{ reader, tallies: [tally] }]);
      // The same entries (indices 0 and 1), but a table naming the first creator at both indices.
      const first = creators[0] as Address;
      await f.goToEpoch(1n);
      await expect(f.pool.connect(f.keeper).settle(0n, [first, first], batch))
        .to.emit(f.pool, "ReaderSkipped")
        .withArgs(0n, reader, SkipReason.BadClicks);
    });

    /**
     * Alice clicks creator A and `account` (the pool or its token) in one tally; Bob clicks creator A in an
     * honest tally of the same batch. A share credited to the pool or its token could never leave the pool
     * and anyone could `claim` it off the books, so the pool must refuse the tally, not credit it.
     */
    async function expectUnclickable(
      f: Awaited<ReturnType<typeof subscribedPoolFixture>>,
      account: Address,
    ): Promise<void> {
      const reader = f.alice.address as Address;
      const clicks = clicksFor([
        [f.creatorA, 2],
        [account, 3],
      ]);
      const bad = await rawSignedTally(f.alice, f.domain, reader, 0n, clicks.creators, clicks.counts);
      const honest = await readerSignedTally(f.bob, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      await f.goToEpoch(1n);
      const tx = f.pool.connect(f.keeper).settle(
        ...settleArgs(0n, [
          { reader, tallies: [bad] },
          { reader: f.bob.address, tallies: [honest] },
        ]),
      );
      await expect(tx).to.emit(f.pool, "ReaderSkipped").withArgs(0n, reader, SkipReason.BadClicks);
      await expect(tx).to.emit(f.pool, "ReaderSettled").withArgs(0n, f.bob.address, BUDGET, TIP, 1n);
      expect(await f.pool.isSettled(reader, 0n)).to.equal(false);
      await expectClaimable(f.pool, account, 0n);
      await expectClaimable(f.pool, f.creatorA, SPLIT);
      await expect(f.pool.claim(account)).to.be.revertedWithCustomError(f.pool, "NothingToWithdraw").withArgs(account);
      await f.expectBooksBalance([], [account]);
    }

    it("settle: skips a tally naming the pool itself as a creator (BadClicks), the books still balance", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      await expectUnclickable(f, (await f.pool.getAddress()) as Address);
    });

    it("settle: skips a tally naming the pool's token as a creator (BadClicks), the books still balance", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      await expectUnclickable(f, (await f.token.getAddress()) as Address);
    });

    it("settle: skips a tally naming no creator (BadClicks)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      await expectBadClicks(f, [], []);
    });

    it("settle: skips a tally naming more than MAX_CREATORS_PER_TALLY creators (BadClicks)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const creators = syntheticCreators(MAX_CREATORS_PER_TALLY + 1);
      const counts = creators.map(() => 1);
      await expectBadClicks(f, creators, counts);
    });

    it("settle: accepts a tally naming exactly MAX_CREATORS_PER_TALLY creators", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const creators = syntheticCreators(MAX_CREATORS_PER_TALLY);
      const counts = creators.map(() => 1);
      const tally = await rawSignedTally(f.alice, f.domain, f.alice.address as Address, 0n, creators, counts);
      await f.goToEpoch(1n);
      await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [tally] }])))
        .to.emit(f.pool, "ReaderSettled")
        .withArgs(0n, f.alice.address, BUDGET, TIP, BigInt(MAX_CREATORS_PER_TALLY));
      const shares = runningTotalShares(SPLIT, counts.map(BigInt));
      await expectClaimable(f.pool, creators[0] as Address, shares[0] as bigint);
      await expectClaimable(f.pool, creators[MAX_CREATORS_PER_TALLY - 1] as Address, shares.at(-1) as bigint);
      await f.expectBooksBalance([], creators);
    });
  });

  describe("budgets and repeats", () => {
    it("settle: skips a reader without a budget for the epoch (NoBudget)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const tally = await readerSignedTally(f.stranger, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      await f.goToEpoch(1n);
      await expect(
        f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.stranger.address, tallies: [tally] }])),
      )
        .to.emit(f.pool, "ReaderSkipped")
        .withArgs(0n, f.stranger.address, SkipReason.NoBudget);
      await expectClaimable(f.pool, f.creatorA, 0n);
    });

    it("settle: skips a reader already settled by an earlier batch (AlreadySettled)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const tally = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      const other = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorB, 9]]), 2n);
      await f.goToEpoch(1n);
      await f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [tally] }]));
      await expect(
        f.pool.connect(f.stranger).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [other] }])),
      )
        .to.emit(f.pool, "ReaderSkipped")
        .withArgs(0n, f.alice.address, SkipReason.AlreadySettled);
      await expectClaimable(f.pool, f.creatorA, SPLIT);
      await expectClaimable(f.pool, f.creatorB, 0n);
      expect(await f.token.balanceOf(f.stranger)).to.equal(0n);
      await f.expectBooksBalance();
    });

    it("settle: skips the second entry of a reader named twice in one batch (AlreadySettled)", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const tally = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      await f.goToEpoch(1n);
      const tx = await f.pool.connect(f.keeper).settle(
        ...settleArgs(0n, [
          { reader: f.alice.address, tallies: [tally] },
          { reader: f.alice.address, tallies: [tally] },
        ]),
      );
      await expect(tx).to.emit(f.pool, "ReaderSkipped").withArgs(0n, f.alice.address, SkipReason.AlreadySettled);
      await expect(tx).to.emit(f.pool, "BatchSettled").withArgs(0n, f.keeper.address, 1n, 1n, TIP);
      await expectClaimable(f.pool, f.creatorA, SPLIT);
      await f.expectBooksBalance();
    });

    it("settle: settling epoch 0 leaves the reader's epoch 1 open", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const tally = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      await f.goToEpoch(1n);
      await f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [tally] }]));
      await expectBudget(f.pool, f.alice, 1n, BUDGET, BudgetStatus.Open);
      expect(await f.pool.isSettled(f.alice, 1n)).to.equal(false);
    });
  });

  describe("batches and keepers", () => {
    it("settle: skips a bad reader of a batch and settles the others, with every event", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const { pool, token, keeper, alice, bob, carol, creatorA, creatorB, domain } = f;
      const aliceTally = await readerSignedTally(alice, domain, 0n, clicksFor([[creatorA, 1]]));
      const carolTally = await readerSignedTally(
        carol,
        domain,
        0n,
        clicksFor([
          [creatorA, 1],
          [creatorB, 1],
        ]),
      );
      // Bob's tally is signed by Carol: a bad signature.
      const forged = {
        ...(await readerSignedTally(carol, domain, 0n, clicksFor([[creatorB, 1]]))),
        signer: bob.address as Address,
      };
      const batch = [
        { reader: alice.address, tallies: [aliceTally] },
        { reader: bob.address, tallies: [forged] },
        { reader: carol.address, tallies: [carolTally] },
      ];
      await f.goToEpoch(1n);
      expect(await pool.connect(keeper).settle.staticCall(...settleArgs(0n, batch))).to.equal(2n);
      const tx = await pool.connect(keeper).settle(...settleArgs(0n, batch));
      await expect(tx).to.emit(pool, "ReaderSkipped").withArgs(0n, bob.address, SkipReason.BadSignature);
      await expect(tx).to.emit(pool, "ReaderSettled").withArgs(0n, alice.address, BUDGET, TIP, 1n);
      await expect(tx).to.emit(pool, "ReaderSettled").withArgs(0n, carol.address, BUDGET, TIP, 2n);
      const carolShares = runningTotalShares(SPLIT, [1n, 1n]);
      const [carolFirst] = ascending([creatorA, creatorB]);
      // Alice's whole split goes to A; Carol's splits 1:1 between A and B, in ascending address order.
      const creditOf = (c: { address: string }) =>
        (c.address === creatorA.address ? SPLIT : 0n) +
        (c.address === carolFirst?.address ? (carolShares[0] as bigint) : (carolShares[1] as bigint));
      await expect(tx).to.emit(pool, "CreatorCredited").withArgs(0n, creatorA.address, creditOf(creatorA));
      await expect(tx).to.emit(pool, "CreatorCredited").withArgs(0n, creatorB.address, creditOf(creatorB));
      await expect(tx)
        .to.emit(pool, "BatchSettled")
        .withArgs(0n, keeper.address, 2n, 1n, 2n * TIP);
      // One CreatorCredited per creator per batch, however many readers credited it.
      expect(await poolEvents(pool, tx, "CreatorCredited")).to.have.length(2);
      expect(await token.balanceOf(keeper)).to.equal(2n * TIP);
      await expectClaimable(pool, creatorA, creditOf(creatorA));
      await expectClaimable(pool, creatorB, creditOf(creatorB));
      expect(await pool.isSettled(bob, 0n)).to.equal(false);
      await f.expectBooksBalance();
    });

    it("settle: pays the keeper tip to msg.sender", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const tally = await readerSignedTally(f.bob, f.domain, 0n, clicksFor([[f.creatorC, 4]]));
      await f.goToEpoch(1n);
      await expect(
        f.pool.connect(f.stranger).settle(...settleArgs(0n, [{ reader: f.bob.address, tallies: [tally] }])),
      ).to.changeTokenBalances(ethers, f.token, [f.stranger, f.keeper, f.pool], [TIP, 0n, -TIP]);
      await f.expectBooksBalance();
    });

    it("settle: a batch that settles nobody pays no tip and still emits BatchSettled", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      await f.goToEpoch(1n);
      const tx = await f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [] }]));
      await expect(tx).to.emit(f.pool, "BatchSettled").withArgs(0n, f.keeper.address, 0n, 1n, 0n);
      await expect(tx).to.not.emit(f.token, "Transfer");
      await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, [])))
        .to.emit(f.pool, "BatchSettled")
        .withArgs(0n, f.keeper.address, 0n, 0n, 0n);
    });

    it("settle: a zero-tip pool gives the whole budget to creators and transfers nothing to the keeper", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const { token, alice, keeper, creatorA, startTime } = f;
      const pool = await ethers.deployContract("PlauditPool", [token, startTime, EPOCH_LENGTH, 0n]);
      await token.connect(alice).approve(pool, ethers.MaxUint256);
      await pool.connect(alice).subscribe(BUDGET, 1n, 0n);
      const tally = await readerSignedTally(alice, await domainOf(pool), 0n, clicksFor([[creatorA, 1]]));
      await f.goToEpoch(1n);
      const tx = await pool.connect(keeper).settle(...settleArgs(0n, [{ reader: alice.address, tallies: [tally] }]));
      await expect(tx).to.emit(pool, "ReaderSettled").withArgs(0n, alice.address, BUDGET, 0n, 1n);
      await expect(tx).to.emit(pool, "BatchSettled").withArgs(0n, keeper.address, 1n, 0n, 0n);
      await expect(tx).to.not.emit(token, "Transfer");
      await expectClaimable(pool, creatorA, BUDGET);
      expect(await token.balanceOf(keeper)).to.equal(0n);
      expect(await token.balanceOf(pool)).to.equal(BUDGET);
    });

    it("settle: a reader can settle itself with its own tallies, no keeper needed, and earns the tip", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const { pool, token, carol, creatorB, domain } = f;
      const tally = await readerSignedTally(carol, domain, 0n, clicksFor([[creatorB, 2]]));
      await f.goToEpoch(1n);
      await expect(
        pool.connect(carol).settle(...settleArgs(0n, [{ reader: carol.address, tallies: [tally] }])),
      ).to.changeTokenBalance(ethers, token, carol, TIP);
      await expectClaimable(pool, creatorB, SPLIT);
      await f.expectBooksBalance();
    });

    it("settle: settles epoch 1 independently of epoch 0 and accumulates claimables", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const { pool, keeper, alice, creatorA, domain } = f;
      const t0 = await readerSignedTally(alice, domain, 0n, clicksFor([[creatorA, 1]]));
      const t1 = await readerSignedTally(alice, domain, 1n, clicksFor([[creatorA, 1]]));
      await f.goToEpoch(1n);
      await pool.connect(keeper).settle(...settleArgs(0n, [{ reader: alice.address, tallies: [t0] }]));
      await f.goToEpoch(2n);
      await pool.connect(keeper).settle(...settleArgs(1n, [{ reader: alice.address, tallies: [t1] }]));
      await expectClaimable(pool, creatorA, 2n * SPLIT);
      await f.expectBooksBalance();
    });
  });

  describe("batch encoding", () => {
    /** A valid one-reader batch: alice's own tally over two creators. */
    async function aliceBatch(f: Awaited<ReturnType<typeof subscribedPoolFixture>>) {
      const tally = await readerSignedTally(
        f.alice,
        f.domain,
        0n,
        clicksFor([
          [f.creatorA, 2],
          [f.creatorB, 1],
        ]),
      );
      return encodeSettlementBatch([{ reader: f.alice.address as Address, tallies: [tally] }]);
    }

    it("settle: reverts with MalformedBatch on a batch cut short anywhere, and settles nobody", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const { creators, batch } = await aliceBatch(f);
      await f.goToEpoch(1n);
      const bytes = (batch.length - 2) / 2;
      // Cut inside the reader header (21 bytes), the tally header (19), an entry (6 each), the signature's
      // length prefix (2), the signature (65) and the session signature's length prefix.
      for (const keep of [1, 20, 21, 30, 40, 45, 53, 60, bytes - 1]) {
        const cut = batch.slice(0, 2 + keep * 2) as Hex;
        await expect(
          f.pool.connect(f.keeper).settle(0n, creators, cut),
          `${keep} of ${bytes} bytes`,
        ).to.be.revertedWithCustomError(f.pool, "MalformedBatch");
      }
      expect(await f.pool.isSettled(f.alice.address, 0n)).to.equal(false);
      await expect(f.pool.connect(f.keeper).settle(0n, creators, batch)).to.emit(f.pool, "ReaderSettled");
    });

    it("settle: reverts with MalformedBatch when an entry's creator index is past the creator table", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const { creators, batch } = await aliceBatch(f);
      await f.goToEpoch(1n);
      await expect(f.pool.connect(f.keeper).settle(0n, creators.slice(0, 1), batch))
        .to.be.revertedWithCustomError(f.pool, "MalformedBatch")
        .withArgs(20n + 1n + 1n + 8n + 8n + 2n + 6n); // reader, tallyCount | signedBy, seq, expiry, entryCount | entry 0
    });

    it("settle: credits each creator once per batch however many readers name it, through one table entry", async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const [aliceTally, bobTally] = await Promise.all([
        readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]])),
        readerSignedTally(f.bob, f.domain, 0n, clicksFor([[f.creatorA, 3]])),
      ]);
      const args = settleArgs(0n, [
        { reader: f.alice.address as Address, tallies: [aliceTally] },
        { reader: f.bob.address as Address, tallies: [bobTally] },
      ]);
      expect(args[1]).to.deep.equal([f.creatorA.address]);
      await f.goToEpoch(1n);
      const tx = await f.pool.connect(f.keeper).settle(...args);
      const credited = (await poolEvents(f.pool, tx, "CreatorCredited")).map((e) => [e?.args.creator, e?.args.amount]);
      expect(credited).to.deep.equal([[f.creatorA.address, 2n * SPLIT]]);
      await f.expectBooksBalance();
    });
  });
});
