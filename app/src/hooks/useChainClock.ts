/**
 * Chain time (the latest block) and the current epoch, read seldom and extrapolated locally between reads
 * (countdowns need seconds, not blocks).
 *
 * With an indexer the block comes from the indexer (`GET /v1/status`: its latest indexed block, HTTP and no
 * RPC), which is already the page's new-block signal (useLiveRefresh); should the indexer fail, or show no
 * new block for `INDEXER_STALL_MS` (stalled, or a chain making no blocks), the chain is read instead, at the
 * chain's pace, until the indexer shows a newer block than the chain gave. Without one, the latest block is read from the chain once per
 * `CHAIN_POLL_MS`. Either way a read is also scheduled just after the predicted epoch boundary, so a new
 * month shows promptly, and no read is made while the tab is hidden (react-query's `refetchInterval`
 * pauses in the background; the tab reads again when it is shown).
 *
 * `nextReading`, `chainNow` and `msUntilNextRead` decide (pure, tested); `chainTimeQuery` reads.
 */
import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { PublicClient } from "viem";

import { epochAt, epochBounds, type EpochBounds, type EpochSchedule, type IndexerClient } from "@plaudit/protocol";
import { useServices } from "./services.js";

export interface ChainClock {
  /** Seconds, extrapolated from the latest block with the local clock. */
  now: bigint;
  epoch: bigint;
  bounds: EpochBounds;
  started: boolean;
}

/** How often the indexer's latest block is read (HTTP, no RPC; the indexer's own new-block signal). */
export const INDEXER_POLL_MS = 4000;
/** How often the chain's latest block is read when there is no indexer (about a mainnet block). */
export const CHAIN_POLL_MS = 12_000;
/** How long after the predicted boundary the read is made (the boundary's block needs to exist). */
export const BOUNDARY_SLACK_MS = 1000;
/** An indexer showing no new block for this long is not trusted for the time: the chain is read. */
export const INDEXER_STALL_MS = 60_000;
/** After a boundary passed without a block of the new epoch, how often to look again... */
export const BOUNDARY_RETRY_MS = 3000;
/** ...for this long after the boundary; then the ordinary poll (a chain that makes no blocks). */
export const BOUNDARY_RETRY_WINDOW_MS = 30_000;

export type ChainTimeOrigin = "indexer" | "chain";

/** A block as seen, with when this page first saw it (the origin of the local extrapolation) and from where. */
export interface ChainTimeReading {
  time: bigint;
  number: bigint;
  seenAt: number;
  from: ChainTimeOrigin;
}

/**
 * The reading after observing `block` at `nowMs`: the same block keeps the time it was first seen, and an
 * older one (an indexer behind the chain's block read before) never moves the clock back.
 */
export function nextReading(
  previous: ChainTimeReading | undefined,
  block: { time: bigint; number: bigint },
  from: ChainTimeOrigin,
  nowMs: number,
): ChainTimeReading {
  if (previous !== undefined && block.number <= previous.number) {
    return previous.from === from ? previous : { ...previous, from };
  }
  return { time: block.time, number: block.number, seenAt: nowMs, from };
}

/**
 * Whether the indexer's `indexed` block is not to be trusted for the time: it is no newer than `previous`,
 * and `previous` came from the chain (the indexer has not caught up since) or was first seen long ago.
 */
export function indexerStalled(
  previous: ChainTimeReading | undefined,
  indexed: { number: bigint },
  nowMs: number,
): boolean {
  if (previous === undefined || indexed.number > previous.number) return false;
  return previous.from === "chain" || nowMs - previous.seenAt >= INDEXER_STALL_MS;
}

/** Chain time at `nowMs`: the block's time plus the whole seconds since it was seen. */
export function chainNow(reading: ChainTimeReading, nowMs: number): bigint {
  return reading.time + BigInt(Math.max(0, Math.floor((nowMs - reading.seenAt) / 1000)));
}

/** The chain time at which the epoch of a block at `time` ends (or the schedule starts). */
export function nextBoundary(schedule: EpochSchedule, time: bigint): bigint {
  if (time < schedule.startTime) return schedule.startTime;
  return epochBounds(schedule, epochAt(schedule, time)).end;
}

/**
 * When to read the latest block again: after `pollMs`, or just after the predicted boundary if that comes
 * first; once a boundary has passed with no block of the new epoch seen, every `BOUNDARY_RETRY_MS` for
 * `BOUNDARY_RETRY_WINDOW_MS`.
 */
export function msUntilNextRead(
  reading: ChainTimeReading | undefined,
  nowMs: number,
  schedule: EpochSchedule,
  pollMs: number,
): number {
  if (reading === undefined) return pollMs;
  const boundaryAt = reading.seenAt + Number(nextBoundary(schedule, reading.time) - reading.time) * 1000;
  const untilBoundary = boundaryAt + BOUNDARY_SLACK_MS - nowMs;
  if (untilBoundary > 0) return Math.min(pollMs, untilBoundary);
  if (-untilBoundary < BOUNDARY_RETRY_WINDOW_MS) return Math.min(pollMs, BOUNDARY_RETRY_MS);
  return pollMs;
}

/** Where the latest block is read: the indexer (falling back to the chain) or the chain. */
export interface ChainTimeSource {
  client: Pick<PublicClient, "getBlock">;
  indexer: Pick<IndexerClient, "indexedBlock"> | undefined;
  schedule: EpochSchedule;
}

async function readClock(
  { client, indexer }: ChainTimeSource,
  previous: ChainTimeReading | undefined,
): Promise<ChainTimeReading> {
  if (indexer !== undefined) {
    const indexed = await indexer.indexedBlock().catch(() => null);
    if (indexed !== null && !indexerStalled(previous, indexed, Date.now())) {
      return nextReading(previous, { time: indexed.timestamp, number: indexed.number }, "indexer", Date.now());
    }
  }
  const latest = await client.getBlock({ blockTag: "latest" });
  return nextReading(previous, { time: latest.timestamp, number: latest.number }, "chain", Date.now());
}

/** The latest block's reading, shared by every hook that asks (one query per source). */
export function chainTimeQuery(source: ChainTimeSource, queryClient: QueryClient) {
  const queryKey = ["chain-time", source.indexer === undefined ? "chain" : "indexer"] as const;
  // The indexer's pace while it serves the time, the chain's once the chain had to be read.
  const pollMs = (reading: ChainTimeReading | undefined) =>
    source.indexer !== undefined && reading?.from !== "chain" ? INDEXER_POLL_MS : CHAIN_POLL_MS;
  return {
    queryKey,
    queryFn: () => readClock(source, queryClient.getQueryData<ChainTimeReading>(queryKey)),
    // Fresh until the next scheduled read: a page that mounts more hooks does not read again.
    staleTime: source.indexer === undefined ? CHAIN_POLL_MS : INDEXER_POLL_MS,
    refetchInterval: (query: { state: { data: ChainTimeReading | undefined } }) =>
      msUntilNextRead(query.state.data, Date.now(), source.schedule, pollMs(query.state.data)),
  };
}

export function useChainClock() {
  const { client, indexer, schedule } = useServices();
  const queryClient = useQueryClient();
  const block = useQuery(chainTimeQuery({ client, indexer, schedule }, queryClient));
  const [tick, setTick] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setTick(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  let clock: ChainClock | undefined;
  if (block.data !== undefined) {
    // The epoch follows the chain's latest block, as the pool does; the countdown runs on locally.
    const epoch = epochAt(schedule, block.data.time);
    clock = {
      now: chainNow(block.data, tick),
      epoch,
      bounds: epochBounds(schedule, epoch),
      started: block.data.time >= schedule.startTime,
    };
  }
  return { clock, isLoading: block.isLoading, error: block.error };
}
