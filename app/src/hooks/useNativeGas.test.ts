import { describe, expect, it } from "vitest";

import { hasGasFor, READER_TX_GAS } from "./useNativeGas.js";

describe("hasGasFor", () => {
  const gwei = 1_000_000_000n;

  it("a reader holding nothing has no gas, even at a zero gas price", () => {
    expect(hasGasFor(0n, 0n)).toBe(false);
  });

  it("a balance that covers a reader's costliest transaction at the gas price is enough", () => {
    expect(hasGasFor(READER_TX_GAS * gwei, gwei)).toBe(true);
    expect(hasGasFor(READER_TX_GAS * gwei - 1n, gwei)).toBe(false);
  });
});
