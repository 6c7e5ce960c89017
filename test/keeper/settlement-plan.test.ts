/**
 * The pure half of settlement: which batches the keeper forms (EOA readers apart from wallet readers,
 * reverted batches bisected, a reader reverting alone dropped) and what gas limit a batch gets. No chain.
 */
import { randomBytes } from "node:crypto";

import { expect } from "chai";
import fc from "fast-check";
import { getAddress, type Address, type Hex } from "viem";

import { compareAddresses, signedTallySchema, type SignedTally } from "@plaudit/protocol";
import {
  batchGasLimit,
  ESTIMATE_MARGIN_DENOMINATOR,
  ESTIMATE_MARGIN_NUMERATOR,
  WORST_CASE_GAS,
  type WalletCheckGas,
} from "../../keeper/src/settle/gas-policy.js";
import { planBatches, withWalletFacts, type ReaderEntry, type RevertedBatch } from "../../keeper/src/settle/plan.js";

const WALLET_GAS: WalletCheckGas = { stipend: 50_000n, overhead: 10_000n };
/** Every reader hinted at 1 gas: a budget of n packs n readers per batch. */
const UNIT = () => 1;

const address = (): Address => getAddress(`0x${randomBytes(20).toString("hex")}`);

function tallyOf(reader: Address, creators: number, session: boolean): SignedTally {
  const signer = session ? address() : reader;
  return signedTallySchema.parse({
    chainId: 31337,
    pool: `0x${"99".repeat(20)}`,
    reader,
    signer,
    epoch: "0",
    seq: "1",
    creators: Array.from({ length: creators }, (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}`),
    counts: Array.from({ length: creators }, () => 1),
    signature: `0x${"11".repeat(65)}`,
    session: session ? { expiry: "999999", nonce: 0, signature: `0x${"22".repeat(65)}` } : null,
  });
}

/** Readers sorted by address, as the settler hands them over. */
function entries(n: number, wallet: (i: number) => boolean = () => false): ReaderEntry[] {
  const readers = Array.from({ length: n }, address).sort(compareAddresses);
  return readers.map((reader, i) =>
    withWalletFacts(
      { reader, tallies: [tallyOf(reader, 2, wallet(i))], wallet: false, walletChecks: 0 },
      { hasCode: wallet(i), walletChecks: wallet(i) ? 1 : 0 },
    ),
  );
}

const readersOf = (batches: ReaderEntry[][]) => batches.map((b) => b.map((e) => e.reader));
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

describe("settlement planning", () => {
  describe("batches", () => {
    it("packs EOA readers first and wallet readers after, never in one batch", () => {
      const all = entries(10, (i) => i % 3 === 0);
      const plan = planBatches({ entries: all, reverted: [], budget: 4, hint: UNIT });
      const kinds = plan.batches.map((b) => [...new Set(b.map((e) => e.wallet))]);
      expect(kinds.every((k) => k.length === 1)).to.equal(true);
      expect(kinds.map((k) => k[0])).to.deep.equal([false, false, true]);
      expect(plan.batches.flat().map((e) => e.reader)).to.have.members(all.map((e) => e.reader));
      expect(plan.outcomes).to.deep.equal([]);
    });

    it("sends the two halves of a reverted batch apart, not with the readers that never reverted", () => {
      const all = entries(8);
      const reverted: RevertedBatch[] = [{ hash: hash(1), readers: all.slice(0, 6).map((e) => e.reader) }];
      const plan = planBatches({ entries: all, reverted, budget: 100, hint: UNIT });
      expect(readersOf(plan.batches)).to.deep.equal([
        all.slice(6).map((e) => e.reader),
        all.slice(0, 3).map((e) => e.reader),
        all.slice(3, 6).map((e) => e.reader),
      ]);
    });

    it("follows a reader's latest reverted batch, and drops a reader whose batch reverted with it alone", () => {
      const all = entries(4);
      const [a, b, c, d] = all.map((e) => e.reader) as [Address, Address, Address, Address];
      const reverted: RevertedBatch[] = [
        { hash: hash(1), readers: [a, b, c, d] },
        { hash: hash(2), readers: [a, b] },
        { hash: hash(3), readers: [b] },
      ];
      const plan = planBatches({ entries: all, reverted, budget: 100, hint: UNIT });
      expect(readersOf(plan.batches)).to.have.deep.members([[c, d], [a]]);
      expect(plan.outcomes).to.deep.equal([
        {
          reader: b,
          outcome: "dropped",
          reason: `settle transaction ${hash(3)} reverted with this reader alone`,
          txHash: null,
        },
      ]);
    });

    it("isolates one reader that reverts every batch it is in within log2(n) + 1 reverted batches", () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 200 }), fc.nat(), (n, pick) => {
          const all = entries(n);
          const bad = (all[pick % n] as ReaderEntry).reader;
          const reverted: RevertedBatch[] = [];
          const settled = new Set<Address>();
          let dropped: Address[] = [];
          for (let round = 0; dropped.length === 0; round++) {
            expect(round, "rounds").to.be.at.most(Math.ceil(Math.log2(n)) + 2);
            const left = all.filter((e) => !settled.has(e.reader));
            const plan = planBatches({ entries: left, reverted, budget: n, hint: UNIT });
            dropped = plan.outcomes.map((o) => o.reader);
            for (const batch of plan.batches) {
              const readers = batch.map((e) => e.reader);
              if (readers.includes(bad)) reverted.push({ hash: hash(reverted.length + 1), readers });
              else for (const r of readers) settled.add(r);
            }
          }
          expect(dropped).to.deep.equal([bad]);
          expect(settled.size).to.equal(n - 1);
          expect(reverted.length).to.be.at.most(Math.ceil(Math.log2(n)) + 1);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe("gas limits", () => {
    const margin = (estimate: bigint) =>
      (estimate * ESTIMATE_MARGIN_NUMERATOR + ESTIMATE_MARGIN_DENOMINATOR - 1n) / ESTIMATE_MARGIN_DENOMINATOR;

    it("gives a batch of EOA readers its estimate and the margin", () => {
      expect(batchGasLimit(400_000n, entries(5), WALLET_GAS)).to.equal(margin(400_000n));
    });

    it("adds the worst case of every wallet check, tally, entry and first credit of a wallet reader", () => {
      const reader = address();
      const tallies = [tallyOf(reader, 3, true), tallyOf(reader, 2, true), tallyOf(reader, 1, false)];
      // The same three creators recur: three first credits, six entries.
      const entry = withWalletFacts(
        { reader, tallies, wallet: false, walletChecks: 0 },
        { hasCode: true, walletChecks: 3 },
      );
      const expected =
        margin(300_000n) +
        WORST_CASE_GAS.perBatch +
        3n * (WALLET_GAS.stipend + WALLET_GAS.overhead) +
        3n * WORST_CASE_GAS.perTally +
        6n * WORST_CASE_GAS.perEntry +
        WORST_CASE_GAS.perReader +
        3n * WORST_CASE_GAS.perCreator;
      expect(batchGasLimit(300_000n, [entry], WALLET_GAS)).to.equal(expected);
    });

    it("treats a reader with code but only ECDSA signatures as a wallet reader with no wallet checks", () => {
      const reader = address();
      const entry = withWalletFacts(
        { reader, tallies: [tallyOf(reader, 1, false)], wallet: false, walletChecks: 0 },
        { hasCode: true, walletChecks: 0 },
      );
      expect(entry).to.include({ wallet: true, walletChecks: 0 });
      expect(batchGasLimit(100_000n, [entry], WALLET_GAS)).to.equal(margin(100_000n));
    });

    it("treats a reader without code whose signature only code could accept as a wallet reader", () => {
      const reader = address();
      const entry = withWalletFacts(
        { reader, tallies: [tallyOf(reader, 1, true)], wallet: false, walletChecks: 0 },
        { hasCode: false, walletChecks: 1 },
      );
      expect(entry).to.include({ wallet: true, walletChecks: 1 });
      expect(batchGasLimit(100_000n, [entry], WALLET_GAS) > margin(100_000n) + WALLET_GAS.stipend).to.equal(true);
    });
  });
});
