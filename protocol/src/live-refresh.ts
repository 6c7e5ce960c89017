/**
 * When a page should read an account's live state again (balances, this epoch's budget, claimable)
 * without polling the chain on a timer. With an indexer, the indexer is the new-block signal: the page
 * polls it (HTTP, no RPC) for the last block that named the account and for how far it has indexed, and
 * reads the chain only when the account was named by a new event or a new epoch began; one cheap
 * `eth_blockNumber` now and then checks that the indexer keeps up, and if it does not the page falls
 * back to reading on every new block. Without an indexer, every new block is the signal.
 *
 * `refreshDecision` decides (pure, tested); `watchAccountActivity` polls and calls back.
 */
import type { Address } from "viem";

import { epochAt, type EpochSchedule } from "./epochs.js";
import type { IndexerClient } from "./indexer-api.js";

export type RefreshReason = "start" | "activity" | "epoch" | "block";

/** What the watcher last saw. */
export interface RefreshState {
  lastActivityBlock: bigint | null;
  epoch: bigint | null;
  chainBlock: bigint | null;
}

export const INITIAL_REFRESH_STATE: RefreshState = { lastActivityBlock: null, epoch: null, chainBlock: null };

/** One look: at the indexer (activity and indexed block time), or at the chain's head block. */
export type RefreshObservation =
  | { source: "indexer"; lastActivityBlock: bigint | null; indexedTimestamp: bigint }
  | { source: "chain"; block: bigint };

/** Whether `observation` calls for reading live state again, and the state to keep. */
export function refreshDecision(
  state: RefreshState,
  observation: RefreshObservation,
  schedule: EpochSchedule,
): { state: RefreshState; reason: RefreshReason | null } {
  if (observation.source === "chain") {
    const reason = state.chainBlock === null ? "start" : observation.block > state.chainBlock ? "block" : null;
    return { state: { ...state, chainBlock: observation.block }, reason };
  }
  const epoch = epochAt(schedule, observation.indexedTimestamp);
  const next = { ...state, lastActivityBlock: observation.lastActivityBlock, epoch };
  if (state.epoch === null) return { state: next, reason: "start" };
  if (observation.lastActivityBlock !== state.lastActivityBlock) return { state: next, reason: "activity" };
  if (epoch !== state.epoch) return { state: next, reason: "epoch" };
  return { state: next, reason: null };
}

export interface WatchAccountActivityOptions {
  address: Address;
  schedule: EpochSchedule;
  /** The indexer; null to watch the chain's head only. */
  indexer: IndexerClient | null;
  /** The chain's head block (one `eth_blockNumber`). */
  chainHead: () => Promise<bigint>;
  /** Reads live state again; errors are the caller's to handle. */
  onRefresh: (reason: RefreshReason) => void | Promise<void>;
  /** How often the indexer is asked (default 4 s). */
  indexerPollMs?: number;
  /** How often the chain's head is read when there is no usable indexer (default 12 s, a mainnet block). */
  chainPollMs?: number;
  /** How often the chain's head is compared with the indexer's (default 60 s). */
  heartbeatMs?: number;
  /** Blocks the indexer may lag the chain before the chain becomes the signal (default 64). */
  maxIndexerLag?: bigint;
}

export interface AccountWatcher {
  /** Whether the indexer is the signal now (false: it is missing, failing or behind). */
  usingIndexer(): boolean;
  stop(): void;
}

export function watchAccountActivity(options: WatchAccountActivityOptions): AccountWatcher {
  const indexerPollMs = options.indexerPollMs ?? 4000;
  const chainPollMs = options.chainPollMs ?? 12_000;
  const heartbeatMs = options.heartbeatMs ?? 60_000;
  const maxLag = options.maxIndexerLag ?? 64n;
  let state = INITIAL_REFRESH_STATE;
  let indexerHealthy = options.indexer !== null;
  let lastHeartbeat = Date.now();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function observe(observation: RefreshObservation) {
    const decision = refreshDecision(state, observation, options.schedule);
    state = decision.state;
    if (decision.reason !== null) await options.onRefresh(decision.reason);
  }

  async function tick() {
    const indexer = options.indexer;
    if (indexer !== null) {
      try {
        const [lastActivityBlock, indexed] = await Promise.all([
          indexer.lastActivity(options.address),
          indexer.indexedBlock(),
        ]);
        if (indexed === null) throw new Error("the indexer has indexed nothing yet");
        if (Date.now() - lastHeartbeat >= heartbeatMs || !indexerHealthy) {
          lastHeartbeat = Date.now();
          const head = await options.chainHead();
          indexerHealthy = head - indexed.number <= maxLag;
          if (!indexerHealthy) await observe({ source: "chain", block: head });
        }
        if (indexerHealthy) {
          state = { ...state, chainBlock: null };
          await observe({ source: "indexer", lastActivityBlock, indexedTimestamp: indexed.timestamp });
        }
      } catch {
        indexerHealthy = false;
        await observe({ source: "chain", block: await options.chainHead() });
      }
    } else {
      await observe({ source: "chain", block: await options.chainHead() });
    }
  }

  const loop = async () => {
    if (stopped) return;
    try {
      await tick();
    } catch {
      // A failed look is retried at the next tick.
    }
    if (!stopped) timer = setTimeout(() => void loop(), indexerHealthy ? indexerPollMs : chainPollMs);
  };
  void loop();

  return {
    usingIndexer: () => indexerHealthy,
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
