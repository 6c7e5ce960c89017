/**
 * A frame grant: what the first-party click window hands a partitioned button frame once the reader
 * approved, in that window, that this site's buttons may sign for the rest of this month without a
 * window. It holds the reader's one-click session (the only kind of key the pool accepts without a
 * wallet signature per key), the month it is good for, and the site the reader approved. It lives
 * only in that frame's partitioned storage (one site), is deleted when its month is over or the key
 * was revoked, and is never written to the dApp's first-party storage.
 */
import type { Address } from "viem";
import { z } from "zod";

import { epochBounds, type EpochSchedule } from "@plaudit/protocol";
import { keys, type Scope } from "./recordKeys.js";
import { storedSessionSchema, type StoredSession } from "./records.js";
import { sessionCovers } from "./session.js";
import { readJson, writeJson, type KeyValueStore } from "./storage.js";

const decimal = z.string().regex(/^[0-9]{1,20}$/);

/** Longest site name a grant names (a DNS name, or an origin's host). */
export const MAX_SITE_LENGTH = 253;
/** At most this many items ride along as "already applauded this month" (the click that opened the window). */
export const MAX_GRANT_ITEMS = 8;

export const frameGrantSchema = z.strictObject({
  version: z.literal(1),
  /** The site whose buttons the reader approved (what the window showed). */
  site: z.string().min(1).max(MAX_SITE_LENGTH),
  /** The month the grant is good for. */
  epoch: decimal,
  /** That month's end (unix seconds); the grant is dropped from then on. */
  until: decimal,
  session: storedSessionSchema,
  /** Items the reader applauded in the window this month (`itemKey` form), so the frame does not count them twice. */
  items: z.array(z.string().max(2200)).max(MAX_GRANT_ITEMS),
  grantedAt: z.number().int().nonnegative(),
});
export type FrameGrant = z.output<typeof frameGrantSchema>;

export type GrantProblem =
  /** The grant is for another month: the next click on this site asks in a window again. */
  | "other-month"
  /** The session key's delegation ends before this month does. */
  | "expired"
  /** The reader revoked its session keys on chain (`revokeSessions`). */
  | "revoked";

/**
 * What the window hands over for `epoch`, or why it cannot: the session must cover the whole month.
 * Pure: `now` is the caller's clock (ms), `site` what the window showed the reader.
 */
export function grantFor(
  session: StoredSession,
  schedule: EpochSchedule,
  epoch: bigint,
  site: string,
  items: readonly string[],
  now: number,
): FrameGrant | { problem: "expired" } {
  const { end } = epochBounds(schedule, epoch);
  if (!sessionCovers(session, end)) return { problem: "expired" };
  return frameGrantSchema.parse({
    version: 1,
    site,
    epoch: epoch.toString(),
    until: end.toString(),
    session,
    items: items.slice(0, MAX_GRANT_ITEMS),
    grantedAt: now,
  });
}

/**
 * Whether `grant` may sign a click of `epoch`, given the reader's session nonce on chain (undefined
 * when it could not be read: the keeper and the pool still refuse a revoked key).
 */
export function grantProblem(
  grant: FrameGrant,
  epoch: bigint,
  sessionNonce: number | undefined,
): GrantProblem | undefined {
  if (BigInt(grant.epoch) !== epoch) return "other-month";
  if (!sessionCovers(grant.session, BigInt(grant.until))) return "expired";
  if (sessionNonce !== undefined && sessionNonce !== grant.session.nonce) return "revoked";
  return undefined;
}

/** The frame's grant, if any; a corrupt record is removed (and reads as none). */
export function loadFrameGrant(store: KeyValueStore, scope: Scope): FrameGrant | undefined {
  try {
    return readJson(store, keys.frameGrant(scope), frameGrantSchema);
  } catch {
    store.remove(keys.frameGrant(scope));
    return undefined;
  }
}

export function saveFrameGrant(store: KeyValueStore, scope: Scope, grant: FrameGrant): void {
  writeJson(store, keys.frameGrant(scope), frameGrantSchema.parse(grant));
}

/** Deletes the grant, and with it the only copy of the session key in this partition. */
export function clearFrameGrant(store: KeyValueStore, scope: Scope): void {
  store.remove(keys.frameGrant(scope));
}

/** The session of `reader` with key `signer` that the grant holds, for re-signing queued tallies. */
export function grantSession(
  grant: FrameGrant | undefined,
  reader: Address,
  signer: Address,
): StoredSession | undefined {
  if (grant === undefined) return undefined;
  const { session } = grant;
  return BigInt(session.reader) === BigInt(reader) && BigInt(session.key) === BigInt(signer) ? session : undefined;
}
