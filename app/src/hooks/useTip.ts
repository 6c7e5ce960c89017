/**
 * The tip workflow: a one-off amount to one creator, checked as the reader types (a positive amount in the
 * token's units, within its decimals, with any relayer fee within the balance), then the best funding path
 * the protocol finds for it (`chooseTipPlan`: the subscription's paths, ending in the pool's tip calls).
 * A tip is credited to the creator's claimable balance at once; it never touches the monthly budget.
 * `planTip` and `tipWords` are the workflow without React, unit-tested (the signing in lib/tipAction.ts);
 * `useTip` binds them to the form, the wallet and `useTx`, through the same `useFunding` as subscribing.
 */
import { useState } from "react";
import { isAddressEqual, type Address } from "viem";

import { chooseTipPlan, type TipPlan } from "@plaudit/protocol";
import { formatToken } from "../lib/format.js";
import { describeCall } from "../lib/subscribeAction.js";
import { tipAction } from "../lib/tipAction.js";
import { parseTokenAmount, type Token } from "../lib/tokenAmount.js";
import { useServices } from "./services.js";
import { readerSituation, relayerFeeOf, useFunding, type FundingReads, type RelayedActions } from "./useFunding.js";
import { useTx } from "./useTx.js";

/** What the form asks for (the amount in base units, and what the reader pays with the fee), or the problem. */
export type TipDraft = { ok: true; amount: bigint; total: bigint } | { ok: false; problem: string; total?: bigint };

/** Checks a tip of `text` (token units) from `reader` to `creator` against `balance`, with `relayerFee` on top. */
export function planTip(
  text: string,
  token: Token,
  balance: bigint,
  parties: { reader: Address; creator: Address },
  relayerFee = 0n,
): TipDraft {
  if (isAddressEqual(parties.reader, parties.creator))
    return { ok: false, problem: "This is your own address: a tip goes to someone else." };
  const parsed = parseTokenAmount(text, token, `Enter an amount in ${token.symbol}, like 1 or 0.5.`);
  if (!parsed.ok) return { ok: false, problem: parsed.problem };
  const total = parsed.value + relayerFee;
  if (total > balance) {
    const fmt = (v: bigint) => formatToken(v, token.decimals, token.symbol);
    const fee = relayerFee === 0n ? "" : ` (with the relay's fee of ${fmt(relayerFee)})`;
    return {
      ok: false,
      total,
      problem: `Too little balance: you have ${fmt(balance)} and need ${fmt(total)}${fee}.`,
    };
  }
  return { ok: true, amount: parsed.value, total };
}

/** What the reader is about to do, in words, before anything is signed; `fee` is the relay's, in words. */
export function tipWords(plan: TipPlan, fee: string): string {
  switch (plan.kind) {
    case "relay-authorization":
      return `No gas needed: you sign one transfer authorization and the keeper sends it for you, for a fee of ${fee} added to the tip.`;
    case "relay-permit":
      return `No gas needed: you sign a permit and the tip, and the keeper sends them for you, for a fee of ${fee} added to the tip.`;
    case "authorization":
      return "One transaction: you sign a transfer authorization, then the pool takes the tip and credits the creator.";
    case "permit":
      return "One transaction: you sign a permit, then the pool takes the tip and credits the creator.";
    case "dai-permit":
      return "One transaction: you sign the token's permit and the tip, then the pool takes the tip and credits the creator.";
    case "tip":
      return "One transaction: the pool may already take the amount, and credits the creator.";
    case "approve-batch":
      return "Your wallet sends the approval and the tip together, in one batch you confirm once.";
    case "approve-then-tip":
      return plan.transactions === 3
        ? "This token has no permit and your wallet cannot batch calls: three transactions, one after the other. The first sets the pool's old allowance to zero (this token refuses to change one allowance into another), the second allows the pool to take the tip, the third sends it."
        : "This token has no permit and your wallet cannot batch calls: two transactions, one after the other. The first allows the pool to take the tip, the second sends it.";
    case "needs-gas":
      return "Your account holds no native coin for gas, and this token can only be spent by a transaction of yours (no permit, no authorization) or no keeper relays tips for you: get a little of the chain's coin first.";
  }
}

/** The relay actions that tip. */
export const TIP_RELAY_ACTIONS = {
  authorization: "tip-with-authorization",
  signature: "tip-by-signature",
} as const satisfies RelayedActions;

/**
 * The form and the path together: the tip as typed (`planTip`), the path `chooseTipPlan` takes once
 * everything is read (`reads`), the relay's fee if the path is relayed, and the tip checked again with it.
 */
export function decideTip(
  reads: FundingReads | undefined,
  text: string,
  token: Token,
  balance: bigint,
  parties: { reader: Address; creator: Address },
): { plan: TipDraft; route: TipPlan | undefined; relayerFee: bigint } {
  const draft = planTip(text, token, balance, parties);
  const route =
    reads !== undefined && draft.ok
      ? chooseTipPlan(reads.funding, readerSituation(reads, TIP_RELAY_ACTIONS, draft.amount))
      : undefined;
  const relayerFee = relayerFeeOf(route, reads?.policy);
  return { plan: planTip(text, token, balance, parties, relayerFee), route, relayerFee };
}

export function useTip(reader: Address, creator: Address, now: bigint, balance: bigint) {
  const { deployment } = useServices();
  const tx = useTx();
  const [amount, setAmount] = useState("1");
  const token = { decimals: deployment.tokenDecimals, symbol: deployment.tokenSymbol };
  const { reads, context } = useFunding(reader);
  const { plan, route, relayerFee } = decideTip(reads, amount, token, balance, { reader, creator });
  const fmt = (v: bigint) => formatToken(v, token.decimals, token.symbol);

  const tip = () =>
    tx.track(async (progress) => {
      if (!plan.ok) throw new Error(plan.problem);
      if (route === undefined) throw new Error("Still reading what the token and your wallet support; try again.");
      if (route.kind === "needs-gas") throw new Error(tipWords(route, fmt(relayerFee)));
      const action = await tipAction(route, { creator, amount: plan.amount }, context(relayerFee, now), progress.step);
      return tx.sendAction(
        action,
        (call, index, calls) => describeCall(call, index, calls, deployment.token, "send the tip"),
        progress,
      );
    });

  return {
    amount,
    setAmount,
    plan,
    route,
    relayerFee,
    words: route === undefined ? undefined : tipWords(route, fmt(relayerFee)),
    tx,
    tip,
  };
}
