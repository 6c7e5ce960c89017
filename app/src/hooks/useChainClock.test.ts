import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// react-query runs no refetch intervals where there is no `window` (it takes that for a server): this
// test drives the real scheduling, so it gives node one before react-query is loaded.
vi.hoisted(() => {
  Object.assign(globalThis, { window: globalThis });
});

import { QueryClient, QueryObserver } from "@tanstack/react-query";

import { epochAt, type EpochSchedule } from "@plaudit/protocol";
import {
  BOUNDARY_RETRY_MS,
  BOUNDARY_RETRY_WINDOW_MS,
  BOUNDARY_SLACK_MS,
  CHAIN_POLL_MS,
  INDEXER_POLL_MS,
  INDEXER_STALL_MS,
  chainNow,
  chainTimeQuery,
  indexerStalled,
  msUntilNextRead,
  nextBoundary,
  nextReading,
  type ChainTimeReading,
} from "./useChainClock.js";

const schedule: EpochSchedule = { startTime: 1_000_000n, epochLength: 3600n };
const END_OF_EPOCH_0 = schedule.startTime + schedule.epochLength;
const reading = (time: bigint, seenAt = 0, number = 100n): ChainTimeReading => ({
  time,
  number,
  seenAt,
  from: "chain",
});

describe("nextReading", () => {
  it("keeps the time a block was first seen when the same block is seen again", () => {
    const first = nextReading(undefined, { time: 500n, number: 7n }, "indexer", 1000);
    expect(nextReading(first, { time: 500n, number: 7n }, "indexer", 9000)).toEqual({
      time: 500n,
      number: 7n,
      seenAt: 1000,
      from: "indexer",
    });
  });

  it("starts the extrapolation again from a new block", () => {
    const first = nextReading(undefined, { time: 500n, number: 7n }, "chain", 1000);
    expect(nextReading(first, { time: 512n, number: 8n }, "chain", 13_000)).toEqual({
      time: 512n,
      number: 8n,
      seenAt: 13_000,
      from: "chain",
    });
  });

  it("never moves the clock back to an older block (an indexer behind the chain's block)", () => {
    const chainBlock = nextReading(undefined, { time: 600n, number: 9n }, "chain", 1000);
    expect(nextReading(chainBlock, { time: 500n, number: 7n }, "indexer", 2000)).toMatchObject({
      time: 600n,
      number: 9n,
      seenAt: 1000,
    });
  });
});

describe("indexerStalled", () => {
  it("is true once the indexer has shown no newer block for INDEXER_STALL_MS", () => {
    const seen: ChainTimeReading = { ...reading(500n, 1000, 7n), from: "indexer" };
    expect(indexerStalled(seen, { number: 7n }, 1000 + INDEXER_STALL_MS - 1)).toBe(false);
    expect(indexerStalled(seen, { number: 7n }, 1000 + INDEXER_STALL_MS)).toBe(true);
    expect(indexerStalled(seen, { number: 8n }, 1000 + INDEXER_STALL_MS)).toBe(false);
    expect(indexerStalled(undefined, { number: 7n }, INDEXER_STALL_MS)).toBe(false);
  });

  it("stays true after the chain had to be read, until the indexer shows a newer block than the chain's", () => {
    const fromChain = reading(500n, 1000, 7n);
    expect(indexerStalled(fromChain, { number: 7n }, 1001)).toBe(true);
    expect(indexerStalled(fromChain, { number: 8n }, 1001)).toBe(false);
  });
});

describe("chainNow", () => {
  it("adds the whole seconds since the block was seen to its time", () => {
    expect(chainNow(reading(500n, 1000), 1000)).toBe(500n);
    expect(chainNow(reading(500n, 1000), 4999)).toBe(503n);
  });

  it("never runs before the block's time (a local clock behind the read)", () => {
    expect(chainNow(reading(500n, 1000), 0)).toBe(500n);
  });
});

describe("nextBoundary", () => {
  it("is the start of the schedule before it starts, then the end of the block's epoch", () => {
    expect(nextBoundary(schedule, schedule.startTime - 10n)).toBe(schedule.startTime);
    expect(nextBoundary(schedule, schedule.startTime)).toBe(END_OF_EPOCH_0);
    expect(nextBoundary(schedule, END_OF_EPOCH_0 - 1n)).toBe(END_OF_EPOCH_0);
  });
});

describe("msUntilNextRead", () => {
  it("reads after the poll interval when the boundary is further away", () => {
    expect(msUntilNextRead(reading(schedule.startTime), 0, schedule, CHAIN_POLL_MS)).toBe(CHAIN_POLL_MS);
  });

  it("reads just after the predicted boundary when it comes before the next poll", () => {
    const fiveBefore = reading(END_OF_EPOCH_0 - 5n, 10_000);
    expect(msUntilNextRead(fiveBefore, 10_000, schedule, CHAIN_POLL_MS)).toBe(5000 + BOUNDARY_SLACK_MS);
    // Two seconds later, by the local clock, three seconds are left.
    expect(msUntilNextRead(fiveBefore, 12_000, schedule, CHAIN_POLL_MS)).toBe(3000 + BOUNDARY_SLACK_MS);
  });

  it("schedules the first read of the schedule's start like a boundary", () => {
    expect(msUntilNextRead(reading(schedule.startTime - 2n), 0, schedule, CHAIN_POLL_MS)).toBe(
      2000 + BOUNDARY_SLACK_MS,
    );
  });

  it("looks again soon while a passed boundary has no block of the new epoch, then falls back to the poll", () => {
    const stale = reading(END_OF_EPOCH_0 - 1n, 0);
    const justAfter = 1000 + BOUNDARY_SLACK_MS + 1;
    expect(msUntilNextRead(stale, justAfter, schedule, CHAIN_POLL_MS)).toBe(BOUNDARY_RETRY_MS);
    const longAfter = 1000 + BOUNDARY_SLACK_MS + BOUNDARY_RETRY_WINDOW_MS;
    expect(msUntilNextRead(stale, longAfter, schedule, CHAIN_POLL_MS)).toBe(CHAIN_POLL_MS);
  });

  it("never waits longer than a poll shorter than the retry", () => {
    expect(msUntilNextRead(reading(END_OF_EPOCH_0 - 1n), 5000, schedule, 2000)).toBe(2000);
  });
});

describe("chainTimeQuery", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  /** A chain whose head block is whatever `head` says, counting the reads of each source. */
  function world(
    head: { time: bigint; number: bigint },
    {
      withIndexer,
      indexerDown = false,
      indexerHead = head,
    }: { withIndexer: boolean; indexerDown?: boolean; indexerHead?: { time: bigint; number: bigint } },
  ) {
    const reads = { chain: 0, indexer: 0 };
    const client = {
      getBlock: vi.fn(async () => {
        reads.chain++;
        return { timestamp: head.time, number: head.number };
      }),
    };
    const indexer = {
      indexedBlock: vi.fn(async () => {
        reads.indexer++;
        if (indexerDown) throw new Error("indexer unreachable");
        return { timestamp: indexerHead.time, number: indexerHead.number };
      }),
    };
    const queryClient = new QueryClient();
    const source = {
      client: client as unknown as Parameters<typeof chainTimeQuery>[0]["client"],
      indexer: withIndexer ? indexer : undefined,
      schedule,
    };
    const observer = new QueryObserver(queryClient, chainTimeQuery(source, queryClient));
    const seen: ChainTimeReading[] = [];
    const unsubscribe = observer.subscribe((result) => {
      if (result.data !== undefined && seen.at(-1) !== result.data) seen.push(result.data);
    });
    return {
      reads,
      seen,
      stop: () => {
        unsubscribe();
        queryClient.clear();
      },
    };
  }

  it("with an indexer, follows the indexer's block and asks the chain nothing", async () => {
    const head = { time: schedule.startTime + 10n, number: 50n };
    const w = world(head, { withIndexer: true });
    await vi.advanceTimersByTimeAsync(0);
    head.time += 12n;
    head.number += 1n;
    await vi.advanceTimersByTimeAsync(3 * INDEXER_POLL_MS);
    expect(w.reads.chain).toBe(0);
    expect(w.reads.indexer).toBeGreaterThan(1);
    expect(w.seen.at(-1)).toMatchObject({ time: head.time, number: head.number });
    w.stop();
  });

  it("reads the chain when the indexer fails", async () => {
    const head = { time: schedule.startTime + 10n, number: 50n };
    const w = world(head, { withIndexer: true, indexerDown: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(w.reads.chain).toBe(1);
    expect(w.seen.at(-1)).toMatchObject({ time: head.time, number: head.number });
    w.stop();
  });

  it("hands the time to the chain, at the chain's pace, when the indexer shows no new block for a while", async () => {
    const head = { time: schedule.startTime + 10n, number: 50n };
    const stuck = { ...head };
    const w = world(head, { withIndexer: true, indexerHead: stuck });
    await vi.advanceTimersByTimeAsync(0);
    head.time += 24n;
    head.number += 2n;
    await vi.advanceTimersByTimeAsync(INDEXER_STALL_MS + INDEXER_POLL_MS);
    expect(w.seen.at(-1)).toMatchObject({ number: head.number, from: "chain" });
    const chainReads = w.reads.chain;
    await vi.advanceTimersByTimeAsync(5 * CHAIN_POLL_MS);
    // A minute at the chain's pace: five reads (at the indexer's pace it would be fifteen).
    expect(w.reads.chain - chainReads).toBe(5);
    // The indexer catches up and passes the chain's block: it serves the time again.
    stuck.time = head.time + 12n;
    stuck.number = head.number + 1n;
    await vi.advanceTimersByTimeAsync(CHAIN_POLL_MS);
    expect(w.seen.at(-1)).toMatchObject({ number: stuck.number, from: "indexer" });
    w.stop();
  });

  it("without an indexer, reads the chain once per chain poll while nothing is due", async () => {
    const head = { time: schedule.startTime + 10n, number: 50n };
    const w = world(head, { withIndexer: false });
    await vi.advanceTimersByTimeAsync(0);
    const first = w.reads.chain;
    await vi.advanceTimersByTimeAsync(5 * CHAIN_POLL_MS - 1);
    // The first read, then one per poll: a minute costs five reads, not fifteen.
    expect(w.reads.chain - first).toBe(4);
    w.stop();
  });

  it("shows the new epoch right after the boundary, before the next poll was due", async () => {
    const head = { time: END_OF_EPOCH_0 - 3n, number: 50n };
    const w = world(head, { withIndexer: false });
    await vi.advanceTimersByTimeAsync(0);
    expect(epochAt(schedule, w.seen.at(-1)!.time)).toBe(0n);
    // The chain passes the boundary: its next block is of epoch 1.
    head.time = END_OF_EPOCH_0 + 1n;
    head.number = 51n;
    await vi.advanceTimersByTimeAsync(3000 + BOUNDARY_SLACK_MS);
    expect(epochAt(schedule, w.seen.at(-1)!.time)).toBe(1n);
    expect(w.reads.chain).toBe(2);
    w.stop();
  });
});
