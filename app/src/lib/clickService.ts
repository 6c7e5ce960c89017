/**
 * One click on an item wherever this browser may sign it: the click window, the dApp's own origin (the
 * button when it is not partitioned, or through a Storage Access handle), or a partitioned button frame
 * with a frame grant. Finds the session, works out the month from chain time, refuses a revoked or
 * expired key, records and signs the click, tries to deliver the queue, and says what the click came
 * to: counted only when a keeper stored it; queued (with why) when it is kept; refused otherwise. A
 * keeper outage never loses the click.
 */
import type { Address } from "viem";

import { epochAt, epochBounds, type EpochSchedule, type KeeperClient } from "@plaudit/protocol";
import type { AppDeployment } from "../config/deployment.js";
import type { ClickOutcome, QueuedReason } from "./clickFeedback.js";
import { ClickRefused, recordClick } from "./clicker.js";
import { describeError } from "./errors.js";
import type { Item } from "./item.js";
import type { Locks } from "./locks.js";
import { flush, pendingEntries, type FlushResult } from "./outbox.js";
import { lockNames } from "./recordKeys.js";
import type { OutboxEntry, StoredSession } from "./records.js";
import { clearSession, loadActiveSession, sessionCovers } from "./session.js";
import type { KeyValueStore } from "./storage.js";

export interface ClickEnv {
  deployment: AppDeployment;
  store: KeyValueStore;
  locks: Locks;
  keeper: KeeperClient | undefined;
  /** Seconds, from the chain's latest block. */
  chainTime: () => Promise<bigint>;
  /** The reader's session nonce on chain; a session signed with an older one was revoked. */
  sessionNonce?: (reader: Address) => Promise<number>;
  /** The reader's budget for a month, on chain: a click of a month without one is kept, not counted. */
  budget?: (reader: Address, epoch: bigint) => Promise<bigint>;
  now: () => number;
  /** The session that signs here; default: the one the reader enabled in this (first-party) storage. */
  session?: () => StoredSession | undefined;
  /** The same, by reader and key, for re-signing queued tallies (see outbox.ts). */
  sessionFor?: (reader: Address, signer: Address) => StoredSession | undefined;
  /** Items already counted this month elsewhere (a frame grant's), in `itemKey` form. */
  countedElsewhere?: readonly string[];
}

/** What a click came to, with the month it was made in (when it got that far). */
export type ClickResult = ClickOutcome & { epoch?: string; reader?: Address };

export function scheduleOf(deployment: AppDeployment): EpochSchedule {
  return { startTime: BigInt(deployment.startTime), epochLength: BigInt(deployment.epochLength) };
}

/**
 * Why the reader's waiting click is not counted yet: the month has no budget (on chain, or the keeper
 * said so), the keeper could not be reached, or it is merely waiting for its next attempt.
 */
export function queuedReason(waiting: readonly OutboxEntry[], budget: bigint | undefined): QueuedReason {
  if (budget === 0n || waiting.some((entry) => entry.lastCode === "no_budget")) return "no-budget";
  if (waiting.some((entry) => entry.lastCode === "unreachable")) return "offline";
  return "retrying";
}

export async function clickItem(env: ClickEnv, item: Item): Promise<ClickResult> {
  const scope = { chainId: env.deployment.chainId, pool: env.deployment.pool };
  const ctx = { tokenSymbol: env.deployment.tokenSymbol, tokenDecimals: env.deployment.tokenDecimals };
  try {
    const session = env.session === undefined ? loadActiveSession(env.store, scope) : env.session();
    if (session === undefined) return { status: "no-session" };
    const schedule = scheduleOf(env.deployment);
    const time = await env.chainTime();
    if (time < schedule.startTime) return { status: "not-started" };
    const epoch = epochAt(schedule, time);
    const reader = session.reader;
    const made = { epoch: epoch.toString(), reader };
    if (!sessionCovers(session, epochBounds(schedule, epoch).end)) {
      // An expired key signs nothing the pool would take any more, and a key kept is a key that can leak.
      if (env.session === undefined) clearSession(env.store, scope, reader);
      return { status: "expired", ...made };
    }
    const budgetRead = env.budget?.(reader, epoch).catch(() => undefined);
    if (env.sessionNonce !== undefined && (await env.sessionNonce(reader)) !== session.nonce)
      return { status: "revoked", ...made };
    const deps = {
      store: env.store,
      locks: env.locks,
      scope,
      token: env.deployment.token,
      now: env.now,
      ...(env.sessionFor === undefined ? {} : { sessionFor: env.sessionFor }),
      ...(env.countedElsewhere === undefined ? {} : { countedElsewhere: env.countedElsewhere }),
    };
    const recorded = await recordClick(deps, session, epoch, item);
    let result: FlushResult | undefined;
    let itemClicks: number | undefined;
    if (env.keeper !== undefined) {
      result = await flush(deps, env.keeper);
      if (result.busy === true) {
        // Another tab is sending the queue (maybe this very tally): wait for it, then check again.
        await env.locks.run(lockNames.flush(scope), async () => undefined);
        result = await flush(deps, env.keeper);
      }
      itemClicks = await env.keeper.itemClicks(item.creator, item.url, epoch).catch(() => undefined);
    }
    const clicks = itemClicks === undefined ? {} : { itemClicks };
    // This click (or the earlier one of "already") is counted once no entry of it waits in the queue.
    const waiting = pendingEntries(deps).filter(
      (entry) => entry.item === item.url && BigInt(entry.tally.reader) === BigInt(reader),
    );
    if (waiting.some((entry) => entry.failed === true))
      return { status: "refused", code: result?.lastCode ?? "refused", ...made };
    let pending: QueuedReason | undefined;
    if (env.keeper === undefined) pending = "no-keeper";
    else if (waiting.length > 0) pending = queuedReason(waiting, await budgetRead);
    if (recorded.status === "already")
      return { status: "already", ...(pending === undefined ? {} : { pending }), ...clicks, ...made };
    if (pending !== undefined) return { status: "queued", reason: pending, ...clicks, ...made };
    return { status: "counted", ...clicks, ...made };
  } catch (error) {
    if (error instanceof ClickRefused) return { status: "refused", code: "bad_clicks" };
    return { status: "error", message: describeError(error, ctx) };
  }
}
