/**
 * What the button shows before anyone clicks, read without the signing code (no viem, no zod): the
 * few fields of plaudit.json it needs, the keeper's answers for the month and the item's count, and
 * from its own storage whether this reader applauded the item and whether this site holds a frame
 * grant. Hand-written checks, each refusing anything unexpected; nothing read here signs or sends
 * anything. The signing code (signing.ts) parses everything again with the full schemas.
 */
import { itemKey, keys, type Scope } from "../lib/recordKeys.js";
import type { KeyValueStore } from "../lib/storage.js";

export interface LightConfig {
  scope: Scope;
  startTime: number;
  epochLength: number;
  keeperUrl: string | undefined;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const DECIMAL = /^[0-9]{1,20}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const positiveInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/** The fields of plaudit.json the light button needs; throws naming the first bad one. */
export function parseLightConfig(text: string): LightConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("plaudit.json is not valid JSON");
  }
  if (!isRecord(json)) throw new Error("plaudit.json: file: not an object");
  const { chainId, pool, startTime, epochLength, keeperUrl } = json;
  if (!positiveInteger(chainId)) throw new Error("plaudit.json: chainId: not a positive integer");
  if (typeof pool !== "string" || !ADDRESS.test(pool)) throw new Error("plaudit.json: pool: not an address");
  if (!Number.isSafeInteger(startTime) || (startTime as number) < 0)
    throw new Error("plaudit.json: startTime: not a time");
  if (!positiveInteger(epochLength)) throw new Error("plaudit.json: epochLength: not a positive integer");
  let keeper: string | undefined;
  if (keeperUrl !== undefined) {
    if (typeof keeperUrl !== "string" || !/^https?:\/\//.test(keeperUrl))
      throw new Error("plaudit.json: keeperUrl: not an http(s) URL");
    keeper = keeperUrl.replace(/\/+$/, "");
  }
  return {
    scope: { chainId, pool: pool as Scope["pool"] },
    startTime: startTime as number,
    epochLength,
    keeperUrl: keeper,
  };
}

/** The month by this device's clock: only a fallback for display when the keeper is not there. */
export function epochByClock(config: LightConfig, nowMs: number): bigint {
  const seconds = Math.floor(nowMs / 1000);
  if (seconds < config.startTime) return 0n;
  return BigInt(Math.floor((seconds - config.startTime) / config.epochLength));
}

/** The keeper's `GET /v1/epochs/current` answer: its `epoch`, or undefined for anything unexpected. */
export function epochOfAnswer(body: unknown): bigint | undefined {
  if (!isRecord(body)) return undefined;
  const { epoch } = body;
  if (typeof epoch === "string" && DECIMAL.test(epoch)) return BigInt(epoch);
  if (Number.isSafeInteger(epoch) && (epoch as number) >= 0) return BigInt(epoch as number);
  return undefined;
}

/** The keeper's `GET /v1/items/clicks` answer: its `clicks`, or undefined for anything unexpected. */
export function clicksOfAnswer(body: unknown): number | undefined {
  if (!isRecord(body)) return undefined;
  const { clicks } = body;
  return Number.isSafeInteger(clicks) && (clicks as number) >= 0 ? (clicks as number) : undefined;
}

function readObject(store: KeyValueStore, key: string): Record<string, unknown> | undefined {
  const text = store.get(key);
  if (text === null) return undefined;
  try {
    const json: unknown = JSON.parse(text);
    return isRecord(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

/** The reader of this storage's frame grant for `epoch` (a hint: signing.ts checks the grant in full). */
export function grantReader(store: KeyValueStore, scope: Scope, epoch: bigint): string | undefined {
  const grant = readObject(store, keys.frameGrant(scope));
  if (grant === undefined || grant.epoch !== epoch.toString() || !isRecord(grant.session)) return undefined;
  const reader = grant.session.reader;
  return typeof reader === "string" && ADDRESS.test(reader) ? reader : undefined;
}

/** The reader who enabled one-click mode in this (first-party) storage, if any. */
export function activeReader(store: KeyValueStore, scope: Scope): string | undefined {
  const reader = store.get(keys.activeReader(scope));
  return reader !== null && ADDRESS.test(reader) ? reader : undefined;
}

/** Whether this storage's queue holds tallies not delivered yet. */
export function hasQueue(store: KeyValueStore, scope: Scope): boolean {
  const text = store.get(keys.outbox(scope));
  if (text === null) return false;
  try {
    const entries: unknown = JSON.parse(text);
    return Array.isArray(entries) && entries.length > 0;
  } catch {
    return false;
  }
}

/**
 * Whether `reader` applauded `item` in `epoch` from this storage: "counted" once nothing of it waits
 * in the queue, "queued" while it does, undefined when this storage signed no such click (or the
 * grant's click window did, listed in the grant).
 */
export function applauded(
  store: KeyValueStore,
  scope: Scope,
  reader: string,
  epoch: bigint,
  item: { creator: string; url: string },
): "counted" | "queued" | undefined {
  const key = itemKey(item);
  const grant = readObject(store, keys.frameGrant(scope));
  const inGrant =
    grant !== undefined && grant.epoch === epoch.toString() && Array.isArray(grant.items) && grant.items.includes(key);
  const signedHere = store.keys(keys.tallyPrefix(scope, reader as Scope["pool"], epoch)).some((name) => {
    const record = readObject(store, name);
    return record !== undefined && Array.isArray(record.items) && record.items.includes(key);
  });
  if (!signedHere) return inGrant ? "counted" : undefined;
  const queue: unknown = (() => {
    try {
      return JSON.parse(store.get(keys.outbox(scope)) ?? "[]");
    } catch {
      return [];
    }
  })();
  const waiting =
    Array.isArray(queue) &&
    queue.some(
      (entry) =>
        isRecord(entry) &&
        entry.item === item.url &&
        isRecord(entry.tally) &&
        typeof entry.tally.reader === "string" &&
        entry.tally.reader.toLowerCase() === reader.toLowerCase(),
    );
  return waiting ? "queued" : "counted";
}
