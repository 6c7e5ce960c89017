/**
 * The pool's logs without an indexer: read in bounded block ranges, kept, and resumed. One scanner per
 * page load holds every pool log read so far and the block it has read up to; each `sync()` reads only
 * the blocks after that (and the few newest ones again, in case of a reorg), one range at a time.
 *
 * The range starts at the deployment's `logRange` (a free tier's 10 blocks) or `DEFAULT_LOG_RANGE`, and
 * shrinks when the RPC answers that a query spans too many blocks or returns too many logs: to the range
 * it suggests when its message names one (Alchemy, Infura), else to half. A failed read keeps what was
 * read before it; the next `sync()` resumes there. Requests go one after another, never in parallel, so a
 * rate-limited RPC sees a steady trickle (429s are retried by the transport, with back-off).
 */
import { BaseError, type AbiEvent, type Address, type GetLogsReturnType, type PublicClient } from "viem";

import { plauditPoolAbi } from "@plaudit/protocol";

/** Blocks per `eth_getLogs` when the deployment names no limit (most paid tiers accept far more). */
export const DEFAULT_LOG_RANGE = 2000n;
/** Newest blocks read again at each sync: a reorg shallower than this is picked up. */
export const REORG_DEPTH = 5n;

/** The pool's events (every log of the pool decodes as one of them). */
const POOL_EVENTS = plauditPoolAbi.filter(
  (item): item is Extract<(typeof plauditPoolAbi)[number], AbiEvent> => item.type === "event",
);

/** A decoded pool log with every argument present (strict decoding drops the rest). */
export type PoolLog = GetLogsReturnType<undefined, typeof POOL_EVENTS, true>[number];

export interface LogScannerOptions {
  client: Pick<PublicClient, "getLogs" | "getBlockNumber">;
  pool: Address;
  /** The pool's deployment block: nothing before it is read. */
  fromBlock: bigint;
  /** The largest range the RPC accepts, in blocks; unset: `DEFAULT_LOG_RANGE`, shrunk on refusal. */
  maxRange?: bigint;
}

export interface LogScanner {
  /** Reads up to the chain's head (or `toBlock`) and returns every pool log so far, in chain order. */
  sync(toBlock?: bigint): Promise<readonly PoolLog[]>;
  /** The range it uses now (after any shrinking). */
  range(): bigint;
  /** The last block read, or `fromBlock - 1`. */
  scannedTo(): bigint;
}

/** What an RPC answers when a log query spans too much; the suggested window, when it names one. */
export function tooLargeRange(error: unknown): { suggested: bigint | null } | null {
  const text = messagesOf(error);
  if (
    !/block range|range (is )?too (large|wide|big)|more than \d+ (results|logs)|too many (results|logs)|limit exceeded|-32005/i.test(
      text,
    )
  )
    return null;
  const window = /\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/i.exec(text);
  if (window?.[1] !== undefined && window[2] !== undefined) {
    const from = BigInt(window[1]);
    const to = BigInt(window[2]);
    if (to >= from) return { suggested: to - from + 1n };
  }
  const upTo = /up to a (\d+) block range/i.exec(text);
  return { suggested: upTo?.[1] !== undefined ? BigInt(upTo[1]) : null };
}

function messagesOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    parts.push(current.message);
    if (current instanceof BaseError) parts.push(current.details);
    const code = (current as { code?: unknown }).code;
    if (typeof code === "number") parts.push(String(code));
    current = current.cause;
  }
  return parts.join(" | ");
}

export function createLogScanner(options: LogScannerOptions): LogScanner {
  let range = options.maxRange ?? DEFAULT_LOG_RANGE;
  if (range < 1n) throw new Error("the log range must be at least one block");
  let scannedTo = options.fromBlock - 1n;
  let logs: PoolLog[] = [];
  let running: Promise<readonly PoolLog[]> | undefined;
  /** Whether the last sync reached its target block. */
  let complete = false;

  async function readRange(from: bigint, to: bigint): Promise<PoolLog[]> {
    return options.client.getLogs({
      address: options.pool,
      events: POOL_EVENTS,
      fromBlock: from,
      toBlock: to,
      strict: true,
    });
  }

  async function run(target: bigint | undefined): Promise<readonly PoolLog[]> {
    const head = target ?? (await options.client.getBlockNumber({ cacheTime: 0 }));
    // After a complete read, its newest blocks are read again: a reorg there replaces their logs. After a
    // failed one, the read resumes where it stopped.
    const rescanFrom = scannedTo - REORG_DEPTH + 1n;
    if (complete && rescanFrom > options.fromBlock && rescanFrom <= scannedTo) {
      logs = logs.filter((log) => log.blockNumber < rescanFrom);
      scannedTo = rescanFrom - 1n;
    }
    complete = false;
    while (scannedTo < head) {
      const from = scannedTo + 1n;
      const to = from + range - 1n < head ? from + range - 1n : head;
      let found: PoolLog[];
      try {
        found = await readRange(from, to);
      } catch (error) {
        const refused = tooLargeRange(error);
        if (refused === null || to === from) throw error;
        const smaller =
          refused.suggested !== null && refused.suggested < to - from + 1n ? refused.suggested : (to - from + 1n) / 2n;
        range = smaller < 1n ? 1n : smaller;
        continue;
      }
      logs = logs.concat(found);
      scannedTo = to;
    }
    complete = true;
    return logs;
  }

  return {
    sync(toBlock) {
      // One read at a time: callers that ask while one runs share it.
      running ??= run(toBlock).finally(() => {
        running = undefined;
      });
      return running;
    },
    range: () => range,
    scannedTo: () => scannedTo,
  };
}
