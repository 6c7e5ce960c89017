/**
 * The subscribe workflow: the form's values checked as the reader types (amount, months, balance and
 * any relayer fee), then the best funding path the protocol finds (`detectFunding` reads the token,
 * `chooseSubscribePlan` decides from the reader's gas, the keeper's relay and the wallet's EIP-5792
 * batching): a signature the keeper relays for a reader without gas, a permit or an authorization and
 * one transaction, or approve and subscribe (one atomic batch, or transactions one after the other,
 * explained on screen). `planSubscription` and `planWords` are the workflow without React, unit-tested
 * (the signing in lib/subscribeAction.ts); `useSubscribe` binds them to the form, the wallet and `useTx`.
 */
import { useState } from "react";
import type { Address } from "viem";

import { chooseSubscribePlan, MAX_SUBSCRIPTION_EPOCHS, type SubscribePlan } from "@plaudit/protocol";
import { formatToken } from "../lib/format.js";
import { parseTokenAmount, type Token } from "../lib/tokenAmount.js";
import { describeCall, subscribeAction } from "../lib/subscribeAction.js";
import { useServices } from "./services.js";
import type { ChainClock } from "./useChainClock.js";
import { readerSituation, relayerFeeOf, useFunding, type RelayedActions } from "./useFunding.js";
import { useTx } from "./useTx.js";

export interface SubscribeForm {
  /** Per month, in the token's units as typed ("10", "2.5"). */
  amount: string;
  months: string;
  startNext: boolean;
}

export type { Token };

/** What the form asks for, or the first problem with it, in words. */
export type SubscriptionPlan =
  | { ok: true; perEpoch: bigint; epochs: number; total: bigint; firstEpoch: bigint }
  | { ok: false; problem: string; field: "amount" | "months"; total?: bigint };

export function planSubscription(
  form: SubscribeForm,
  token: Token,
  balance: bigint,
  currentEpoch: bigint,
  relayerFee = 0n,
): SubscriptionPlan {
  const parsed = parseTokenAmount(form.amount, token, `Enter an amount per month in ${token.symbol}, like 10 or 2.5.`);
  if (!parsed.ok) return { ok: false, field: "amount", problem: parsed.problem };
  const perEpoch = parsed.value;
  if (!/^\d+$/.test(form.months.trim()))
    return { ok: false, field: "months", problem: `Choose 1 to ${MAX_SUBSCRIPTION_EPOCHS} months.` };
  const epochs = Number(form.months.trim());
  if (epochs < 1 || epochs > MAX_SUBSCRIPTION_EPOCHS)
    return { ok: false, field: "months", problem: `Choose 1 to ${MAX_SUBSCRIPTION_EPOCHS} months.` };
  const total = perEpoch * BigInt(epochs);
  if (total + relayerFee > balance) {
    const fmt = (v: bigint) => formatToken(v, token.decimals, token.symbol);
    const fee = relayerFee === 0n ? "" : ` (with the relay's fee of ${fmt(relayerFee)})`;
    return {
      ok: false,
      field: "amount",
      total,
      problem: `Too little balance: you have ${fmt(balance)} and need ${fmt(total + relayerFee)}${fee}.`,
    };
  }
  return { ok: true, perEpoch, epochs, total, firstEpoch: form.startNext ? currentEpoch + 1n : currentEpoch };
}

/** What the reader is about to do, in words, before anything is signed; `fee` is the relay's, in words. */
export function planWords(plan: SubscribePlan, fee: string): string {
  switch (plan.kind) {
    case "relay-authorization":
      return `No gas needed: you sign one transfer authorization and the keeper sends it for you, for a fee of ${fee} added to the amount.`;
    case "relay-permit":
      return `No gas needed: you sign a permit and the subscription's terms, and the keeper sends them for you, for a fee of ${fee} added to the amount.`;
    case "authorization":
      return "One transaction: you sign a transfer authorization, then the pool takes the whole amount and budgets it month by month.";
    case "permit":
      return "One transaction: you sign a permit, then the pool takes the whole amount and budgets it month by month.";
    case "dai-permit":
      return "One transaction: you sign the token's permit and the subscription's terms, then the pool takes the whole amount.";
    case "subscribe":
      return "One transaction: the pool may already take the amount, and budgets it month by month.";
    case "approve-batch":
      return "Your wallet sends the approval and the subscription together, in one batch you confirm once.";
    case "approve-then-subscribe":
      return plan.transactions === 3
        ? "This token has no permit and your wallet cannot batch calls: three transactions, one after the other. The first sets the pool's old allowance to zero (this token refuses to change one allowance into another), the second allows the pool to take the amount, the third subscribes."
        : "This token has no permit and your wallet cannot batch calls: two transactions, one after the other. The first allows the pool to take the amount, the second subscribes.";
    case "needs-gas":
      return "Your account holds no native coin for gas, and this token can only be spent by a transaction of yours (no permit, no authorization) or no keeper relays for you: get a little of the chain's coin first.";
  }
}

/** The relay actions that subscribe. */
const SUBSCRIBE_RELAY_ACTIONS = {
  authorization: "subscribe-with-authorization",
  signature: "subscribe-by-signature",
} as const satisfies RelayedActions;

export function useSubscribe(reader: Address, clock: ChainClock, balance: bigint) {
  const { deployment } = useServices();
  const tx = useTx();
  const [form, setForm] = useState<SubscribeForm>({ amount: "10", months: "3", startNext: false });
  const token = { decimals: deployment.tokenDecimals, symbol: deployment.tokenSymbol };
  const { reads, context } = useFunding(reader);

  const draft = planSubscription(form, token, balance, clock.epoch);
  const route =
    reads !== undefined && draft.ok
      ? chooseSubscribePlan(reads.funding, readerSituation(reads, SUBSCRIBE_RELAY_ACTIONS, draft.total))
      : undefined;
  const relayerFee = relayerFeeOf(route, reads?.policy);
  const plan = planSubscription(form, token, balance, clock.epoch, relayerFee);
  const fmt = (v: bigint) => formatToken(v, token.decimals, token.symbol);

  const subscribe = () =>
    tx.track(async (progress) => {
      if (!plan.ok) throw new Error(plan.problem);
      if (route === undefined) throw new Error("Still reading what the token and your wallet support; try again.");
      if (route.kind === "needs-gas") throw new Error(planWords(route, fmt(relayerFee)));
      const action = await subscribeAction(route, plan, context(relayerFee, clock.now), progress.step);
      return tx.sendAction(
        action,
        (call, index, calls) => describeCall(call, index, calls, deployment.token),
        progress,
      );
    });

  return {
    form,
    setForm: (change: Partial<SubscribeForm>) => setForm((f) => ({ ...f, ...change })),
    plan,
    route,
    relayerFee,
    words: route === undefined ? undefined : planWords(route, fmt(relayerFee)),
    tx,
    subscribe,
  };
}
