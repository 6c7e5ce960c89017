/**
 * Performs settlement: gathers chain facts, applies the pure plan, estimates and splits batches,
 * submits, replaces stuck transactions, and records each reader's outcome. Every step is recorded
 * before it is taken, so a restarted keeper resumes without paying twice.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  encodeFunctionData,
  keccak256,
  parseEventLogs,
  TransactionReceiptNotFoundError,
  type Address,
  type Hex,
  type LocalAccount,
  type TransactionReceipt,
} from "viem";

import { plauditPoolAbi, settleArgsOf } from "@plaudit/protocol";
import type { ChainView } from "../chain.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { isRevert, shortError, sleep, withRetry } from "../retry.js";
import type { ReaderOutcome, Store, TxRecord } from "../store/types.js";
import { groupByReader, packBatches, planEpoch, readerGasHint, type ReaderEntry, type ReaderFacts } from "./plan.js";

export const SKIP_REASONS = [
  "AlreadySettled",
  "NoBudget",
  "BadTallyList",
  "BadClicks",
  "BadSession",
  "BadSignature",
] as const;

export interface SettlerOptions {
  batchGasLimit: number;
  pollIntervalMs: number;
  stuckAfterMs: number;
  graceSeconds: number;
}

/** Test hooks that simulate faults (a crash right after a broadcast). */
export interface SettlerFaults {
  afterBroadcast?: (hash: Hex) => void | Promise<void>;
}

export interface EpochReport {
  epoch: bigint;
  state: "not_ended" | "in_grace" | "expired" | "done" | "incomplete";
  readers: number;
  settled: number;
  skipped: number;
  dropped: number;
  transactions: number;
}

class WindowClosed extends Error {}

export class Settler {
  private gasScale = 1;

  constructor(
    private readonly deps: {
      chain: ChainView;
      store: Store;
      account: LocalAccount;
      log: Logger;
      metrics: Metrics;
      faults?: SettlerFaults | undefined;
    },
    private readonly options: SettlerOptions,
    private readonly shouldStop: () => boolean = () => false,
  ) {}

  private get chain() {
    return this.deps.chain;
  }
  private get store() {
    return this.deps.store;
  }
  private get pool() {
    return this.chain.deployment.pool;
  }

  private retry<T>(fn: () => Promise<T>, what: string): Promise<T> {
    return withRetry(fn, { log: this.deps.log, what, attempts: 8 });
  }

  /** Settles every stored reader of `epoch` that is not settled yet, if the epoch is in its window. */
  async settleEpoch(epoch: bigint, options: { ignoreGrace?: boolean } = {}): Promise<EpochReport> {
    const log = this.deps.log.child({ epoch: epoch.toString() });
    const bounds = this.chain.bounds(epoch);
    this.chain.invalidateChainTime();
    const now = await this.chain.chainTime();
    const report = async (state: EpochReport["state"]) => this.report(epoch, state);
    if (now < bounds.end) return report("not_ended");
    if (now >= bounds.deadline) return report("expired");
    if (options.ignoreGrace !== true && now < bounds.end + BigInt(this.options.graceSeconds)) return report("in_grace");

    try {
      await this.resumePending(epoch, log);
      for (let round = 0; round < 5 && !this.shouldStop(); round++) {
        const entries = await this.prepare(epoch, bounds.end, log);
        if (entries.length === 0) break;
        log.info({ readers: entries.length, round }, "settling readers");
        await this.submitAll(epoch, entries, log);
      }
    } catch (error) {
      if (error instanceof WindowClosed) {
        log.warn("settlement window closed");
        return report("expired");
      }
      throw error;
    }
    const result = await this.report(epoch, "done");
    if (result.settled + result.skipped + result.dropped < result.readers) result.state = "incomplete";
    log.info(result, result.state === "done" ? "epoch settled" : "epoch settlement incomplete");
    return result;
  }

  private async report(epoch: bigint, state: EpochReport["state"]): Promise<EpochReport> {
    const [stats, outcomes, txs] = await Promise.all([
      this.store.epochStats(epoch),
      this.store.outcomes(epoch),
      this.store.transactions(epoch),
    ]);
    const count = (kind: ReaderOutcome["outcome"]) => outcomes.filter((o) => o.outcome === kind).length;
    const r: EpochReport = {
      epoch,
      state,
      readers: stats.readers,
      settled: count("settled"),
      skipped: count("skipped"),
      dropped: count("dropped"),
      transactions: txs.length,
    };
    const label = epoch.toString();
    this.deps.metrics.settlementReaders.set({ epoch: label, state: "settled" }, r.settled);
    this.deps.metrics.settlementReaders.set({ epoch: label, state: "skipped" }, r.skipped);
    this.deps.metrics.settlementReaders.set({ epoch: label, state: "dropped" }, r.dropped);
    this.deps.metrics.settlementReaders.set({ epoch: label, state: "pending" }, r.readers - outcomes.length);
    return r;
  }

  /** Readers to submit: stored tallies minus decided readers, checked against the chain now. */
  private async prepare(epoch: bigint, epochEnd: bigint, log: Logger): Promise<ReaderEntry[]> {
    const decided = new Set((await this.store.outcomes(epoch)).map((o) => o.reader));
    const tallies = (await this.store.epochTallies(epoch)).filter((t) => !decided.has(t.reader));
    const groups = groupByReader(tallies);
    const facts = new Map<Address, ReaderFacts>();
    await forEachLimited([...groups.keys()], 8, async (reader) => {
      facts.set(reader, await this.readerFacts(reader, epoch));
    });
    const plan = planEpoch({ epochEnd, tallies, facts });
    if (plan.outcomes.length > 0) {
      await this.store.saveOutcomes(epoch, plan.outcomes);
      for (const o of plan.outcomes)
        log.info({ reader: o.reader, outcome: o.outcome, reason: o.reason }, "reader decided without a transaction");
    }
    return plan.include;
  }

  private async readerFacts(reader: Address, epoch: bigint): Promise<ReaderFacts> {
    // isSettled is read fresh on chain before every inclusion: never pay gas for a settled reader.
    const settled = await this.chain.isSettled(reader, epoch);
    if (settled) return { settled, budget: 0n, sessionNonce: 0 };
    const budget = await this.chain.budget(reader, epoch, 0);
    return { settled, budget: budget.amount, sessionNonce: budget.sessionNonce };
  }

  private async submitAll(epoch: bigint, entries: ReaderEntry[], log: Logger): Promise<void> {
    const limit = this.options.batchGasLimit;
    const queue = packBatches(entries, limit * 0.8, (e) => readerGasHint(e) * this.gasScale);
    while (queue.length > 0 && !this.shouldStop()) {
      const batch = queue.shift() as ReaderEntry[];
      const data = encodeFunctionData({
        abi: plauditPoolAbi,
        functionName: "settle",
        args: settleArgsOf(epoch, batch),
      });
      let gas: bigint;
      try {
        gas = await this.retry(
          () => this.chain.client.estimateGas({ account: this.deps.account.address, to: this.pool, data }),
          "estimateGas",
        );
      } catch (error) {
        if (!isRevert(error)) throw error;
        const reason = revertName(error);
        if (reason === "NotInSettlementWindow") throw new WindowClosed();
        if (batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          queue.unshift(batch.slice(0, half), batch.slice(half));
          log.warn({ readers: batch.length, reason }, "batch estimate reverted; splitting");
        } else {
          const reader = (batch[0] as ReaderEntry).reader;
          log.warn({ reader, reason }, "settling this reader reverts; dropping it");
          await this.store.saveOutcomes(epoch, [
            { reader, outcome: "dropped", reason: `reverts: ${reason}`, txHash: null },
          ]);
        }
        continue;
      }
      const hinted = batch.reduce((sum, e) => sum + readerGasHint(e), 0);
      this.gasScale = Math.max(0.2, Number(gas) / hinted);
      if (Number(gas) * 1.2 > limit && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        queue.unshift(batch.slice(0, half), batch.slice(half));
        log.info({ readers: batch.length, gas: gas.toString() }, "batch over the gas limit; splitting");
        continue;
      }
      const gasLimit = (gas * 5n) / 4n;
      const readers = batch.map((e) => e.reader);
      const mined = await this.submit(epoch, readers, data, gasLimit, log);
      if (mined !== undefined) await this.applyReceipt(epoch, mined.tx, mined.receipt, log);
      const r = await this.report(epoch, "incomplete");
      log.info(
        {
          readers: r.readers,
          settled: r.settled,
          skipped: r.skipped,
          dropped: r.dropped,
          transactions: r.transactions,
          batchesLeft: queue.length,
        },
        "settlement progress",
      );
    }
  }

  /** Signs, records, broadcasts, then waits (replacing when stuck). */
  private async submit(epoch: bigint, readers: Address[], data: Hex, gas: bigint, log: Logger) {
    const address = this.deps.account.address;
    const nonce = await this.retry(
      () => this.chain.client.getTransactionCount({ address, blockTag: "pending" }),
      "nonce",
    );
    const fees = await this.retry(() => this.chain.client.estimateFeesPerGas(), "fees");
    const tx = await this.broadcast(
      {
        epoch,
        nonce,
        readers,
        data,
        gas,
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      },
      log,
    );
    return this.waitOrReplace([tx], log);
  }

  private async broadcast(params: Omit<TxRecord, "hash" | "status" | "createdAt">, log: Logger): Promise<TxRecord> {
    const serialized = await this.deps.account.signTransaction({
      chainId: this.chain.deployment.chainId,
      type: "eip1559",
      to: this.pool,
      data: params.data,
      gas: params.gas,
      nonce: params.nonce,
      maxFeePerGas: params.maxFeePerGas,
      maxPriorityFeePerGas: params.maxPriorityFeePerGas,
    });
    const tx: TxRecord = { ...params, hash: keccak256(serialized), status: "pending", createdAt: Date.now() };
    // Recorded before it is sent: after a crash the keeper looks for it instead of settling again.
    await this.store.saveTransaction(tx);
    try {
      await withRetry(() => this.chain.client.sendRawTransaction({ serializedTransaction: serialized }), {
        log: this.deps.log,
        what: "sendRawTransaction",
        attempts: 8,
        // The node already has it (or the nonce is used): sending again cannot help.
        retryable: (e) =>
          !isRevert(e) &&
          !/already known|known transaction|nonce too low|nonce has already been used/i.test(
            shortError(e) + String((e as Error).message),
          ),
      });
    } catch (error) {
      // "nonce too low" / "already known": the wait loop finds out what happened to the nonce.
      log.warn({ hash: tx.hash, err: shortError(error) }, "broadcast failed; will watch the nonce");
    }
    log.info(
      { hash: tx.hash, nonce: tx.nonce, readers: tx.readers.length, gas: tx.gas.toString() },
      "settle transaction sent",
    );
    await this.deps.faults?.afterBroadcast?.(tx.hash);
    return tx;
  }

  private async receiptOf(hash: Hex): Promise<TransactionReceipt | undefined> {
    try {
      return await this.retry(async () => {
        try {
          return await this.chain.client.getTransactionReceipt({ hash });
        } catch (error) {
          if (error instanceof TransactionReceiptNotFoundError) return undefined;
          throw error;
        }
      }, "receipt");
    } catch (error) {
      if (error instanceof BaseError && error.walk((e) => e instanceof TransactionReceiptNotFoundError))
        return undefined;
      throw error;
    }
  }

  /**
   * Waits for one of `txs` (same nonce) to be mined. Sends a replacement with a higher fee when none is
   * mined after `stuckAfterMs`. Resolves to the mined one, or undefined if the nonce went elsewhere.
   */
  private async waitOrReplace(
    txs: TxRecord[],
    log: Logger,
  ): Promise<{ tx: TxRecord; receipt: TransactionReceipt } | undefined> {
    const address = this.deps.account.address;
    let lastSent = Date.now();
    for (;;) {
      for (const tx of [...txs].reverse()) {
        const receipt = await this.receiptOf(tx.hash);
        if (receipt === undefined) continue;
        await this.store.setTransactionStatus(tx.hash, receipt.status === "success" ? "confirmed" : "failed");
        this.deps.metrics.settlementTransactions.inc({ status: receipt.status === "success" ? "confirmed" : "failed" });
        for (const other of txs) {
          if (other.hash !== tx.hash) {
            await this.store.setTransactionStatus(other.hash, "replaced");
            this.deps.metrics.settlementTransactions.inc({ status: "replaced" });
          }
        }
        return { tx: { ...tx, status: receipt.status === "success" ? "confirmed" : "failed" }, receipt };
      }
      const latest = txs[txs.length - 1] as TxRecord;
      const minedNonce = await this.retry(
        () => this.chain.client.getTransactionCount({ address, blockTag: "latest" }),
        "nonce",
      );
      if (minedNonce > latest.nonce) {
        // The nonce was used, but none of ours has a receipt: look once more, then give up on them.
        const again = await Promise.all(txs.map((t) => this.receiptOf(t.hash)));
        if (again.some((r) => r !== undefined)) continue;
        for (const t of txs) await this.store.setTransactionStatus(t.hash, "failed");
        this.deps.metrics.settlementTransactions.inc({ status: "failed" });
        log.warn({ nonce: latest.nonce }, "nonce consumed by another transaction; readers will be re-planned");
        return undefined;
      }
      if (Date.now() - lastSent >= this.options.stuckAfterMs) {
        const fees = await this.retry(() => this.chain.client.estimateFeesPerGas(), "fees");
        const bump = (old: bigint, now: bigint) => {
          const raised = (old * 5n) / 4n + 1n;
          return raised > now ? raised : now;
        };
        const maxPriorityFeePerGas = bump(latest.maxPriorityFeePerGas, fees.maxPriorityFeePerGas);
        let maxFeePerGas = bump(latest.maxFeePerGas, fees.maxFeePerGas);
        if (maxFeePerGas < maxPriorityFeePerGas) maxFeePerGas = maxPriorityFeePerGas;
        log.warn(
          { hash: latest.hash, nonce: latest.nonce, maxFeePerGas: maxFeePerGas.toString() },
          "settle transaction stuck; replacing with a higher fee",
        );
        const replacement = await this.broadcast(
          {
            epoch: latest.epoch,
            nonce: latest.nonce,
            readers: latest.readers,
            data: latest.data,
            gas: latest.gas,
            maxFeePerGas,
            maxPriorityFeePerGas,
          },
          log,
        );
        txs.push(replacement);
        lastSent = Date.now();
      }
      if (this.shouldStop()) return undefined;
      await sleep(this.options.pollIntervalMs);
    }
  }

  /** Records each reader's outcome from the ReaderSettled / ReaderSkipped events of a receipt. */
  private async applyReceipt(epoch: bigint, tx: TxRecord, receipt: TransactionReceipt, log: Logger): Promise<void> {
    if (receipt.status !== "success") {
      log.warn({ hash: tx.hash }, "settle transaction reverted; its readers will be re-planned");
      return;
    }
    const events = parseEventLogs({
      abi: plauditPoolAbi,
      logs: receipt.logs,
      eventName: ["ReaderSettled", "ReaderSkipped"],
    });
    const outcomes: ReaderOutcome[] = [];
    for (const event of events) {
      if (event.address.toLowerCase() !== this.pool.toLowerCase() || event.args.epoch !== epoch) continue;
      if (event.eventName === "ReaderSettled") {
        outcomes.push({ reader: event.args.reader, outcome: "settled", reason: "settled", txHash: tx.hash });
      } else {
        const reason = SKIP_REASONS[event.args.reason] ?? `reason ${event.args.reason}`;
        outcomes.push(
          reason === "AlreadySettled"
            ? { reader: event.args.reader, outcome: "settled", reason: "settled_elsewhere", txHash: null }
            : { reader: event.args.reader, outcome: "skipped", reason, txHash: tx.hash },
        );
        log.warn({ reader: event.args.reader, reason }, "reader skipped by the contract");
      }
    }
    await this.store.saveOutcomes(epoch, outcomes);
  }

  /** Finishes transactions a previous run (or a crash) left pending. */
  private async resumePending(epoch: bigint, log: Logger): Promise<void> {
    const pending = (await this.store.transactions(epoch)).filter((t) => t.status === "pending");
    const byNonce = new Map<number, TxRecord[]>();
    for (const tx of pending) byNonce.set(tx.nonce, [...(byNonce.get(tx.nonce) ?? []), tx]);
    for (const [nonce, txs] of [...byNonce].sort((a, b) => a[0] - b[0])) {
      log.info({ nonce, hashes: txs.map((t) => t.hash) }, "resuming a pending settle transaction");
      const mined = await this.waitOrReplace(txs, log);
      if (mined !== undefined) await this.applyReceipt(epoch, mined.tx, mined.receipt, log);
    }
  }
}

function revertName(error: unknown): string {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName !== undefined)
      return reverted.data.errorName;
    const withData = error.walk((e) => typeof (e as { data?: unknown }).data === "string") as { data?: Hex } | null;
    if (withData?.data !== undefined) {
      try {
        return decodeErrorResult({ abi: plauditPoolAbi, data: withData.data }).errorName;
      } catch {
        /* not one of the pool's errors */
      }
    }
    return error.shortMessage;
  }
  return String(error);
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
