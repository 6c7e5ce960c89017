/**
 * Follows the pool's reader events block by block, so that what the keeper caches about a reader is
 * never older than the chain head it last read: `SessionsRevoked` (the reader's new session nonce),
 * `Subscribed` (a budget appeared or grew) and `ReaderSettled` (a budget was spent).
 *
 * Logs are read in ranges of at most `maxLogRange` blocks (free RPC tiers cap `eth_getLogs` at 10
 * blocks). A gap longer than `maxRanges` such ranges, or a failed read, is not scanned: the caches are
 * dropped instead (`lost`), which is always safe since every dropped entry is read again from the chain.
 */
import { getAbiItem, type Address, type Chain, type PublicClient, type Transport } from "viem";
import type { Logger } from "pino";

import { plauditPoolAbi } from "@plaudit/protocol";
import { shortError } from "./retry.js";

const READER_EVENTS = [
  getAbiItem({ abi: plauditPoolAbi, name: "SessionsRevoked" }),
  getAbiItem({ abi: plauditPoolAbi, name: "Subscribed" }),
  getAbiItem({ abi: plauditPoolAbi, name: "ReaderSettled" }),
] as const;

/** What the follower tells the caches. */
export interface ReaderEventSink {
  /** `reader` moved to session nonce `nonce`: older `Session` delegations are revoked. */
  revoked(reader: Address, nonce: number): void;
  /** Something about `reader`'s budgets changed (subscribed, settled). */
  changed(reader: Address): void;
  /** Events may have been missed: forget everything cached. */
  lost(): void;
}

export interface ReaderEventOptions {
  /** Most blocks one `eth_getLogs` call may span. */
  maxLogRange: number;
  /** Most log ranges one catch-up reads before it drops the caches instead. */
  maxRanges: number;
}

export class ReaderEventFollower {
  /** The last block whose events were applied (undefined until the first head is seen). */
  private scanned: bigint | undefined;
  /** Catch-ups run one after another; each waits for the ones before it. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: PublicClient<Transport, Chain | undefined>,
    private readonly pool: Address,
    private readonly sink: ReaderEventSink,
    private readonly options: ReaderEventOptions,
    private readonly log: Logger,
  ) {}

  /** The last block whose events were applied. */
  get scannedBlock(): bigint | undefined {
    return this.scanned;
  }

  /** Resolves once every reader event up to block `head` has been applied (or the caches dropped). Never throws. */
  syncTo(head: bigint): Promise<void> {
    if (this.scanned !== undefined && head <= this.scanned) return Promise.resolve();
    this.queue = this.queue.then(() => this.scanTo(head));
    return this.queue;
  }

  private async scanTo(head: bigint): Promise<void> {
    const scanned = this.scanned;
    if (scanned !== undefined && head <= scanned) return;
    const range = BigInt(this.options.maxLogRange);
    if (scanned === undefined || head - scanned > range * BigInt(this.options.maxRanges)) {
      // First head, or too far behind to catch up cheaply: whatever is cached may predate the events.
      if (scanned !== undefined)
        this.log.info({ from: scanned, to: head }, "reader events: gap too long, caches dropped");
      this.sink.lost();
      this.scanned = head;
      return;
    }
    for (let from = scanned + 1n; from <= head; from += range) {
      const to = from + range - 1n < head ? from + range - 1n : head;
      let logs;
      try {
        logs = await this.client.getLogs({ address: this.pool, events: READER_EVENTS, fromBlock: from, toBlock: to });
      } catch (error) {
        this.log.warn({ err: shortError(error), from, to }, "reader events: eth_getLogs failed, caches dropped");
        this.sink.lost();
        this.scanned = head;
        return;
      }
      for (const entry of logs) {
        if (entry.eventName === "SessionsRevoked") {
          const { reader, nonce } = entry.args;
          if (reader !== undefined && nonce !== undefined) this.sink.revoked(reader, nonce);
          else this.sink.lost();
        } else {
          const reader = entry.args.reader;
          if (reader !== undefined) this.sink.changed(reader);
          else this.sink.lost();
        }
      }
      this.scanned = to;
    }
  }
}
