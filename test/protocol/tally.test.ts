import { expect } from "chai";
import fc from "fast-check";
import { getAddress, type Address } from "viem";

import {
  addClick,
  clicksProblem,
  extendsClicks,
  MAX_CLICK_COUNT,
  MAX_CREATORS_PER_TALLY,
  NO_CLICKS,
  totalClicks,
  type Clicks,
} from "@plaudit/protocol";

const A = "0x00000000000000000000000000000000000000aa" as Address;
const B = "0x00000000000000000000000000000000000000bb" as Address;
const C = "0xcccccccccccccccccccccccccccccccccccccccc" as Address;
const READER = "0x1111111111111111111111111111111111111111" as Address;

function addresses(count: number): Address[] {
  return Array.from({ length: count }, (_, i) => getAddress(`0x${(i + 1).toString(16).padStart(40, "0")}`) as Address);
}

describe("protocol tally", () => {
  describe("addClick", () => {
    it("addClick: keeps creators strictly ascending whatever order clicks come in", () => {
      const clicks = addClick(addClick(addClick(NO_CLICKS, C), A), B);
      expect(clicks.creators).to.deep.equal([getAddress(A), getAddress(B), getAddress(C)]);
      expect(clicks.counts).to.deep.equal([1, 1, 1]);
    });

    it("addClick: adds to the count of a creator already clicked, whatever its address case", () => {
      const clicks = addClick(addClick(NO_CLICKS, C, 2), C.toUpperCase().replace("0X", "0x") as Address, 3);
      expect(clicks.creators).to.deep.equal([getAddress(C)]);
      expect(clicks.counts).to.deep.equal([5]);
      expect(totalClicks(clicks)).to.equal(5);
    });

    it("addClick: does not change the tally it is given", () => {
      const before = addClick(NO_CLICKS, A);
      addClick(before, B);
      expect(before).to.deep.equal({ creators: [getAddress(A)], counts: [1] });
    });

    it("addClick: refuses a count above MAX_CLICK_COUNT", () => {
      const nearlyFull = addClick(NO_CLICKS, A, MAX_CLICK_COUNT);
      expect(() => addClick(nearlyFull, A)).to.throw(RangeError);
    });

    it("addClick: refuses a creator beyond MAX_CREATORS_PER_TALLY, still counts one already named", () => {
      const full = addresses(MAX_CREATORS_PER_TALLY).reduce<Clicks>((c, a) => addClick(c, a), NO_CLICKS);
      expect(() => addClick(full, C)).to.throw(RangeError);
      expect(addClick(full, addresses(1)[0] as Address).counts[0]).to.equal(2);
    });

    it("addClick: any sequence of clicks gives a tally the contract's rules accept, with every click counted", () => {
      const creatorArb = fc.integer({ min: 1, max: 40 }).map((i) => addresses(40)[i - 1] as Address);
      fc.assert(
        fc.property(
          fc.array(fc.tuple(creatorArb, fc.integer({ min: 1, max: 1000 })), { minLength: 1, maxLength: 60 }),
          (seq) => {
            const clicks = seq.reduce<Clicks>((c, [creator, n]) => addClick(c, creator, n), NO_CLICKS);
            expect(clicksProblem(READER, clicks)).to.equal(undefined);
            expect(totalClicks(clicks)).to.equal(seq.reduce((sum, [, n]) => sum + n, 0));
          },
        ),
      );
    });
  });

  describe("clicksProblem", () => {
    const ok = addClick(addClick(NO_CLICKS, A), B);

    it("clicksProblem: accepts a canonical tally", () => {
      expect(clicksProblem(READER, ok)).to.equal(undefined);
    });

    it("clicksProblem: names each rule the contract enforces", () => {
      const cases: [string, Clicks, RegExp][] = [
        ["empty", NO_CLICKS, /no creator/],
        [
          "too many",
          {
            creators: addresses(MAX_CREATORS_PER_TALLY + 1),
            counts: addresses(MAX_CREATORS_PER_TALLY + 1).map(() => 1),
          },
          /at most/,
        ],
        ["length mismatch", { creators: [A, B], counts: [1] }, /differ in length/],
        ["unsorted", { creators: [B, A], counts: [1, 1] }, /ascending/],
        ["duplicate", { creators: [A, A], counts: [1, 1] }, /ascending/],
        [
          "zero address",
          { creators: ["0x0000000000000000000000000000000000000000" as Address], counts: [1] },
          /zero address/,
        ],
        ["self-click", { creators: [A, READER], counts: [1, 1] }, /itself/],
        ["zero count", { creators: [A], counts: [0] }, /count/],
        ["fractional count", { creators: [A], counts: [1.5] }, /count/],
        ["count overflow", { creators: [A], counts: [MAX_CLICK_COUNT + 1] }, /count/],
      ];
      for (const [label, clicks, message] of cases) {
        expect(clicksProblem(READER, clicks), label).to.match(message);
      }
    });

    it("clicksProblem: refuses the pool and its token as creators when given them, as the contract does", () => {
      const accounts = { pool: A, token: C };
      expect(clicksProblem(READER, { creators: [A, B], counts: [1, 1] }, accounts)).to.match(/pool is no creator/);
      expect(clicksProblem(READER, { creators: [B, C], counts: [1, 1] }, accounts)).to.match(/token is no creator/);
      expect(
        clicksProblem(READER, { creators: [C.toUpperCase().replace("0X", "0x") as Address], counts: [1] }, accounts),
      ).to.match(/token is no creator/);
      expect(clicksProblem(READER, { creators: [B], counts: [1] }, accounts)).to.equal(undefined);
    });

    it("clicksProblem: compares the reader case-insensitively", () => {
      expect(
        clicksProblem(READER.toUpperCase().replace("0X", "0x") as Address, { creators: [READER], counts: [1] }),
      ).to.match(/itself/);
    });
  });

  describe("extendsClicks", () => {
    const previous = addClick(addClick(NO_CLICKS, A, 2), B, 1);

    it("extendsClicks: accepts the same tally and one with more clicks or more creators", () => {
      expect(extendsClicks(previous, previous)).to.equal(true);
      expect(extendsClicks(previous, addClick(previous, A))).to.equal(true);
      expect(extendsClicks(previous, addClick(previous, C))).to.equal(true);
      expect(extendsClicks(NO_CLICKS, previous)).to.equal(true);
    });

    it("extendsClicks: refuses a tally that lowers a count or drops a creator", () => {
      expect(extendsClicks(previous, addClick(addClick(NO_CLICKS, A, 1), B, 1))).to.equal(false);
      expect(extendsClicks(previous, addClick(NO_CLICKS, A, 5))).to.equal(false);
      expect(extendsClicks(previous, NO_CLICKS)).to.equal(false);
    });
  });
});
