/**
 * Signing with the protocol's own EIP-712 types (protocol/src/eip712.ts), for tests and benchmarks.
 * The domain is read from the pool itself (ERC-5267), not repeated here.
 */
import type { BaseContract, Signer, TypedDataField } from "ethers";
import type { Address, Hex } from "viem";

import { sessionTypes, tallyTypes, type Clicks, type SettlementTally } from "@plaudit/protocol";

/** The pool's EIP-712 domain as it reports it. */
export interface Domain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

export async function domainOf(pool: BaseContract & { eip712Domain(): Promise<unknown[]> }): Promise<Domain> {
  const [, name, version, chainId, verifyingContract] = (await pool.eip712Domain()) as [
    string,
    string,
    string,
    bigint,
    string,
  ];
  return { name, version, chainId, verifyingContract };
}

/** Signs protocol typed data (whose type lists are `as const`) with an ethers signer. */
export async function signTyped(
  signer: Signer,
  typedData: {
    domain: { name?: string; version?: string; chainId?: number | bigint; verifyingContract?: string; salt?: string };
    types: Record<string, readonly { name: string; type: string }[]>;
    message: object;
  },
): Promise<Hex> {
  const types: Record<string, TypedDataField[]> = {};
  for (const [name, fields] of Object.entries(typedData.types)) types[name] = [...fields];
  return (await signer.signTypedData(typedData.domain, types, typedData.message as Record<string, unknown>)) as Hex;
}

// ethers wants mutable field lists; the protocol's are `as const`.
const ethersTallyTypes: Record<string, TypedDataField[]> = { Tally: [...tallyTypes.Tally] };
const ethersSessionTypes: Record<string, TypedDataField[]> = { Session: [...sessionTypes.Session] };

export async function signTally(
  signer: Signer,
  domain: Domain,
  tally: { reader: string; epoch: bigint; seq: bigint } & Clicks,
): Promise<Hex> {
  return (await signer.signTypedData(domain, ethersTallyTypes, {
    reader: tally.reader,
    epoch: tally.epoch,
    seq: tally.seq,
    creators: tally.creators,
    counts: tally.counts,
  })) as Hex;
}

export async function signSession(
  reader: Signer,
  domain: Domain,
  session: { reader: string; key: string; expiry: bigint; nonce: number },
): Promise<Hex> {
  return (await reader.signTypedData(domain, ethersSessionTypes, session)) as Hex;
}

/** One tally as `settle` takes it (protocol/src/batch.ts encodes it). */
export type SignedTallyStruct = SettlementTally;

/** Signs `clicks` for `reader` directly with the reader's own key. */
export async function readerSignedTally(
  reader: Signer,
  domain: Domain,
  epoch: bigint,
  clicks: Clicks,
  seq = 1n,
): Promise<SignedTallyStruct> {
  const address = (await reader.getAddress()) as Address;
  return {
    signer: address,
    seq,
    sessionExpiry: 0n,
    creators: clicks.creators,
    counts: clicks.counts,
    signature: await signTally(reader, domain, { reader: address, epoch, seq, ...clicks }),
    sessionSignature: "0x",
  };
}

export interface SessionOptions {
  /** The reader's session nonce to sign with (default 0). */
  nonce?: number;
  seq?: bigint;
  /** The reader's address when `reader` signs for it (a contract wallet's owner key). */
  readerAddress?: Address;
}

/** Signs `clicks` for `reader` with a session key the reader delegates until `expiry`. */
export async function sessionSignedTally(
  reader: Signer,
  sessionKey: Signer,
  domain: Domain,
  epoch: bigint,
  clicks: Clicks,
  expiry: bigint,
  { nonce = 0, seq = 1n, readerAddress }: SessionOptions = {},
): Promise<SignedTallyStruct> {
  const address = readerAddress ?? ((await reader.getAddress()) as Address);
  const key = (await sessionKey.getAddress()) as Address;
  return {
    signer: key,
    seq,
    sessionExpiry: expiry,
    creators: clicks.creators,
    counts: clicks.counts,
    signature: await signTally(sessionKey, domain, { reader: address, epoch, seq, ...clicks }),
    sessionSignature: await signSession(reader, domain, { reader: address, key, expiry, nonce }),
  };
}

/** Orders tallies by signer, as `settle` requires. */
export function bySigner<T extends { signer: string }>(tallies: T[]): T[] {
  return [...tallies].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
}
