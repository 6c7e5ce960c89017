import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { splitBudget } from "@plaudit/protocol";
import { formatRounded, formatToken, roundParts, roundToDigits } from "./format.js";

const USD = 1_000_000n;
const DECIMALS = 6;

describe("formatToken", () => {
  it("shows every digit the token has: 4.975 paid is 4.975, not 4.97", () => {
    expect(formatToken(4_975_000n, DECIMALS, "mUSD")).toBe("4.975 mUSD");
    expect(formatToken(3_316_667n, DECIMALS, "mUSD")).toBe("3.316667 mUSD");
    expect(formatToken(1n, DECIMALS, "mUSD")).toBe("0.000001 mUSD");
    expect(formatToken(1n, 18, "DAI")).toBe("0.000000000000000001 DAI");
  });

  it("drops trailing zeros and the point of whole amounts", () => {
    expect(formatToken(10n * USD, DECIMALS, "mUSD")).toBe("10 mUSD");
    expect(formatToken(9_950_000n, DECIMALS, "mUSD")).toBe("9.95 mUSD");
    expect(formatToken(0n, DECIMALS, "mUSD")).toBe("0 mUSD");
  });
});

describe("roundToDigits", () => {
  it("rounds half up to the given digits", () => {
    expect(roundToDigits(4_975_000n, DECIMALS, 2)).toBe(4_980_000n);
    expect(roundToDigits(4_974_999n, DECIMALS, 2)).toBe(4_970_000n);
    expect(roundToDigits(3_316_667n, DECIMALS, 0)).toBe(3_000_000n);
  });

  it("keeps a token with fewer digits than asked exact", () => {
    expect(roundToDigits(123n, 2, 6)).toBe(123n);
  });

  it("refuses a negative amount", () => {
    expect(() => roundToDigits(-1n, DECIMALS, 2)).toThrow(RangeError);
  });
});

describe("formatRounded", () => {
  it("shows exactly the rounded digits, padded", () => {
    expect(formatRounded(3_300_000n, DECIMALS, "mUSD")).toBe("3.30 mUSD");
    expect(formatRounded(3_316_667n, DECIMALS, "mUSD")).toBe("3.32 mUSD");
    expect(formatRounded(10n * USD, DECIMALS, "mUSD")).toBe("10.00 mUSD");
    expect(formatRounded(5n, 0, "WHOLE")).toBe("5 WHOLE");
  });
});

describe("roundParts", () => {
  it("rounds the split of 9.95 into thirds so the parts add up to 9.95, not 9.93", () => {
    const thirds = [3_316_666n, 3_316_667n, 3_316_667n];
    const rounded = roundParts(thirds, DECIMALS, 2);
    expect(rounded.reduce((a, b) => a + b, 0n)).toBe(9_950_000n);
    expect(rounded).toEqual([3_310_000n, 3_320_000n, 3_320_000n]);
  });

  it("gives the leftover steps to the largest remainders, ties to the earlier part", () => {
    expect(roundParts([1_005_000n, 1_005_000n], DECIMALS, 2)).toEqual([1_010_000n, 1_000_000n]);
    expect(roundParts([1_001_000n, 1_009_000n], DECIMALS, 2)).toEqual([1_000_000n, 1_010_000n]);
  });

  it("keeps an empty list empty and a single part equal to its own rounding", () => {
    expect(roundParts([], DECIMALS, 2)).toEqual([]);
    expect(roundParts([4_975_000n], DECIMALS, 2)).toEqual([4_980_000n]);
  });

  it("adds up to the rounded whole, moves no part by a step or more, for any split of any budget", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
        (budget, tipBps, counts) => {
          const creators = counts.map((_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}` as const);
          const { tip, shares } = splitBudget(budget, tipBps, [{ creators, counts }]);
          const exact = creators.map((c) => shares.get(c) ?? 0n);
          const rounded = roundParts(exact, DECIMALS, 2);
          const unit = 10_000n;
          expect(rounded.reduce((a, b) => a + b, 0n)).toBe(roundToDigits(budget - tip, DECIMALS, 2));
          rounded.forEach((r, i) => {
            const diff = r - (exact[i] as bigint);
            expect(diff < unit && diff > -unit).toBe(true);
            expect(r % unit).toBe(0n);
          });
        },
      ),
    );
  });

  it("is exact when the token has no more digits than asked", () => {
    expect(roundParts([7n, 3n], 2, 2)).toEqual([7n, 3n]);
  });
});
