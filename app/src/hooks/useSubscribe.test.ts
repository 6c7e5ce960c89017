import { getAddress, hashTypedData, recoverAddress, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it, vi } from "vitest";

import { MAX_SUBSCRIPTION_EPOCHS, permitTypedData, type Eip712DomainResult } from "@plaudit/protocol";
import { scope } from "../testing/fixtures.js";
import { PERMIT_LIFETIME_SECONDS, planSubscription, subscribeCall, type PermitSigner } from "./useSubscribe.js";

const USD = 1_000_000n;
const mUSD = { decimals: 6, symbol: "mUSD" };
const token = getAddress("0x00000000000000000000000000000000000070c1");
const tokenDomain: Eip712DomainResult = [
  "0x0f",
  "Mock USD",
  "1",
  BigInt(scope.chainId),
  token,
  `0x${"00".repeat(32)}`,
  [],
];
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
});

describe("subscribeCall", () => {
  it("signs one permit for the whole amount and passes it to subscribeWithPermit", async () => {
    const reader = privateKeyToAccount(generatePrivateKey());
    const signer: PermitSigner = {
      pool: scope.pool,
      reader: reader.address,
      readToken: async () => ({ domain: tokenDomain, nonce: 7n }),
      sign: (typedData) => reader.signTypedData(typedData),
    };
    const step = vi.fn();
    const plan = planSubscription(form("10", "2"), mUSD, 100n * USD, 3n);
    if (!plan.ok) throw new Error(plan.problem);
    const now = 1_700_000_000n;
    const call = await subscribeCall(plan, signer, now, step);
    expect(step).toHaveBeenCalledWith("Sign the permit in your wallet (no gas)…");
    expect(call.functionName).toBe("subscribeWithPermit");
    const [perEpoch, epochs, firstEpoch, deadline, v, r, s] = call.args;
    expect([perEpoch, epochs, firstEpoch, deadline]).toEqual([10n * USD, 2n, 3n, now + PERMIT_LIFETIME_SECONDS]);
    // The permit the token will check: owner, pool, the whole 20 mUSD, the reader's nonce, the deadline.
    const digest = hashTypedData(
      permitTypedData(tokenDomain, {
        owner: reader.address,
        spender: scope.pool,
        value: 20n * USD,
        nonce: 7n,
        deadline,
      }),
    );
    const signature = { r, s, v: BigInt(v) } as { r: Hex; s: Hex; v: bigint };
    expect(await recoverAddress({ hash: digest, signature })).toBe(reader.address);
  });

  it("sends nothing when the wallet refuses the permit", async () => {
    const signer: PermitSigner = {
      pool: scope.pool,
      reader: privateKeyToAccount(generatePrivateKey()).address,
      readToken: async () => ({ domain: tokenDomain, nonce: 0n }),
      sign: async () => {
        throw new Error("User rejected the request.");
      },
    };
    const plan = planSubscription(form("1", "1"), mUSD, USD, 0n);
    if (!plan.ok) throw new Error(plan.problem);
    await expect(subscribeCall(plan, signer, 0n, () => undefined)).rejects.toThrow(/rejected/);
  });
});
