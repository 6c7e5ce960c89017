/**
 * What the funded-action tests (subscribeAction, tipAction) share: a USDC-like token without ERC-5267,
 * the pool's domain, and a reader's funding context signing with a fresh key.
 */
import { getAddress, type TypedDataDomain } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { expect } from "vitest";

import { plauditDomain } from "@plaudit/protocol";
import type { FundingContext } from "../lib/subscribeAction.js";
import { scope } from "./fixtures.js";

export const USD = 1_000_000n;
export const NOW = 1_700_000_000n;
export const FEE = 10_000n;
export const token = getAddress("0x00000000000000000000000000000000000070c1");
/** A token domain as the detection derives it for a USDC-like token (no ERC-5267). */
export const tokenDomain: TypedDataDomain = {
  name: "USD Coin",
  version: "2",
  chainId: scope.chainId,
  verifyingContract: token,
};
export const poolDomain = plauditDomain(scope.chainId, scope.pool);

/** A reader with a fresh key whose pool intent nonce and token permit nonce are the given ones. */
export function fundingReader(nonces: { intent: bigint; permit: bigint }, overrides: Partial<FundingContext> = {}) {
  const account = privateKeyToAccount(generatePrivateKey());
  const ctx: FundingContext = {
    reader: account.address,
    pool: scope.pool,
    token,
    chainId: scope.chainId,
    tokenDomain,
    relayerFee: FEE,
    allowance: 0n,
    now: NOW,
    readIntentNonce: async () => nonces.intent,
    readPermitNonce: async () => nonces.permit,
    sign: (typedData) => account.signTypedData(typedData),
    ...overrides,
  };
  return { account, ctx };
}

/** `action`, asserted to go `via` that way, narrowed to it. */
export function onlyVia<A extends { via: string }, V extends A["via"]>(action: A, via: V): Extract<A, { via: V }> {
  expect(action.via).toBe(via);
  return action as Extract<A, { via: V }>;
}
