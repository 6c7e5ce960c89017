import { getAddress, type Address } from "viem";
import { describe, expect, it } from "vitest";

import type { FundingPath, RelayPolicy, TipPlan, TokenFunding } from "@plaudit/protocol";
import { creatorA, scope, token } from "../testing/fixtures.js";
import type { FundingReads } from "./useFunding.js";
import { decideTip, planTip, tipWords } from "./useTip.js";

const USD = 1_000_000n;
const FEE = 10_000n;
const mUSD = { decimals: 6, symbol: "mUSD" };
const reader = getAddress("0x00000000000000000000000000000000000000d4");
const parties = { reader, creator: creatorA };

/** What `detectFunding` finds for each token flavour of the tests (test/helpers/tokens.ts). */
const FLAVOURS: Record<"usdc" | "pyusd" | "dai" | "usdt", { path: FundingPath; permit: TokenFunding["permit"] }> = {
  usdc: { path: "authorization", permit: "eip2612" },
  pyusd: { path: "permit", permit: "eip2612" },
  dai: { path: "daiPermit", permit: "dai" },
  usdt: { path: "approve", permit: undefined },
};

function policy(actions: RelayPolicy["actions"]): RelayPolicy {
  return {
    enabled: true,
    relayer: creatorA,
    chainId: scope.chainId,
    pool: scope.pool,
    token,
    actions,
    minRelayerFee: FEE,
    maxFeePerGas: 10n ** 11n,
    limits: { perAccountPerHour: 10, perIpPerHour: 100 },
  };
}

function reads(flavour: keyof typeof FLAVOURS, overrides: Partial<Omit<FundingReads, "funding">> = {}): FundingReads {
  const { path, permit } = FLAVOURS[flavour];
  return {
    funding: {
      token,
      chainId: scope.chainId,
      domain: path === "approve" ? undefined : { name: flavour },
      domainSource: path === "approve" ? undefined : "derived",
      authorization: path === "authorization",
      permit,
      path,
      gasless: path !== "approve",
    },
    allowance: 0n,
    hasNativeGas: true,
    atomicBatch: false,
    policy: policy(["tip-with-authorization", "tip-by-signature"]),
    ...overrides,
  };
}

const decide = (
  r: FundingReads,
  text = "2",
  balance = 100n * USD,
  who: { reader: Address; creator: Address } = parties,
) => decideTip(r, text, mUSD, balance, who);

describe("planTip", () => {
  it("takes a positive amount in the token's units, within its decimals, and says what it costs", () => {
    expect(planTip("2.5", mUSD, 100n * USD, parties)).toEqual({ ok: true, amount: 2_500_000n, total: 2_500_000n });
    expect(planTip("2.5", mUSD, 100n * USD, parties, FEE)).toEqual({ ok: true, amount: 2_500_000n, total: 2_510_000n });
    for (const text of ["", "0", "-1", "1e3", "abc"])
      expect(planTip(text, mUSD, 100n * USD, parties)).toEqual({
        ok: false,
        problem: "Enter an amount in mUSD, like 1 or 0.5.",
      });
    expect(planTip("0.0000001", mUSD, 100n * USD, parties)).toEqual({
      ok: false,
      problem: "mUSD has 6 decimals: use at most 6 digits after the point.",
    });
  });

  it("counts the relay's fee against the balance and names both exactly", () => {
    expect(planTip("10", mUSD, 10n * USD, parties, FEE)).toEqual({
      ok: false,
      total: 10n * USD + FEE,
      problem: "Too little balance: you have 10 mUSD and need 10.01 mUSD (with the relay's fee of 0.01 mUSD).",
    });
    expect(planTip("10", mUSD, 10n * USD, parties).ok).toBe(true);
  });

  it("refuses a tip to the reader's own address", () => {
    expect(planTip("1", mUSD, 100n * USD, { reader, creator: reader })).toMatchObject({ ok: false });
  });
});

describe("decideTip: the path per token flavour", () => {
  it("USDC-like without gas: one relayed authorization, the keeper's fee added to the tip", () => {
    expect(decide(reads("usdc", { hasNativeGas: false }))).toEqual({
      route: { kind: "relay-authorization" },
      relayerFee: FEE,
      plan: { ok: true, amount: 2n * USD, total: 2n * USD + FEE },
    });
  });

  it("permit token without gas: the permit and the tip relayed by signature, with the fee", () => {
    expect(decide(reads("pyusd", { hasNativeGas: false }))).toMatchObject({
      route: { kind: "relay-permit", permit: "eip2612" },
      relayerFee: FEE,
    });
    expect(decide(reads("dai", { hasNativeGas: false })).route).toEqual({ kind: "relay-permit", permit: "dai" });
  });

  it("without gas, needs gas when the keeper does not relay tips, and charges no fee", () => {
    const oldKeeper = reads("usdc", { hasNativeGas: false, policy: policy(["subscribe-with-authorization"]) });
    expect(decide(oldKeeper)).toMatchObject({ route: { kind: "needs-gas" }, relayerFee: 0n });
    expect(decide(reads("usdt", { hasNativeGas: false }))).toMatchObject({ route: { kind: "needs-gas" } });
  });

  it("with gas, the wallet sends the signed paths itself, with no fee", () => {
    expect(decide(reads("usdc"))).toMatchObject({ route: { kind: "authorization" }, relayerFee: 0n });
    expect(decide(reads("pyusd"))).toMatchObject({ route: { kind: "permit" }, relayerFee: 0n });
    expect(decide(reads("dai"))).toMatchObject({ route: { kind: "dai-permit" }, relayerFee: 0n });
  });

  it("USDT-like, wallet with EIP-5792: approve and tip in one atomic batch", () => {
    expect(decide(reads("usdt", { atomicBatch: true })).route).toEqual({ kind: "approve-batch" });
  });

  it("USDT-like, wallet without EIP-5792: transactions one by one, zero first when an old allowance is left", () => {
    expect(decide(reads("usdt")).route).toEqual({ kind: "approve-then-tip", transactions: 2 });
    expect(decide(reads("usdt", { allowance: 1n })).route).toEqual({ kind: "approve-then-tip", transactions: 3 });
    expect(decide(reads("usdt", { allowance: 2n * USD })).route).toEqual({ kind: "tip" });
  });

  it("decides nothing before the token and wallet are read, or while the amount is wrong", () => {
    expect(decideTip(undefined, "2", mUSD, 100n * USD, parties).route).toBeUndefined();
    expect(decide(reads("usdc"), "0").route).toBeUndefined();
  });
});

describe("tipWords", () => {
  it("names the fee of a relayed tip, and the zero-first approval of the three transactions", () => {
    expect(tipWords({ kind: "relay-authorization" }, "0.01 mUSD")).toMatch(/^No gas needed: .* fee of 0\.01 mUSD/);
    const three = tipWords({ kind: "approve-then-tip", transactions: 3 }, "");
    expect(three).toMatch(/three transactions/);
    expect(three).toMatch(/old allowance to zero/);
    expect(tipWords({ kind: "approve-then-tip", transactions: 2 }, "")).toMatch(/two transactions/);
  });

  it("has words for every plan", () => {
    const plans: TipPlan[] = [
      { kind: "relay-authorization" },
      { kind: "relay-permit", permit: "dai" },
      { kind: "authorization" },
      { kind: "permit" },
      { kind: "dai-permit" },
      { kind: "tip" },
      { kind: "approve-batch" },
      { kind: "approve-then-tip", transactions: 2 },
      { kind: "needs-gas" },
    ];
    for (const plan of plans) expect(tipWords(plan, "0 X").length).toBeGreaterThan(20);
  });
});
