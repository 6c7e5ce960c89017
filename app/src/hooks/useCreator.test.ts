import { describe, expect, it } from "vitest";

import { incomeByMonth } from "./useCreator.js";

describe("a creator's income per month", () => {
  it("puts settlement earnings and tips of the same month side by side, months in order", () => {
    expect(
      incomeByMonth(
        [
          { epoch: 3n, amount: 7n },
          { epoch: 1n, amount: 5n },
        ],
        [
          { epoch: 1n, amount: 2n },
          { epoch: 2n, amount: 4n },
        ],
      ),
    ).toEqual([
      { epoch: 1n, settled: 5n, tips: 2n },
      { epoch: 2n, settled: 0n, tips: 4n },
      { epoch: 3n, settled: 7n, tips: 0n },
    ]);
  });

  it("has no month when there were neither earnings nor tips", () => {
    expect(incomeByMonth([], [])).toEqual([]);
  });
});
