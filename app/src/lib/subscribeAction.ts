/**
 * What the dApp sends to subscribe a reader, once the protocol's `chooseSubscribePlan` has picked the path
 * (funding.ts: from what the token supports, the reader's gas, the relay and the wallet's batching): a
 * request for the keeper's relay, one pool call from the reader's wallet, or the approve path's calls.
 * Signatures are asked for here, in the order the reader sees them; nothing is sent. No token is named.
 */
import { parseSignature, type Address, type Hex, type TypedDataDomain } from "viem";

import {
  approveAndSubscribeCalls,
  daiPermitTypedData,
  permitTypedData,
  PermitKind,
  plauditDomain,
  subscribeBySignatureArgs,
  subscribeWithAuthorizationArgs,
  subscriptionAuthorizationTypedData,
  subscriptionToWire,
  subscriptionTypedData,
  subscriptionValue,
  tokenPermit,
  type Call,
  type PermitFlavour,
  type RelayRequestInput,
  type SubscribePlan,
  type SubscriptionMessage,
} from "@plaudit/protocol";
import type { FundedAction, Step } from "../hooks/useTx.js";
import type { SignTypedData } from "./signedIntents.js";

/** How long permits, authorizations and signed terms stay valid. */
export const SIGNATURE_LIFETIME_SECONDS = 3600n;

/** The months to fund. */
export interface SubscriptionTerms {
  perEpoch: bigint;
  epochs: number;
  firstEpoch: bigint;
}

export interface FundingContext {
  reader: Address;
  pool: Address;
  token: Address;
  chainId: number;
  /** The token's EIP-712 domain as the protocol's detection established it (signed paths only). */
  tokenDomain: TypedDataDomain | undefined;
  /** The relayer fee of the keeper's policy, which the reader saw (relayed paths only; else zero). */
  relayerFee: bigint;
  /** The reader's allowance to the pool now (approve path). */
  allowance: bigint;
  /** Chain time, seconds. */
  now: bigint;
  readIntentNonce(): Promise<bigint>;
  /** The reader's permit nonce at the token (`nonces`). */
  readPermitNonce(): Promise<bigint>;
  sign: SignTypedData;
}

export type SubscribeAction = FundedAction<"subscribe-with-authorization" | "subscribe-by-signature">;

/** The token's EIP-712 domain, which every signed path needs. */
export function needDomain(ctx: FundingContext): TypedDataDomain {
  if (ctx.tokenDomain === undefined) throw new Error("The token's signing domain could not be established.");
  return ctx.tokenDomain;
}

async function signedTerms(ctx: FundingContext, terms: SubscriptionTerms, relayerFee: bigint) {
  const message: SubscriptionMessage = {
    reader: ctx.reader,
    amountPerEpoch: terms.perEpoch,
    epochs: BigInt(terms.epochs),
    firstEpoch: terms.firstEpoch,
    relayerFee,
    nonce: await ctx.readIntentNonce(),
    deadline: ctx.now + SIGNATURE_LIFETIME_SECONDS,
  };
  return message;
}

export interface SignedPermit {
  kind: PermitFlavour;
  nonce: bigint;
  deadline: bigint;
  signature: Hex;
}

/** Asks for the reader's permit (EIP-2612 or DAI's) letting the pool take `value` until `deadline`. */
export async function signPermit(
  ctx: FundingContext,
  kind: PermitFlavour,
  value: bigint,
  deadline: bigint,
  step: Step,
): Promise<SignedPermit> {
  const domain = needDomain(ctx);
  const nonce = await ctx.readPermitNonce();
  step("Sign the permit in your wallet (no gas)…");
  if (kind === "eip2612") {
    const signature = await ctx.sign(
      permitTypedData(domain, { owner: ctx.reader, spender: ctx.pool, value, nonce, deadline }),
    );
    return { kind, nonce, deadline, signature };
  }
  const signature = await ctx.sign(
    daiPermitTypedData(domain, { holder: ctx.reader, spender: ctx.pool, nonce, expiry: deadline, allowed: true }),
  );
  return { kind, nonce, deadline, signature };
}

/** The relay's wire form of a signed permit. */
export function wirePermit(permit: SignedPermit): RelayRequestInput<"subscribe-by-signature">["permit"] {
  return permit.kind === "eip2612"
    ? { kind: "eip2612", deadline: permit.deadline.toString(), signature: permit.signature }
    : { kind: "dai", nonce: permit.nonce.toString(), expiry: permit.deadline.toString(), signature: permit.signature };
}

/** The pool's `TokenPermit` of a signed DAI permit (what `subscribeBySignature` and `tipBySignature` apply). */
export function daiTokenPermit(permit: SignedPermit) {
  return tokenPermit(PermitKind.Dai, permit.signature, { deadline: permit.deadline, nonce: permit.nonce });
}

/** `v`, `r`, `s` of a signature, as `subscribeWithPermit` and `tipWithPermit` take them. */
export function splitSignature(signature: Hex) {
  const { r, s, v, yParity } = parseSignature(signature);
  return { v: Number(v ?? BigInt(yParity + 27)), r, s };
}

/** Asks for the signatures `plan` needs and returns what to send. */
export async function subscribeAction(
  plan: Exclude<SubscribePlan, { kind: "needs-gas" }>,
  terms: SubscriptionTerms,
  ctx: FundingContext,
  step: Step,
): Promise<SubscribeAction> {
  const poolDomain = plauditDomain(ctx.chainId, ctx.pool);
  const args = [terms.perEpoch, BigInt(terms.epochs), terms.firstEpoch] as const;
  switch (plan.kind) {
    case "relay-authorization":
    case "authorization": {
      const fee = plan.kind === "relay-authorization" ? ctx.relayerFee : 0n;
      const message = await signedTerms(ctx, terms, fee);
      step("Sign the transfer authorization in your wallet (no gas)…");
      const signature = await ctx.sign(subscriptionAuthorizationTypedData(needDomain(ctx), poolDomain, message));
      if (plan.kind === "authorization")
        return {
          via: "wallet",
          call: {
            functionName: "subscribeWithAuthorization",
            args: subscribeWithAuthorizationArgs(message, signature),
          },
        };
      return {
        via: "relay",
        action: "subscribe-with-authorization",
        request: { subscription: subscriptionToWire(message), signature },
      };
    }
    case "relay-permit":
    case "dai-permit": {
      const fee = plan.kind === "relay-permit" ? ctx.relayerFee : 0n;
      const flavour = plan.kind === "relay-permit" ? plan.permit : "dai";
      const message = await signedTerms(ctx, terms, fee);
      const permit = await signPermit(ctx, flavour, subscriptionValue(message), message.deadline, step);
      step("Sign the subscription's terms in your wallet (no gas)…");
      const signature = await ctx.sign(subscriptionTypedData(poolDomain, message));
      if (plan.kind === "dai-permit") {
        const tokenPermitStruct = daiTokenPermit(permit);
        return {
          via: "wallet",
          call: {
            functionName: "subscribeBySignature",
            args: subscribeBySignatureArgs(message, tokenPermitStruct, signature),
          },
        };
      }
      return {
        via: "relay",
        action: "subscribe-by-signature",
        request: { subscription: subscriptionToWire(message), permit: wirePermit(permit), signature },
      };
    }
    case "permit": {
      const deadline = ctx.now + SIGNATURE_LIFETIME_SECONDS;
      const permit = await signPermit(ctx, "eip2612", terms.perEpoch * BigInt(terms.epochs), deadline, step);
      const { v, r, s } = splitSignature(permit.signature);
      return {
        via: "wallet",
        call: {
          functionName: "subscribeWithPermit",
          args: [...args, deadline, v, r, s],
        },
      };
    }
    case "subscribe":
      return { via: "wallet", call: { functionName: "subscribe", args } };
    case "approve-batch":
    case "approve-then-subscribe":
      return {
        via: "calls",
        atomic: plan.kind === "approve-batch",
        calls: approveAndSubscribeCalls({ token: ctx.token, pool: ctx.pool, allowance: ctx.allowance, args }),
      };
  }
}

/** What each call of the approve path does, in words, for the on-screen steps; `poolCall` names the last. */
export function describeCall(
  call: Call,
  index: number,
  calls: readonly Call[],
  token: Address,
  poolCall = "subscribe",
): string {
  if (call.to.toLowerCase() !== token.toLowerCase()) return poolCall;
  // The only token call with a zero amount is the zero-first approval (tokens that refuse to change a
  // non-zero allowance into another); the amount is the last word of the calldata.
  return BigInt(`0x${call.data.slice(-64)}`) === 0n && index < calls.length - 2
    ? "set the pool's old allowance to zero"
    : "allow the pool to take the amount";
}
