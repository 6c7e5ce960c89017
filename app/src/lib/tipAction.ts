/**
 * What the dApp sends to tip a creator once the protocol's `chooseTipPlan` has picked the path: the same
 * funding paths as a subscription (lib/subscribeAction.ts, whose permit signing and context it shares),
 * ending in the pool's tip calls instead. Signatures are asked for here, in the order the reader sees
 * them; nothing is sent. A tip is credited to the creator at once and never touches a budget.
 */
import type { Address } from "viem";

import {
  approveAndTipCalls,
  plauditDomain,
  tipAuthorizationTypedData,
  tipBySignatureArgs,
  tipToWire,
  tipTypedData,
  tipValue,
  tipWithAuthorizationArgs,
  type TipMessage,
  type TipPlan,
} from "@plaudit/protocol";
import type { FundedAction, Step } from "../hooks/useTx.js";
import {
  daiTokenPermit,
  needDomain,
  SIGNATURE_LIFETIME_SECONDS,
  signPermit,
  splitSignature,
  wirePermit,
  type FundingContext,
} from "./subscribeAction.js";

/** Who gets how much (token base units). */
export interface TipTerms {
  creator: Address;
  amount: bigint;
}

export type TipAction = FundedAction<"tip-with-authorization" | "tip-by-signature">;

async function tipMessage(ctx: FundingContext, terms: TipTerms, relayerFee: bigint): Promise<TipMessage> {
  return {
    reader: ctx.reader,
    creator: terms.creator,
    amount: terms.amount,
    relayerFee,
    nonce: await ctx.readIntentNonce(),
    deadline: ctx.now + SIGNATURE_LIFETIME_SECONDS,
  };
}

/** Asks for the signatures `plan` needs and returns what to send. */
export async function tipAction(
  plan: Exclude<TipPlan, { kind: "needs-gas" }>,
  terms: TipTerms,
  ctx: FundingContext,
  step: Step,
): Promise<TipAction> {
  const poolDomain = plauditDomain(ctx.chainId, ctx.pool);
  switch (plan.kind) {
    case "relay-authorization":
    case "authorization": {
      const fee = plan.kind === "relay-authorization" ? ctx.relayerFee : 0n;
      const message = await tipMessage(ctx, terms, fee);
      step("Sign the transfer authorization in your wallet (no gas)…");
      const signature = await ctx.sign(tipAuthorizationTypedData(needDomain(ctx), poolDomain, message));
      if (plan.kind === "authorization")
        return {
          via: "wallet",
          call: { functionName: "tipWithAuthorization", args: tipWithAuthorizationArgs(message, signature) },
        };
      return { via: "relay", action: "tip-with-authorization", request: { tip: tipToWire(message), signature } };
    }
    case "relay-permit":
    case "dai-permit": {
      const fee = plan.kind === "relay-permit" ? ctx.relayerFee : 0n;
      const flavour = plan.kind === "relay-permit" ? plan.permit : "dai";
      const message = await tipMessage(ctx, terms, fee);
      const permit = await signPermit(ctx, flavour, tipValue(message), message.deadline, step);
      step("Sign the tip in your wallet (no gas)…");
      const signature = await ctx.sign(tipTypedData(poolDomain, message));
      if (plan.kind === "dai-permit")
        return {
          via: "wallet",
          call: {
            functionName: "tipBySignature",
            args: tipBySignatureArgs(message, daiTokenPermit(permit), signature),
          },
        };
      return {
        via: "relay",
        action: "tip-by-signature",
        request: { tip: tipToWire(message), permit: wirePermit(permit), signature },
      };
    }
    case "permit": {
      const deadline = ctx.now + SIGNATURE_LIFETIME_SECONDS;
      const permit = await signPermit(ctx, "eip2612", terms.amount, deadline, step);
      const { v, r, s } = splitSignature(permit.signature);
      return {
        via: "wallet",
        call: { functionName: "tipWithPermit", args: [terms.creator, terms.amount, deadline, v, r, s] },
      };
    }
    case "tip":
      return { via: "wallet", call: { functionName: "tip", args: [terms.creator, terms.amount] } };
    case "approve-batch":
    case "approve-then-tip":
      return {
        via: "calls",
        atomic: plan.kind === "approve-batch",
        calls: approveAndTipCalls({
          token: ctx.token,
          pool: ctx.pool,
          allowance: ctx.allowance,
          creator: terms.creator,
          amount: terms.amount,
        }),
      };
  }
}
