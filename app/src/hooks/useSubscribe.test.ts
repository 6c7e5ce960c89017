import { describe, expect, it } from "vitest";

import { MAX_SUBSCRIPTION_EPOCHS, type SubscribePlan } from "@plaudit/protocol";
import { planSubscription, planWords } from "./useSubscribe.js";

const USD = 1_000_000n;
const mUSD = { decimals: 6, symbol: "mUSD" };
const form = (amount: string, months = "3", startNext = false) => ({ amount, months, startNext });

describe("planSubscription", () => {
  it("budgets the amount for each month from this month or the next", () => {
    expect(planSubscription(form("2.5"), mUSD, 100n * USD, 4n)).toEqual({
      ok: true,
      perEpoch: 2_500_000n,
      epochs: 3,
      total: 7_500_000n,
      firstEpoch: 4n,
    });
    expect(planSubscription(form("10", "1", true), mUSD, 100n * USD, 4n)).toMatchObject({ ok: true, firstEpoch: 5n });
  });

  it("asks for an amount in words while it is not one", () => {
    for (const amount of ["", "abc", "0", "0.0", "-5", "1e3", "1,5"])
      expect(planSubscription(form(amount), mUSD, 100n * USD, 0n)).toEqual({
        ok: false,
        field: "amount",
        problem: "Enter an amount per month in mUSD, like 10 or 2.5.",
      });
  });

  it("refuses more digits than the token has instead of rounding them away", () => {
    expect(planSubscription(form("1.0000001"), mUSD, 100n * USD, 0n)).toEqual({
      ok: false,
      field: "amount",
      problem: "mUSD has 6 decimals: use at most 6 digits after the point.",
    });
    expect(planSubscription(form("1.000001"), mUSD, 100n * USD, 0n)).toMatchObject({ ok: true, perEpoch: 1_000_001n });
  });

  it("takes 1 to the pool's maximum of whole months", () => {
    const problem = `Choose 1 to ${MAX_SUBSCRIPTION_EPOCHS} months.`;
    for (const months of ["0", "", "2.5", String(MAX_SUBSCRIPTION_EPOCHS + 1)])
      expect(planSubscription(form("1", months), mUSD, 10_000n * USD, 0n)).toEqual({
        ok: false,
        field: "months",
        problem,
      });
    expect(planSubscription(form("1", String(MAX_SUBSCRIPTION_EPOCHS)), mUSD, 10_000n * USD, 0n).ok).toBe(true);
  });

  it("names the balance and the total, exactly, when the balance is too small", () => {
    expect(planSubscription(form("3.333333", "3"), mUSD, 9_999_998n, 0n)).toEqual({
      ok: false,
      field: "amount",
      total: 9_999_999n,
      problem: "Too little balance: you have 9.999998 mUSD and need 9.999999 mUSD.",
    });
  });

  it("counts the relay's fee against the balance, and names it", () => {
    expect(planSubscription(form("10", "1"), mUSD, 10n * USD, 0n, 10_000n)).toEqual({
      ok: false,
      field: "amount",
      total: 10n * USD,
      problem: "Too little balance: you have 10 mUSD and need 10.01 mUSD (with the relay's fee of 0.01 mUSD).",
    });
    expect(planSubscription(form("10", "1"), mUSD, 10n * USD + 10_000n, 0n, 10_000n)).toMatchObject({ ok: true });
  });
});

describe("planWords", () => {
  it("tells a reader without gas that the keeper sends it, for the fee it will pay", () => {
    expect(planWords({ kind: "relay-authorization" }, "0.01 USDC")).toMatch(/^No gas needed: .* fee of 0\.01 USDC/);
    expect(planWords({ kind: "relay-permit", permit: "eip2612" }, "0 USDC")).toMatch(
      /^No gas needed: .* fee of 0 USDC/,
    );
  });

  it("explains the approve path's transactions one by one, with the zero-first approval when there is one", () => {
    expect(planWords({ kind: "approve-then-subscribe", transactions: 2 }, "")).toMatch(/two transactions/);
    const three = planWords({ kind: "approve-then-subscribe", transactions: 3 }, "");
    expect(three).toMatch(/three transactions/);
    expect(three).toMatch(/old allowance to zero/);
    expect(planWords({ kind: "approve-batch" }, "")).toMatch(/one batch/);
  });

  it("has words for every plan", () => {
    const plans: SubscribePlan[] = [
      { kind: "relay-authorization" },
      { kind: "relay-permit", permit: "dai" },
      { kind: "authorization" },
      { kind: "permit" },
      { kind: "dai-permit" },
      { kind: "subscribe" },
      { kind: "approve-batch" },
      { kind: "approve-then-subscribe", transactions: 2 },
      { kind: "needs-gas" },
    ];
    for (const plan of plans) expect(planWords(plan, "0 X").length).toBeGreaterThan(20);
  });
});
