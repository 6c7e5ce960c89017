import { decodeFunctionData, erc20Abi, recoverTypedDataAddress } from "viem";
import { describe, expect, it, vi } from "vitest";

import {
  permitTypedData,
  plauditPoolAbi,
  relaySubscribeBySignatureSchema,
  relaySubscribeWithAuthorizationSchema,
  subscriptionAuthorizationTypedData,
  subscriptionDigest,
  subscriptionTypedData,
} from "@plaudit/protocol";
import { scope } from "../testing/fixtures.js";
import { FEE, fundingReader, NOW, onlyVia, poolDomain, token, tokenDomain, USD } from "../testing/funding.js";
import { describeCall, SIGNATURE_LIFETIME_SECONDS, subscribeAction, type FundingContext } from "./subscribeAction.js";

const terms = { perEpoch: 10n * USD, epochs: 3, firstEpoch: 2n };

const reader = (overrides: Partial<FundingContext> = {}) => fundingReader({ intent: 3n, permit: 8n }, overrides);

const only = onlyVia;

describe("subscribeAction", () => {
  it("relays one EIP-3009 authorization whose nonce commits to the terms and the fee the reader saw", async () => {
    const { account, ctx } = reader();
    const step = vi.fn();
    const action = only(await subscribeAction({ kind: "relay-authorization" }, terms, ctx, step), "relay");
    expect(action.action).toBe("subscribe-with-authorization");
    const request = relaySubscribeWithAuthorizationSchema.parse(action.request);
    const message = {
      reader: account.address,
      amountPerEpoch: 10n * USD,
      epochs: 3n,
      firstEpoch: 2n,
      relayerFee: FEE,
      nonce: 3n,
      deadline: NOW + SIGNATURE_LIFETIME_SECONDS,
    };
    expect(request.subscription).toEqual(message);
    // What the token checks: from the reader to the pool, the budgets plus the fee, nonce = the terms' digest.
    const typed = subscriptionAuthorizationTypedData(tokenDomain, poolDomain, message);
    expect(typed.message).toMatchObject({ to: scope.pool, value: 30n * USD + FEE });
    expect(typed.message.nonce).toBe(subscriptionDigest(poolDomain, message));
    expect(await recoverTypedDataAddress({ ...typed, signature: request.signature })).toBe(account.address);
    expect(step).toHaveBeenCalledWith("Sign the transfer authorization in your wallet (no gas)…");
  });

  it("relays a permit for the budgets plus the fee and the signed terms, for a permit-only token", async () => {
    const { account, ctx } = reader();
    const action = only(
      await subscribeAction({ kind: "relay-permit", permit: "eip2612" }, terms, ctx, () => undefined),
      "relay",
    );
    expect(action.action).toBe("subscribe-by-signature");
    const request = relaySubscribeBySignatureSchema.parse(action.request);
    if (request.permit.kind !== "eip2612") throw new Error("expected an EIP-2612 permit");
    const permit = permitTypedData(tokenDomain, {
      owner: account.address,
      spender: scope.pool,
      value: 30n * USD + FEE,
      nonce: 8n,
      deadline: request.permit.deadline,
    });
    expect(await recoverTypedDataAddress({ ...permit, signature: request.permit.signature })).toBe(account.address);
    expect(
      await recoverTypedDataAddress({
        ...subscriptionTypedData(poolDomain, request.subscription),
        signature: request.signature,
      }),
    ).toBe(account.address);
  });

  it("with gas, sends the authorization from the wallet with no relayer fee", async () => {
    const { ctx } = reader();
    const action = only(await subscribeAction({ kind: "authorization" }, terms, ctx, () => undefined), "wallet");
    expect(action.call.functionName).toBe("subscribeWithAuthorization");
    const [message] = action.call.args as readonly [{ relayerFee: bigint }, unknown];
    expect(message.relayerFee).toBe(0n);
  });

  it("with gas and a permit, signs one permit for the whole amount and calls subscribeWithPermit", async () => {
    const { account, ctx } = reader();
    const action = only(await subscribeAction({ kind: "permit" }, terms, ctx, () => undefined), "wallet");
    expect(action.call.functionName).toBe("subscribeWithPermit");
    const [perEpoch, epochs, firstEpoch, deadline, v, r, s] = action.call.args as readonly [
      bigint,
      bigint,
      bigint,
      bigint,
      number,
      `0x${string}`,
      `0x${string}`,
    ];
    expect([perEpoch, epochs, firstEpoch, deadline]).toEqual([10n * USD, 3n, 2n, NOW + SIGNATURE_LIFETIME_SECONDS]);
    const permit = permitTypedData(tokenDomain, {
      owner: account.address,
      spender: scope.pool,
      value: 30n * USD,
      nonce: 8n,
      deadline,
    });
    expect(await recoverTypedDataAddress({ ...permit, signature: { r, s, v: BigInt(v) } })).toBe(account.address);
  });

  it("on the approve path with an old allowance: zero it, approve the total, subscribe", async () => {
    const { ctx } = reader({ allowance: 1n });
    const action = only(
      await subscribeAction({ kind: "approve-then-subscribe", transactions: 3 }, terms, ctx, () => undefined),
      "calls",
    );
    expect(action.atomic).toBe(false);
    const approvals = action.calls
      .slice(0, 2)
      .map((call) => decodeFunctionData({ abi: erc20Abi, data: call.data }).args);
    expect(approvals).toEqual([
      [scope.pool, 0n],
      [scope.pool, 30n * USD],
    ]);
    const last = action.calls[2];
    if (last === undefined) throw new Error("no subscribe call");
    expect(decodeFunctionData({ abi: plauditPoolAbi, data: last.data })).toMatchObject({
      functionName: "subscribe",
      args: [10n * USD, 3n, 2n],
    });
    expect(action.calls.map((call, i, calls) => describeCall(call, i, calls, token))).toEqual([
      "set the pool's old allowance to zero",
      "allow the pool to take the amount",
      "subscribe",
    ]);
  });

  it("batches approve and subscribe when the wallet is atomic", async () => {
    const { ctx } = reader();
    const action = only(await subscribeAction({ kind: "approve-batch" }, terms, ctx, () => undefined), "calls");
    expect(action.atomic).toBe(true);
    expect(action.calls.map((call) => call.to)).toEqual([token, scope.pool]);
  });

  it("refuses to sign for a token whose domain could not be established", async () => {
    const { ctx } = reader({ tokenDomain: undefined });
    const sign = vi.fn();
    await expect(
      subscribeAction({ kind: "relay-authorization" }, terms, { ...ctx, sign }, () => undefined),
    ).rejects.toThrow(/signing domain/);
    expect(sign).not.toHaveBeenCalled();
  });

  it("sends nothing when the wallet refuses to sign", async () => {
    const { ctx } = reader({ sign: async () => Promise.reject(new Error("User rejected the request.")) });
    await expect(subscribeAction({ kind: "permit" }, terms, ctx, () => undefined)).rejects.toThrow(/rejected/);
  });
});
