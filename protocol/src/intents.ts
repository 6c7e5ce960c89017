/**
 * The EIP-712 messages a reader signs so that anyone (a relayer) can act for it, exactly as
 * contracts/PlauditFunding.sol hashes them, under the pool's domain (`plauditDomain`), and the pool's call
 * arguments built from them. Every intent carries the reader's next intent nonce (`intentNonceOf`) and is
 * valid strictly before its `deadline` (unix seconds).
 */
import { hashTypedData, parseSignature, type Address, type Hex } from "viem";

import type { PlauditDomain } from "./eip712.js";
import { PermitKind } from "./generated/abis.js";

export const subscriptionTypes = {
  Subscription: [
    { name: "reader", type: "address" },
    { name: "amountPerEpoch", type: "uint256" },
    { name: "epochs", type: "uint64" },
    { name: "firstEpoch", type: "uint64" },
    { name: "relayerFee", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const cancellationTypes = {
  Cancellation: [
    { name: "reader", type: "address" },
    { name: "fromEpoch", type: "uint64" },
    { name: "relayerFee", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const withdrawalTypes = {
  Withdrawal: [
    { name: "reader", type: "address" },
    { name: "relayerFee", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const tipTypes = {
  Tip: [
    { name: "reader", type: "address" },
    { name: "creator", type: "address" },
    { name: "amount", type: "uint256" },
    { name: "relayerFee", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const revocationTypes = {
  Revocation: [
    { name: "reader", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** `Subscription`: the reader pays `amountPerEpoch * epochs + relayerFee`; the caller gets `relayerFee`. */
export interface SubscriptionMessage {
  reader: Address;
  amountPerEpoch: bigint;
  epochs: bigint;
  firstEpoch: bigint;
  relayerFee: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** `Cancellation`: `cancel(fromEpoch)`; the refund less `relayerFee` goes to the reader. */
export interface CancellationMessage {
  reader: Address;
  fromEpoch: bigint;
  relayerFee: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** `Withdrawal`: `withdraw()`; the expired budgets less `relayerFee` go to the reader. */
export interface WithdrawalMessage {
  reader: Address;
  relayerFee: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** `Tip`: a one-off `amount` to `creator`'s claimable balance; the reader pays `amount + relayerFee`. */
export interface TipMessage {
  reader: Address;
  creator: Address;
  amount: bigint;
  relayerFee: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** `Revocation`: `revokeSessions()`. No fee: nothing is paid out. */
export interface RevocationMessage {
  reader: Address;
  nonce: bigint;
  deadline: bigint;
}

export function subscriptionTypedData(domain: PlauditDomain, message: SubscriptionMessage) {
  return { domain, types: subscriptionTypes, primaryType: "Subscription", message } as const;
}

export function cancellationTypedData(domain: PlauditDomain, message: CancellationMessage) {
  return { domain, types: cancellationTypes, primaryType: "Cancellation", message } as const;
}

export function withdrawalTypedData(domain: PlauditDomain, message: WithdrawalMessage) {
  return { domain, types: withdrawalTypes, primaryType: "Withdrawal", message } as const;
}

export function revocationTypedData(domain: PlauditDomain, message: RevocationMessage) {
  return { domain, types: revocationTypes, primaryType: "Revocation", message } as const;
}

export function tipTypedData(domain: PlauditDomain, message: TipMessage) {
  return { domain, types: tipTypes, primaryType: "Tip", message } as const;
}

/** What the reader pays for a tip: the amount and the relayer's fee. */
export function tipValue(terms: TipMessage): bigint {
  return terms.amount + terms.relayerFee;
}

/**
 * The EIP-712 digest of a tip under the pool's domain (the pool's `tipDigest`): what a reader signs for
 * `tipBySignature`, and the nonce of its EIP-3009 authorization for `tipWithAuthorization`.
 */
export function tipDigest(domain: PlauditDomain, terms: TipMessage): Hex {
  return hashTypedData(tipTypedData(domain, terms));
}

/** What the reader pays for `terms`: the budgets and the relayer's fee. */
export function subscriptionValue(terms: SubscriptionMessage): bigint {
  return terms.amountPerEpoch * terms.epochs + terms.relayerFee;
}

/**
 * The EIP-712 digest of `terms` under the pool's domain (the pool's `subscriptionDigest`): what a reader
 * signs for `subscribeBySignature`, and the nonce of its EIP-3009 authorization for
 * `subscribeWithAuthorization`, which commits the authorization to the terms, the pool and the chain.
 */
export function subscriptionDigest(domain: PlauditDomain, terms: SubscriptionMessage): Hex {
  return hashTypedData(subscriptionTypedData(domain, terms));
}

/** The pool's `TokenPermit` struct. */
export interface TokenPermitStruct {
  kind: PermitKind;
  nonce: bigint;
  deadline: bigint;
  v: number;
  r: Hex;
  s: Hex;
}

const ZERO_WORD = `0x${"0".repeat(64)}` as Hex;

/** No permit: the allowance is already in place. */
export const NO_PERMIT: TokenPermitStruct = {
  kind: PermitKind.None,
  nonce: 0n,
  deadline: 0n,
  v: 0,
  r: ZERO_WORD,
  s: ZERO_WORD,
};

/** The pool's `TokenPermit` from a permit signature (EIP-2612: `nonce` unused; DAI: its `expiry` as `deadline`). */
export function tokenPermit(
  kind: typeof PermitKind.Eip2612 | typeof PermitKind.Dai,
  signature: Hex,
  fields: { deadline: bigint; nonce?: bigint },
): TokenPermitStruct {
  const { r, s, v, yParity } = parseSignature(signature);
  return { kind, nonce: fields.nonce ?? 0n, deadline: fields.deadline, v: Number(v ?? BigInt(yParity + 27)), r, s };
}

/** `subscribeWithAuthorization`'s arguments: the terms and the reader's signature of the token authorization. */
export function subscribeWithAuthorizationArgs(terms: SubscriptionMessage, signature: Hex) {
  return [terms, signature] as const;
}

/** `subscribeBySignature`'s arguments: the terms, the token permit (or `NO_PERMIT`) and the reader's signature of the terms. */
export function subscribeBySignatureArgs(terms: SubscriptionMessage, permit: TokenPermitStruct, signature: Hex) {
  return [terms, permit, signature] as const;
}

export function tipWithAuthorizationArgs(terms: TipMessage, signature: Hex) {
  return [terms, signature] as const;
}

export function tipBySignatureArgs(terms: TipMessage, permit: TokenPermitStruct, signature: Hex) {
  return [terms, permit, signature] as const;
}

export function cancelBySignatureArgs(message: CancellationMessage, signature: Hex) {
  return [message, signature] as const;
}

export function withdrawBySignatureArgs(message: WithdrawalMessage, signature: Hex) {
  return [message, signature] as const;
}

export function revokeSessionsBySignatureArgs(message: RevocationMessage, signature: Hex) {
  return [message, signature] as const;
}
