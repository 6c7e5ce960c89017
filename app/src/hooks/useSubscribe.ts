/**
 * The subscribe workflow: the form's values checked as the reader types (amount, months, balance),
 * then one transaction, `subscribeWithPermit`, after an EIP-2612 permit signature (no approval
 * transaction). `planSubscription` and `subscribeCall` are the workflow without React, unit-tested;
 * `useSubscribe` binds them to the form, the wallet and `useTx`.
 */
import { useState } from "react";
import { parseSignature, parseUnits, type Address, type Hex } from "viem";
import { useConfig } from "wagmi";
import { signTypedData } from "wagmi/actions";

import { MAX_SUBSCRIPTION_EPOCHS, permitTypedData, type Eip712DomainResult } from "@plaudit/protocol";
import { tokenAbi } from "../contracts/pool.js";
import { formatToken } from "../lib/format.js";
import { useServices } from "./services.js";
import type { ChainClock } from "./useChainClock.js";
import { useTx, type PoolCall, type Step } from "./useTx.js";

/** How long the permit stays valid: long enough to confirm in a wallet, short enough to go stale. */
export const PERMIT_LIFETIME_SECONDS = 3600n;

export interface SubscribeForm {
  /** Per month, in the token's units as typed ("10", "2.5"). */
  amount: string;
  months: string;
  startNext: boolean;
}

export interface Token {
  decimals: number;
  symbol: string;
}

/** What the form asks for, or the first problem with it, in words. */
export type SubscriptionPlan =
  | { ok: true; perEpoch: bigint; epochs: number; total: bigint; firstEpoch: bigint }
  | { ok: false; problem: string; field: "amount" | "months"; total?: bigint };

export function planSubscription(
  form: SubscribeForm,
  token: Token,
  balance: bigint,
  currentEpoch: bigint,
): SubscriptionPlan {
  const amount = form.amount.trim();
  const amountProblem = `Enter an amount per month in ${token.symbol}, like 10 or 2.5.`;
  if (!/^(\d+\.?\d*|\.\d+)$/.test(amount)) return { ok: false, field: "amount", problem: amountProblem };
  if ((amount.split(".")[1] ?? "").length > token.decimals)
    return {
      ok: false,
      field: "amount",
      problem: `${token.symbol} has ${token.decimals} decimals: use at most ${token.decimals} digits after the point.`,
    };
  const perEpoch = parseUnits(amount, token.decimals);
  if (perEpoch === 0n) return { ok: false, field: "amount", problem: amountProblem };
  if (!/^\d+$/.test(form.months.trim()))
    return { ok: false, field: "months", problem: `Choose 1 to ${MAX_SUBSCRIPTION_EPOCHS} months.` };
  const epochs = Number(form.months.trim());
  if (epochs < 1 || epochs > MAX_SUBSCRIPTION_EPOCHS)
    return { ok: false, field: "months", problem: `Choose 1 to ${MAX_SUBSCRIPTION_EPOCHS} months.` };
  const total = perEpoch * BigInt(epochs);
  if (total > balance) {
    const fmt = (v: bigint) => formatToken(v, token.decimals, token.symbol);
    return {
      ok: false,
      field: "amount",
      total,
      problem: `Too little balance: you have ${fmt(balance)} and need ${fmt(total)}.`,
    };
  }
  return { ok: true, perEpoch, epochs, total, firstEpoch: form.startNext ? currentEpoch + 1n : currentEpoch };
}

/** What `subscribeCall` needs from the token and the reader's wallet. */
export interface PermitSigner {
  pool: Address;
  reader: Address;
  /** The token's EIP-712 domain (ERC-5267) and the reader's permit nonce. */
  readToken(): Promise<{ domain: Eip712DomainResult; nonce: bigint }>;
  /** The wallet's signature of a permit. */
  sign(typedData: ReturnType<typeof permitTypedData>): Promise<Hex>;
}

/** Signs the permit for `plan.total` and returns the one pool call that subscribes with it. */
export async function subscribeCall(
  plan: Extract<SubscriptionPlan, { ok: true }>,
  signer: PermitSigner,
  now: bigint,
  step: Step,
): Promise<PoolCall<"subscribeWithPermit">> {
  const { domain, nonce } = await signer.readToken();
  const deadline = now + PERMIT_LIFETIME_SECONDS;
  step("Sign the permit in your wallet (no gas)…");
  const signature = await signer.sign(
    permitTypedData(domain, { owner: signer.reader, spender: signer.pool, value: plan.total, nonce, deadline }),
  );
  const { r, s, v, yParity } = parseSignature(signature);
  return {
    functionName: "subscribeWithPermit",
    args: [plan.perEpoch, BigInt(plan.epochs), plan.firstEpoch, deadline, Number(v ?? BigInt(yParity + 27)), r, s],
  };
}

export function useSubscribe(reader: Address, clock: ChainClock, balance: bigint) {
  const { deployment, client } = useServices();
  const config = useConfig();
  const tx = useTx();
  const [form, setForm] = useState<SubscribeForm>({ amount: "10", months: "3", startNext: false });
  const token = { decimals: deployment.tokenDecimals, symbol: deployment.tokenSymbol };
  const plan = planSubscription(form, token, balance, clock.epoch);

  const signer: PermitSigner = {
    pool: deployment.pool,
    reader,
    readToken: async () => {
      const [domain, nonce] = await Promise.all([
        client.readContract({ address: deployment.token, abi: tokenAbi, functionName: "eip712Domain" }),
        client.readContract({ address: deployment.token, abi: tokenAbi, functionName: "nonces", args: [reader] }),
      ]);
      return { domain, nonce };
    },
    sign: (typedData) => signTypedData(config, { account: reader, ...typedData }),
  };

  const subscribe = () =>
    tx.run(async (step) => {
      if (!plan.ok) throw new Error(plan.problem);
      return subscribeCall(plan, signer, clock.now, step);
    });

  return {
    form,
    setForm: (change: Partial<SubscribeForm>) => setForm((f) => ({ ...f, ...change })),
    plan,
    tx,
    subscribe,
  };
}
