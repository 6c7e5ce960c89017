/**
 * One-click mode: the reader signs one EIP-712 `Session` that lets a fresh key, kept in this browser's
 * first-party storage, sign the reader's tallies of every epoch ending by `expiry`. The key can only
 * sign clicks (it holds no funds and moves none); the reader can revoke it on chain at any time.
 */
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { epochBounds, plauditDomain, sessionTypedData, type EpochSchedule } from "@plaudit/protocol";
import { keys, storedSessionSchema, type Scope, type StoredSession } from "./records.js";
import { readJson, writeJson, type KeyValueStore } from "./storage.js";

export interface PendingSession {
  privateKey: Hex;
  key: Address;
  expiry: bigint;
  /** The reader's current session nonce (`sessionNonceOf`); `revokeSessions` moves it on. */
  nonce: number;
}

/** A new key, delegated until the end of the epoch `epochs - 1` epochs after `currentEpoch`. */
export function newSessionKey(
  schedule: EpochSchedule,
  currentEpoch: bigint,
  epochs: number,
  nonce: number,
): PendingSession {
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError("one-click mode lasts at least one epoch");
  const privateKey = generatePrivateKey();
  const expiry = epochBounds(schedule, currentEpoch + BigInt(epochs - 1)).end;
  return { privateKey, key: privateKeyToAccount(privateKey).address, expiry, nonce };
}

/** What the reader's wallet signs to delegate `pending.key`. */
export function sessionRequest(scope: Scope, reader: Address, pending: PendingSession) {
  return sessionTypedData(plauditDomain(scope.chainId, scope.pool), {
    reader,
    key: pending.key,
    expiry: pending.expiry,
    nonce: pending.nonce,
  });
}

export function saveSession(
  store: KeyValueStore,
  scope: Scope,
  reader: Address,
  pending: PendingSession,
  signature: Hex,
  now: number,
): StoredSession {
  const record = storedSessionSchema.parse({
    reader,
    key: pending.key,
    privateKey: pending.privateKey,
    expiry: pending.expiry.toString(),
    nonce: pending.nonce,
    signature,
    createdAt: now,
  });
  writeJson(store, keys.session(scope, reader), record);
  store.set(keys.activeReader(scope), reader);
  return record;
}

export function loadSession(store: KeyValueStore, scope: Scope, reader: Address): StoredSession | undefined {
  try {
    return readJson(store, keys.session(scope, reader), storedSessionSchema);
  } catch {
    store.remove(keys.session(scope, reader));
    return undefined;
  }
}

/** The session of the reader who last enabled one-click mode in this browser (the button's reader). */
export function loadActiveSession(store: KeyValueStore, scope: Scope): StoredSession | undefined {
  const reader = store.get(keys.activeReader(scope));
  if (reader === null || !/^0x[0-9a-fA-F]{40}$/.test(reader)) return undefined;
  return loadSession(store, scope, reader as Address);
}

/** Deletes the key from this browser. Revoking it on chain as well is the reader's choice. */
export function clearSession(store: KeyValueStore, scope: Scope, reader: Address): void {
  store.remove(keys.session(scope, reader));
  if (store.get(keys.activeReader(scope))?.toLowerCase() === reader.toLowerCase())
    store.remove(keys.activeReader(scope));
}

/** Whether the session may sign tallies of an epoch ending at `epochEnd` (seconds). */
export function sessionCovers(session: StoredSession, epochEnd: bigint): boolean {
  return BigInt(session.expiry) >= epochEnd;
}

export function sessionAccount(session: StoredSession): PrivateKeyAccount {
  const account = privateKeyToAccount(session.privateKey as Hex);
  if (account.address !== session.key) throw new Error("stored session key does not match its address");
  return account;
}
