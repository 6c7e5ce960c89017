/**
 * The reader's signed intents for the keeper's relay, without React: cancel future months, withdraw
 * returned budgets, revoke session keys. Each is an EIP-712 message of the protocol (intents.ts) under the
 * pool's domain, with the reader's next intent nonce and a deadline, turned into the relay's wire format.
 */
import type { Address, Hex, TypedData, TypedDataDefinition } from "viem";

import {
  cancellationToWire,
  cancellationTypedData,
  revocationToWire,
  revocationTypedData,
  withdrawalToWire,
  withdrawalTypedData,
  type PlauditDomain,
  type RelayRequestInput,
} from "@plaudit/protocol";

/** How long a signed intent stays valid: long enough for the keeper to get it mined, short enough to go stale. */
export const INTENT_LIFETIME_SECONDS = 3600n;

/** The reader's wallet signing EIP-712 typed data (wagmi's `signTypedData`, or a viem account in tests). */
export type SignTypedData = <const T extends TypedData | Record<string, unknown>, P extends keyof T | "EIP712Domain">(
  typedData: TypedDataDefinition<T, P>,
) => Promise<Hex>;

export interface IntentSigner {
  reader: Address;
  /** The pool's EIP-712 domain. */
  domain: PlauditDomain;
  /** The reader's next intent nonce (`intentNonceOf`), read when an intent is signed. */
  readIntentNonce(): Promise<bigint>;
  sign: SignTypedData;
}

/** A `Cancellation` of every month from `fromEpoch`, paying `relayerFee` out of the refund. */
export async function cancelRequest(
  signer: IntentSigner,
  fromEpoch: bigint,
  relayerFee: bigint,
  now: bigint,
): Promise<RelayRequestInput<"cancel">> {
  const cancellation = {
    reader: signer.reader,
    fromEpoch,
    relayerFee,
    nonce: await signer.readIntentNonce(),
    deadline: now + INTENT_LIFETIME_SECONDS,
  };
  const signature = await signer.sign(cancellationTypedData(signer.domain, cancellation));
  return { cancellation: cancellationToWire(cancellation), signature };
}

/** A `Withdrawal` of the budgets that came back, paying `relayerFee` out of them. */
export async function withdrawRequest(
  signer: IntentSigner,
  relayerFee: bigint,
  now: bigint,
): Promise<RelayRequestInput<"withdraw">> {
  const withdrawal = {
    reader: signer.reader,
    relayerFee,
    nonce: await signer.readIntentNonce(),
    deadline: now + INTENT_LIFETIME_SECONDS,
  };
  const signature = await signer.sign(withdrawalTypedData(signer.domain, withdrawal));
  return { withdrawal: withdrawalToWire(withdrawal), signature };
}

/** A `Revocation` of every session key (no fee: nothing is paid out). */
export async function revokeRequest(signer: IntentSigner, now: bigint): Promise<RelayRequestInput<"revoke-sessions">> {
  const revocation = {
    reader: signer.reader,
    nonce: await signer.readIntentNonce(),
    deadline: now + INTENT_LIFETIME_SECONDS,
  };
  const signature = await signer.sign(revocationTypedData(signer.domain, revocation));
  return { revocation: revocationToWire(revocation), signature };
}
