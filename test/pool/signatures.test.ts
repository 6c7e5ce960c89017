import { anyUint } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import type { Address, Hex } from "viem";

import { EPOCH_LENGTH, ethers, KEEPER_TIP_BPS, networkHelpers } from "../helpers/fixtures.js";
import {
  BUDGET,
  clicksFor,
  deployWalletReader,
  expectClaimable,
  malleate,
  randomKey,
  SkipReason,
  subscribedPoolFixture,
  walletSignedTally,
  walletSubscribe,
} from "../helpers/pool.js";
import { domainOf, readerSignedTally, sessionSignedTally, type SignedTallyStruct } from "../helpers/signing.js";
import { settleArgs } from "@plaudit/protocol";

const TIP = (BUDGET * KEEPER_TIP_BPS) / 10_000n;

/** The base fixture plus an ERC-1271 wallet reader (owned by the deployer account) funded for epoch 0. */
async function walletFixture() {
  const f = await subscribedPoolFixture();
  const owner = f.deployer;
  const wallet = await deployWalletReader(owner, f.token, f.pool);
  await walletSubscribe(wallet, owner, f.pool, BUDGET, 1n, 0n);
  const walletAddress = (await wallet.getAddress()) as Address;
  return { ...f, owner, wallet, walletAddress };
}

/**
 * Honest EOA readers settled ahead of the wallet reader in the large-signature tests: their execution,
 * not the calldata floor of a 64 KB signature (EIP-7623, 10 gas per zero byte), sets the batch's gas
 * limit, so that a low limit runs short at the wallet call rather than before the batch starts.
 */
const HONEST_READERS_AHEAD = 48;
/** The step and the span of gas limits tried around a batch's estimate in the large-signature tests. */
const GAS_SWEEP_STEP = 1_000n;
const GAS_SWEEP_BELOW = 10_000n;
const GAS_SWEEP_ABOVE = 20_000n;

/**
 * The wallet fixture, the wallet reader's code replaced by StipendProbeWallet's (which accepts only when
 * given its whole stipend), and HONEST_READERS_AHEAD funded EOA readers with a tally each.
 */
async function stipendProbeFixture() {
  const f = await walletFixture();
  const probe = await ethers.deployContract("StipendProbeWallet", [await f.pool.ERC1271_GAS_STIPEND()]);
  await networkHelpers.setCode(f.walletAddress, await ethers.provider.getCode(probe));
  const honest = [];
  for (let i = 0; i < HONEST_READERS_AHEAD; i++) {
    const reader = randomKey().connect(ethers.provider);
    await networkHelpers.setBalance(reader.address, 10n ** 18n);
    await f.token.mint(reader.address, BUDGET);
    await f.token.connect(reader).approve(f.pool, BUDGET);
    await f.pool.connect(reader).subscribe(BUDGET, 1n, 0n);
    const tally = await readerSignedTally(reader, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
    honest.push({ reader: reader.address, tallies: [tally] });
  }
  return { ...f, honest };
}

/** `signature` followed by zeros up to `size` bytes: a wallet may accept signatures of any format. */
function paddedTo(signature: Hex, size: number): Hex {
  return ethers.concat([signature, new Uint8Array(size - ethers.dataLength(signature))]) as Hex;
}

describe("PlauditPool signatures", () => {
  /** One click of alice's on creator A, signed by a fresh session key she delegated. */
  function aliceSessionTally(f: Awaited<ReturnType<typeof subscribedPoolFixture>>): Promise<SignedTallyStruct> {
    return sessionSignedTally(f.alice, randomKey(), f.domain, 0n, clicksFor([[f.creatorA, 1]]), f.farExpiry);
  }

  async function expectSkippedWith(
    f: Awaited<ReturnType<typeof subscribedPoolFixture>>,
    reader: string,
    tally: SignedTallyStruct,
    reason: SkipReason,
    epoch = 0n,
  ): Promise<void> {
    // `reader` may be a wallet outside the base fixture's readers: count it in the books too.
    await f.goToEpoch(epoch + 1n);
    await expect(f.pool.connect(f.keeper).settle(...settleArgs(epoch, [{ reader, tallies: [tally] }])))
      .to.emit(f.pool, "ReaderSkipped")
      .withArgs(epoch, reader, reason);
    expect(await f.pool.isSettled(reader, epoch)).to.equal(false);
    await f.expectBooksBalance([reader]);
  }

  it("signatures: skips a tally signed for another chain (BadSignature)", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const otherChain = { ...f.domain, chainId: f.domain.chainId + 1n };
    const tally = await readerSignedTally(f.alice, otherChain, 0n, clicksFor([[f.creatorA, 1]]));
    await expectSkippedWith(f, f.alice.address, tally, SkipReason.BadSignature);
  });

  it("signatures: skips a tally signed for another pool (BadSignature)", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const otherPool = await ethers.deployContract("PlauditPool", [f.token, f.startTime, EPOCH_LENGTH, KEEPER_TIP_BPS]);
    const tally = await readerSignedTally(f.alice, await domainOf(otherPool), 0n, clicksFor([[f.creatorA, 1]]));
    await expectSkippedWith(f, f.alice.address, tally, SkipReason.BadSignature);
  });

  it("signatures: skips a tally signed for epoch 0 replayed for epoch 1 (BadSignature)", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const tally = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
    await f.goToEpoch(1n);
    await f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [tally] }]));
    await expectSkippedWith(f, f.alice.address, tally, SkipReason.BadSignature, 1n);
  });

  it("signatures: skips a tally signed by someone else than the reader it names (BadSignature)", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const byBob = await readerSignedTally(f.bob, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
    await expectSkippedWith(
      f,
      f.alice.address,
      { ...byBob, signer: f.alice.address as Address },
      SkipReason.BadSignature,
    );
  });

  it("signatures: skips the malleable high-s twin of a valid signature (BadSignature), the original settles", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const tally = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
    const twin = malleate(tally.signature);
    expect(twin).to.not.equal(tally.signature);
    await expectSkippedWith(f, f.alice.address, { ...tally, signature: twin }, SkipReason.BadSignature);
    await expect(
      f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [tally] }])),
    ).to.emit(f.pool, "ReaderSettled");
  });

  it("signatures: skips a session whose delegation signature is the high-s twin (BadSession)", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const tally = await aliceSessionTally(f);
    await expectSkippedWith(
      f,
      f.alice.address,
      { ...tally, sessionSignature: malleate(tally.sessionSignature) },
      SkipReason.BadSession,
    );
  });

  for (const [label, mangle] of [
    ["64 bytes", (sig: Hex) => sig.slice(0, 2 + 128) as Hex],
    ["66 bytes", (sig: Hex) => `${sig}00` as Hex],
    ["empty", () => "0x" as Hex],
    ["v neither 27 nor 28", (sig: Hex) => `${sig.slice(0, -2)}1d` as Hex],
  ] as const) {
    it(`signatures: skips a malformed (${label}) signature without reverting the batch (BadSignature)`, async () => {
      const f = await networkHelpers.loadFixture(subscribedPoolFixture);
      const bad = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      const good = await readerSignedTally(f.bob, f.domain, 0n, clicksFor([[f.creatorB, 1]]));
      await f.goToEpoch(1n);
      const tx = await f.pool.connect(f.keeper).settle(
        ...settleArgs(0n, [
          { reader: f.alice.address, tallies: [{ ...bad, signature: mangle(bad.signature) }] },
          { reader: f.bob.address, tallies: [good] },
        ]),
      );
      await expect(tx).to.emit(f.pool, "ReaderSkipped").withArgs(0n, f.alice.address, SkipReason.BadSignature);
      await expect(tx).to.emit(f.pool, "BatchSettled").withArgs(0n, f.keeper.address, 1n, 1n, TIP);
      await f.expectBooksBalance();
    });
  }

  it("signatures: skips a session key's tally whose signature is malformed, malleable or has a bad v (BadSignature), since its key is recovered from it", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const tally = await aliceSessionTally(f);
    await f.goToEpoch(1n);
    for (const signature of [
      tally.signature.slice(0, 2 + 128) as Hex,
      malleate(tally.signature),
      `${tally.signature.slice(0, -2)}1d` as Hex,
    ]) {
      await expect(
        f.pool
          .connect(f.keeper)
          .settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [{ ...tally, signature }] }])),
      )
        .to.emit(f.pool, "ReaderSkipped")
        .withArgs(0n, f.alice.address, SkipReason.BadSignature);
    }
    await expect(
      f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [tally] }])),
    ).to.emit(f.pool, "ReaderSettled");
  });

  describe("ERC-1271 readers", () => {
    /** Two clicks of the wallet reader on creator B, by a fresh session key its owner delegated. */
    function walletSessionTally(f: Awaited<ReturnType<typeof walletFixture>>): Promise<SignedTallyStruct> {
      return sessionSignedTally(f.owner, randomKey(), f.domain, 0n, clicksFor([[f.creatorB, 2]]), f.farExpiry, {
        readerAddress: f.walletAddress,
      });
    }

    it("signatures: settles a wallet reader whose owner key signed the tally (ERC-1271 accepts)", async () => {
      const f = await networkHelpers.loadFixture(walletFixture);
      const tally = await walletSignedTally(f.owner, f.walletAddress, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      await f.goToEpoch(1n);
      await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.walletAddress, tallies: [tally] }])))
        .to.emit(f.pool, "ReaderSettled")
        .withArgs(0n, f.walletAddress, BUDGET, TIP, 1n);
      await expectClaimable(f.pool, f.creatorA, BUDGET - TIP);
      await f.expectBooksBalance([f.walletAddress]);
    });

    it("signatures: settles a session key delegated by a wallet reader (ERC-1271 Session)", async () => {
      const f = await networkHelpers.loadFixture(walletFixture);
      const tally = await walletSessionTally(f);
      await f.goToEpoch(1n);
      await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.walletAddress, tallies: [tally] }])))
        .to.emit(f.pool, "ReaderSettled")
        .withArgs(0n, f.walletAddress, BUDGET, TIP, 2n);
      await f.expectBooksBalance([f.walletAddress]);
    });

    it("signatures: skips a wallet reader that refuses the tally signature (BadSignature)", async () => {
      const f = await networkHelpers.loadFixture(walletFixture);
      const tally = await walletSignedTally(f.owner, f.walletAddress, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      await f.wallet.connect(f.owner).setAccepting(false);
      await expectSkippedWith(f, f.walletAddress, tally, SkipReason.BadSignature);
    });

    it("signatures: skips a session of a wallet reader that refuses the delegation (BadSession)", async () => {
      const f = await networkHelpers.loadFixture(walletFixture);
      const tally = await walletSessionTally(f);
      await f.wallet.connect(f.owner).setAccepting(false);
      await expectSkippedWith(f, f.walletAddress, tally, SkipReason.BadSession);
    });

    it("signatures: skips a wallet reader whose tally another key signed (BadSignature)", async () => {
      const f = await networkHelpers.loadFixture(walletFixture);
      const tally = await walletSignedTally(f.stranger, f.walletAddress, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      await expectSkippedWith(f, f.walletAddress, tally, SkipReason.BadSignature);
    });

    it("signatures: a gas-guzzling wallet is skipped within its gas stipend and the honest reader still settles", async () => {
      const f = await networkHelpers.loadFixture(walletFixture);
      const guzzler = await ethers.deployContract("GasGuzzlerWallet");
      // The funded wallet turns hostile: same address and budget, guzzling code.
      await networkHelpers.setCode(f.walletAddress, await ethers.provider.getCode(guzzler));
      const hostile = await walletSignedTally(f.owner, f.walletAddress, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      const honest = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorB, 1]]));
      await f.goToEpoch(1n);
      const honestOnly = [{ reader: f.alice.address, tallies: [honest] }];
      const baseline = await f.pool.connect(f.keeper).settle.estimateGas(...settleArgs(0n, honestOnly));
      const tx = await f.pool
        .connect(f.keeper)
        .settle(...settleArgs(0n, [{ reader: f.walletAddress, tallies: [hostile] }, ...honestOnly]), {
          gasLimit: 1_000_000n,
        });
      await expect(tx).to.emit(f.pool, "ReaderSkipped").withArgs(0n, f.walletAddress, SkipReason.BadSignature);
      await expect(tx).to.emit(f.pool, "ReaderSettled").withArgs(0n, f.alice.address, BUDGET, TIP, 1n);
      const receipt = await tx.wait();
      const stipend = await f.pool.ERC1271_GAS_STIPEND();
      const extra = (receipt?.gasUsed ?? 0n) - baseline;
      // The hostile wallet burnt its stipend and not much more (calldata, one ecrecover, one event).
      expect(extra).to.be.greaterThan(stipend);
      expect(extra).to.be.lessThan(stipend + 30_000n);
      await f.expectBooksBalance([f.walletAddress]);
    });

    /**
     * Settles the honest readers and then the probe wallet's `tally` at every gas limit from
     * GAS_SWEEP_BELOW under the estimate to GAS_SWEEP_ABOVE over it (as calls): each must settle every
     * reader, the wallet included, or revert, with InsufficientGasForWalletCheck or for want of gas (an
     * empty revert: the tip transfer's call ran out). A wallet skipped at some limit got less than its
     * stipend. Both outcomes must occur (the sweep spans the boundary), and the transaction at the
     * estimate settles the wallet. An earlier batch (alice's) has already credited creator A and paid the
     * keeper, so the batch's tail after the wallet call is cheap: a short-changed wallet would be skipped,
     * not hidden by the tail running out of gas.
     */
    async function expectFullStipendOrRevert(
      f: Awaited<ReturnType<typeof stipendProbeFixture>>,
      tally: SignedTallyStruct,
    ): Promise<void> {
      const earlier = await readerSignedTally(f.alice, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      await f.goToEpoch(1n);
      await f.pool.connect(f.keeper).settle(...settleArgs(0n, [{ reader: f.alice.address, tallies: [earlier] }]));
      const args = settleArgs(0n, [...f.honest, { reader: f.walletAddress, tallies: [tally] }]);
      const everyone = BigInt(f.honest.length + 1);
      const pool = f.pool.connect(f.keeper);
      const estimate = await pool.settle.estimateGas(...args);
      const outcomes = new Map<string, number>();
      for (
        let gasLimit = estimate - GAS_SWEEP_BELOW;
        gasLimit <= estimate + GAS_SWEEP_ABOVE;
        gasLimit += GAS_SWEEP_STEP
      ) {
        let outcome: string;
        try {
          const settled = await pool.settle.staticCall(...args, { gasLimit });
          expect(settled, `at a gas limit of ${gasLimit} the wallet reader was skipped`).to.equal(everyone);
          outcome = "settled";
        } catch (error) {
          const data = (error as { data?: unknown }).data;
          const name = typeof data === "string" && data !== "0x" ? f.pool.interface.parseError(data)?.name : undefined;
          if (name === "InsufficientGasForWalletCheck") outcome = name;
          else if (data === "0x" || /out of gas/i.test(String(error))) outcome = "out of gas";
          else throw error;
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      expect(outcomes.get("settled"), "no gas limit settled the batch").to.be.greaterThan(0);
      expect(outcomes.get("InsufficientGasForWalletCheck"), "no gas limit ran short at the wallet").to.be.greaterThan(
        0,
      );
      await expect(pool.settle(...args, { gasLimit: estimate }))
        .to.emit(f.pool, "ReaderSettled")
        .withArgs(0n, f.walletAddress, BUDGET, TIP, 1n);
      await expectClaimable(f.pool, f.creatorA, BigInt(f.honest.length + 2) * (BUDGET - TIP));
      await f.expectBooksBalance([f.walletAddress, ...f.honest.map((h) => h.reader)]);
    }

    for (const size of [65_535, 40_000]) {
      it(`signatures: a wallet reader's ${size}-byte tally signature gets the whole stipend at any gas limit, or the batch reverts; never a skip`, async () => {
        const f = await networkHelpers.loadFixture(stipendProbeFixture);
        const tally = await walletSignedTally(f.owner, f.walletAddress, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
        await expectFullStipendOrRevert(f, { ...tally, signature: paddedTo(tally.signature, size) });
      });
    }

    it("signatures: a wallet reader's 65535-byte Session signature gets the whole stipend at any gas limit, or the batch reverts; never a skip", async () => {
      const f = await networkHelpers.loadFixture(stipendProbeFixture);
      const clicks = clicksFor([[f.creatorA, 1]]);
      const tally = await sessionSignedTally(f.owner, randomKey(), f.domain, 0n, clicks, f.farExpiry, {
        readerAddress: f.walletAddress,
      });
      await expectFullStipendOrRevert(f, { ...tally, sessionSignature: paddedTo(tally.sessionSignature, 65_535) });
    });

    it("signatures: reverts with InsufficientGasForWalletCheck when too little gas is left for a wallet's check", async () => {
      const f = await networkHelpers.loadFixture(walletFixture);
      const tally = await walletSignedTally(f.owner, f.walletAddress, f.domain, 0n, clicksFor([[f.creatorA, 1]]));
      await f.goToEpoch(1n);
      const batch = [{ reader: f.walletAddress, tallies: [tally] }];
      const needed = await f.pool.ERC1271_GAS_RESERVE();
      await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, batch), { gasLimit: 75_000n }))
        .to.be.revertedWithCustomError(f.pool, "InsufficientGasForWalletCheck")
        .withArgs(anyUint, needed);
      expect(await f.pool.isSettled(f.walletAddress, 0n)).to.equal(false);
      // With enough gas the same batch settles.
      await expect(f.pool.connect(f.keeper).settle(...settleArgs(0n, batch))).to.emit(f.pool, "ReaderSettled");
    });
  });
});
