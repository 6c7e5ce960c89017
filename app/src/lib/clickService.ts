/**
 * One click on an item, in a first-party context (the pop-up, or the button when it is not
 * partitioned): finds the active one-click session, works out the epoch from chain time, records and
 * signs the click, then tries to deliver the outbox. A keeper outage never loses the click.
 */
import type { Address } from "viem";

import { epochAt, epochBounds, type EpochSchedule, type KeeperClient } from "@plaudit/protocol";
import type { AppDeployment } from "../config/deployment.js";
import { recordClick } from "./clicker.js";
import { describeError } from "./errors.js";
import type { Item } from "./item.js";
import type { Locks } from "./locks.js";
import { flush } from "./outbox.js";
import { lockNames } from "./records.js";
import { loadActiveSession, sessionCovers } from "./session.js";
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
  now: () => number;
}

export type ClickResult =
  | {
      status: "signed" | "already";
      epoch: string;
      creatorClicks: number;
      delivered: boolean;
      itemClicks?: number;
      note?: string;
    }
  | { status: "no-session" | "expired" | "not-started" | "error"; message: string };

export function scheduleOf(deployment: AppDeployment): EpochSchedule {
  return { startTime: BigInt(deployment.startTime), epochLength: BigInt(deployment.epochLength) };
}

export async function clickItem(env: ClickEnv, item: Item): Promise<ClickResult> {
  const scope = { chainId: env.deployment.chainId, pool: env.deployment.pool };
  const ctx = { tokenSymbol: env.deployment.tokenSymbol, tokenDecimals: env.deployment.tokenDecimals };
  try {
    const session = loadActiveSession(env.store, scope);
    if (session === undefined) {
      return { status: "no-session", message: "One-click mode is off in this browser. Turn it on in the Plaudit app." };
    }
    const schedule = scheduleOf(env.deployment);
    const time = await env.chainTime();
    if (time < schedule.startTime)
      return { status: "not-started", message: "The pool's first month has not started yet." };
    const epoch = epochAt(schedule, time);
    if (!sessionCovers(session, epochBounds(schedule, epoch).end)) {
      return { status: "expired", message: "One-click mode has expired. Renew it in the Plaudit app." };
    }
    if (env.sessionNonce !== undefined && (await env.sessionNonce(session.reader)) !== session.nonce) {
      return {
        status: "expired",
        message: "Your one-click key was revoked. Turn one-click mode on again in the Plaudit app.",
      };
    }
    const deps = { store: env.store, locks: env.locks, scope, now: env.now };
    const outcome = await recordClick(deps, session, epoch, item);
    let delivered = false;
    let note: string | undefined;
    let itemClicks: number | undefined;
    if (env.keeper === undefined) {
      note = "No keeper is configured; the click is kept in this browser.";
    } else {
      let result = await flush(deps, env.keeper);
      if (result.busy === true) {
        // Another tab is sending the queue (maybe this very tally): wait for it, then check again.
        await env.locks.run(lockNames.flush(scope), async () => undefined);
        result = await flush(deps, env.keeper);
      }
      delivered = result.waiting === 0 && result.failed === 0 && result.busy !== true;
      if (!delivered)
        note =
          result.lastError !== undefined
            ? `${result.lastError} The click is queued and will be retried.`
            : "The click is queued and will be sent shortly.";
      itemClicks = await env.keeper.itemClicks(item.creator, item.url, epoch).catch(() => undefined);
    }
    return {
      status: outcome.status,
      epoch: epoch.toString(),
      creatorClicks: outcome.creatorClicks,
      delivered,
      ...(itemClicks === undefined ? {} : { itemClicks }),
      ...(note === undefined ? {} : { note }),
    };
  } catch (error) {
    return { status: "error", message: describeError(error, ctx) };
  }
}
