import { decodeFunctionData, erc20Abi, recoverTypedDataAddress } from "viem";
import { describe, expect, it } from "vitest";

import {
  permitTypedData,
  plauditPoolAbi,
  relayTipBySignatureSchema,
  relayTipWithAuthorizationSchema,
  tipAuthorizationTypedData,
  tipDigest,
  tipTypedData,
} from "@plaudit/protocol";
import { creatorA, scope } from "../testing/fixtures.js";
import { FEE, fundingReader, NOW, onlyVia, poolDomain, token, tokenDomain, USD } from "../testing/funding.js";
import { describeCall, SIGNATURE_LIFETIME_SECONDS, type FundingContext } from "./subscribeAction.js";
import { tipAction } from "./tipAction.js";

const terms = { creator: creatorA, amount: 2n * USD };

const reader = (overrides: Partial<FundingContext> = {}) => fundingReader({ intent: 4n, permit: 9n }, overrides);

const only = onlyVia;

const noStep = () => undefined;

describe("tipAction", () => {
  it("USDC-like: relays one authorization of the tip plus the fee, whose nonce is the tip's digest", async () => {
    const { account, ctx } = reader();
    const action = only(await tipAction({ kind: "relay-authorization" }, terms, ctx, noStep), "relay");
    expect(action.action).toBe("tip-with-authorization");
    const request = relayTipWithAuthorizationSchema.parse(action.request);
    const message = {
      reader: account.address,
      creator: creatorA,
      amount: 2n * USD,
      relayerFee: FEE,
      nonce: 4n,
      deadline: NOW + SIGNATURE_LIFETIME_SECONDS,
    };
    expect(request.tip).toEqual(message);
    const typed = tipAuthorizationTypedData(tokenDomain, poolDomain, message);
    expect(typed.message).toMatchObject({
      to: scope.pool,
      value: 2n * USD + FEE,
      nonce: tipDigest(poolDomain, message),
    });
    expect(await recoverTypedDataAddress({ ...typed, signature: request.signature })).toBe(account.address);
  });

  it("permit token: relays a permit for the tip plus the fee and the signed tip", async () => {
    const { account, ctx } = reader();
    const action = only(await tipAction({ kind: "relay-permit", permit: "eip2612" }, terms, ctx, noStep), "relay");
    expect(action.action).toBe("tip-by-signature");
    const request = relayTipBySignatureSchema.parse(action.request);
    if (request.permit.kind !== "eip2612") throw new Error("expected an EIP-2612 permit");
    const permit = permitTypedData(tokenDomain, {
      owner: account.address,
      spender: scope.pool,
      value: 2n * USD + FEE,
      nonce: 9n,
      deadline: request.permit.deadline,
    });
    expect(await recoverTypedDataAddress({ ...permit, signature: request.permit.signature })).toBe(account.address);
    expect(
      await recoverTypedDataAddress({ ...tipTypedData(poolDomain, request.tip), signature: request.signature }),
    ).toBe(account.address);
  });

  it("with gas: tipWithPermit from the wallet for exactly the tip; the authorization with no fee", async () => {
    const { ctx } = reader();
    const permit = only(await tipAction({ kind: "permit" }, terms, ctx, noStep), "wallet");
    expect(permit.call.functionName).toBe("tipWithPermit");
    expect(permit.call.args.slice(0, 3)).toEqual([creatorA, 2n * USD, NOW + SIGNATURE_LIFETIME_SECONDS]);
    const authorization = only(await tipAction({ kind: "authorization" }, terms, ctx, noStep), "wallet");
    expect(authorization.call.functionName).toBe("tipWithAuthorization");
    const [message] = authorization.call.args as readonly [{ relayerFee: bigint }, unknown];
    expect(message.relayerFee).toBe(0n);
  });

  it("USDT-like with an old allowance: zero it, approve the tip, tip, one transaction after the other", async () => {
    const { ctx } = reader({ allowance: 1n });
    const action = only(await tipAction({ kind: "approve-then-tip", transactions: 3 }, terms, ctx, noStep), "calls");
    expect(action.atomic).toBe(false);
    expect(action.calls.slice(0, 2).map((call) => decodeFunctionData({ abi: erc20Abi, data: call.data }).args)).toEqual(
      [
        [scope.pool, 0n],
        [scope.pool, 2n * USD],
      ],
    );
    const last = action.calls[2];
    if (last === undefined) throw new Error("no tip call");
    expect(decodeFunctionData({ abi: plauditPoolAbi, data: last.data })).toMatchObject({
      functionName: "tip",
      args: [creatorA, 2n * USD],
    });
    expect(action.calls.map((call, i, calls) => describeCall(call, i, calls, token, "send the tip"))).toEqual([
      "set the pool's old allowance to zero",
      "allow the pool to take the amount",
      "send the tip",
    ]);
  });

  it("USDT-like with an EIP-5792 wallet: the approval and the tip as one atomic batch", async () => {
    const { ctx } = reader();
    const action = only(await tipAction({ kind: "approve-batch" }, terms, ctx, noStep), "calls");
    expect(action.atomic).toBe(true);
    expect(action.calls.map((call) => call.to)).toEqual([token, scope.pool]);
  });
});
