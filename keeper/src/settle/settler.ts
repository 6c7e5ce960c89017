/**
 * Settlement of an epoch: under the settlement lock, gathers the chain facts, applies the pure plan
 * (plan.ts), sizes each batch's gas (gas-policy.ts), has the transaction manager (transactions.ts) send
 * it, and records each reader's outcome. Every write goes through the lock and every transaction is
 * recorded before it is sent, so a restarted keeper, or another instance, resumes without paying twice.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  encodeFunctionData,
  parseEventLogs,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";

import { compareAddresses, plauditPoolAbi, settleArgsOf, type SignedTally } from "@plaudit/protocol";
import type { ChainView } from "../chain.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { isRevert, withRetry } from "../retry.js";
import {
  SettlementLockLost,
  type ReaderOutcome,
  type SettlementLock,
  type Store,
  type TxRecord,
} from "../store/types.js";
import { sessionJob, tallyJob, type DigestJob, type VerifyPool } from "../verify-pool.js";
import { batchGasLimit, readerGasHint, walletWorstCaseGas, type WalletCheckGas } from "./gas-policy.js";
import {
  groupByReader,
  planBatches,
  planEpoch,
  readerSignatureOf,
  withWalletFacts,
  type ReaderEntry,
  type ReaderFacts,
} from "./plan.js";
import { RPC_ATTEMPTS, TransactionManager, type Mined, type SettlerFaults } from "./transactions.js";

export type { SettlerFaults } from "./transactions.js";

export const SKIP_REASONS = [
  "AlreadySettled",
  "NoBudget",
  "BadTallyList",
  "BadClicks",
  "BadSession",
  "BadSignature",
] as const;

/** Chain reads for reader facts in flight at once. */
export const FACT_READ_CONCURRENCY = 8;
/** Reader signatures recovered per request to the signature workers. */
export const SIGNATURE_CHUNK = 256;
/** Batches are packed, by hinted gas, up to this share of the batch gas limit (room for the margin). */
export const BATCH_FILL = 0.8;
/** Lowest factor the hints are scaled by after comparing them with estimates. */
export const MIN_HINT_SCALE = 0.2;
/**
 * Planning rounds of one settlement pass. A round plans every undecided reader and sends its batches; a
 * reverted batch is bisected in the next round, so a round count of log2(readers per batch) + 2 settles
 * or drops everyone. 24 covers batches of millions of readers: it only bounds a pass that misbehaves.
 */
export const MAX_SETTLEMENT_ROUNDS = 24;

/**
 * `ERC1271_GAS_OVERHEAD` of PlauditPool.sol while the pool keeps it private (its ABI then has no getter
 * to read it from): gas one wallet check needs beside the stipend. Read from the pool once it is public.
 */
export const FALLBACK_WALLET_CHECK_OVERHEAD = 10_000n;

export interface SettlerOptions {
  batchGasLimit: number;
  pollIntervalMs: number;
  stuckAfterMs: number;
  graceSeconds: number;
}

export interface EpochReport {
  epoch: bigint;
  /** `busy`: another keeper instance holds the settlement lock. */
  state: "not_ended" | "in_grace" | "expired" | "done" | "incomplete" | "busy";
  readers: number;
  settled: number;
  skipped: number;
  dropped: number;
  transactions: number;
  /** Mined transactions that reverted. */
  reverted: number;
  /** Gas used by the epoch's mined transactions, and by the reverted ones among them. */
  gasUsed: bigint;
  revertedGasUsed: bigint;
}

class WindowClosed extends Error {}

export class Settler {
  private hintScale = 1;
  private walletGas: WalletCheckGas | undefined;
  private readonly transactions: TransactionManager;
  /** The settlement lock while a pass holds it. */
  private lock: SettlementLock | undefined;

  constructor(
    private readonly deps: {
      chain: ChainView;
      store: Store;
      account: LocalAccount;
      log: Logger;
      metrics: Metrics;
      /** Signature recovery, to tell which reader signatures the pool will hand to a wallet. */
      verifyPool: VerifyPool;
      faults?: SettlerFaults | undefined;
    },
    private readonly options: SettlerOptions,
    private readonly shouldStop: () => boolean = () => false,
  ) {
    this.transactions = new TransactionManager(
      deps,
      { pollIntervalMs: options.pollIntervalMs, stuckAfterMs: options.stuckAfterMs },
      () => this.stopping(),
    );
  }

  /** Stop at the next safe point: the keeper is stopping, or the settlement lock was lost. */
  private stopping(): boolean {
    return this.shouldStop() || this.lock?.lost === true;
  }

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
    return withRetry(fn, { log: this.deps.log, what, attempts: RPC_ATTEMPTS });
  }

  /**
   * Settles every stored reader of `epoch` that is not settled yet, if the epoch is in its window and no
   * other keeper instance holds the settlement lock.
   */
  async settleEpoch(epoch: bigint, options: { ignoreGrace?: boolean } = {}): Promise<EpochReport> {
    const log = this.deps.log.child({ epoch: epoch.toString() });
    const bounds = this.chain.bounds(epoch);
    this.chain.invalidateChainTime();
    const now = await this.chain.chainTime();
    const report = async (state: EpochReport["state"]) => this.report(epoch, state);
    if (now < bounds.end) return report("not_ended");
    if (now >= bounds.deadline) return report("expired");
    if (options.ignoreGrace !== true && now < bounds.end + BigInt(this.options.graceSeconds)) return report("in_grace");

    const lock = await this.store.lockSettlement();
    if (lock === undefined) {
      log.debug("another keeper instance holds the settlement lock");
      return report("busy");
    }
    this.lock = lock;
    const lost = () => {
      log.warn({ holder: lock.holder }, "settlement lock lost; another instance may settle now");
      return report("busy");
    };
    try {
      log.info({ holder: lock.holder }, "settlement lock taken");
      await this.settleUnderLock(epoch, bounds.end, lock, log);
      if (lock.lost) return await lost();
    } catch (error) {
      if (error instanceof WindowClosed) {
        log.warn("settlement window closed");
        return report("expired");
      }
      if (error instanceof SettlementLockLost) return lost();
      throw error;
    } finally {
      this.lock = undefined;
      await lock.release().catch((error: unknown) => log.warn({ err: String(error) }, "releasing the lock failed"));
    }
    const result = await this.report(epoch, "done");
    if (result.settled + result.skipped + result.dropped < result.readers) result.state = "incomplete";
    log.info(result, result.state === "done" ? "epoch settled" : "epoch settlement incomplete");
    return result;
  }

  private async settleUnderLock(epoch: bigint, epochEnd: bigint, lock: SettlementLock, log: Logger): Promise<void> {
    const decided = async (readers: readonly Address[]) => {
      const outcomes = new Set((await this.store.outcomes(epoch)).map((o) => o.reader));
      return readers.every((r) => outcomes.has(r));
    };
    await this.walletCheckGas();
    const resumed = await this.transactions.resume(lock, await this.store.transactions(epoch), decided, log);
    for (const mined of resumed.mined) await this.applyReceipt(lock, epoch, mined, log);

    for (let round = 0; round < MAX_SETTLEMENT_ROUNDS && !this.stopping(); round++) {
      const entries = await this.prepare(lock, epoch, epochEnd, resumed.inFlight, log);
      if (entries.length === 0) break;
      const reverted = (await this.store.transactions(epoch))
        .filter((t) => t.status === "failed")
        .map((t) => ({ hash: t.hash, readers: t.readers }));
      const plan = planBatches({
        entries,
        reverted,
        budget: this.options.batchGasLimit * BATCH_FILL,
        hint: (e) => this.packingGas(e),
      });
      if (plan.outcomes.length > 0) {
        await lock.saveOutcomes(epoch, plan.outcomes);
        for (const o of plan.outcomes) log.warn({ reader: o.reader, reason: o.reason }, "dropping reader");
      }
      if (plan.batches.length === 0) continue;
      log.info({ readers: entries.length, batches: plan.batches.length, round }, "settling readers");
      const progressed = await this.submitAll(lock, epoch, plan.batches, log);
      if (!progressed && plan.outcomes.length === 0) break;
    }
  }

  private async report(epoch: bigint, state: EpochReport["state"]): Promise<EpochReport> {
    const [stats, outcomes, txs] = await Promise.all([
      this.store.epochStats(epoch),
      this.store.outcomes(epoch),
      this.store.transactions(epoch),
    ]);
    const count = (kind: ReaderOutcome["outcome"]) => outcomes.filter((o) => o.outcome === kind).length;
    const sum = (list: readonly TxRecord[]) => list.reduce((total, t) => total + (t.gasUsed ?? 0n), 0n);
    const reverted = txs.filter((t) => t.status === "failed");
    const r: EpochReport = {
      epoch,
      state,
      readers: stats.readers,
      settled: count("settled"),
      skipped: count("skipped"),
      dropped: count("dropped"),
      transactions: txs.length,
      reverted: reverted.length,
      gasUsed: sum(txs),
      revertedGasUsed: sum(reverted),
    };
    const label = epoch.toString();
    this.deps.metrics.settlementReaders.set({ epoch: label, state: "settled" }, r.settled);
    this.deps.metrics.settlementReaders.set({ epoch: label, state: "skipped" }, r.skipped);
    this.deps.metrics.settlementReaders.set({ epoch: label, state: "dropped" }, r.dropped);
    this.deps.metrics.settlementReaders.set({ epoch: label, state: "pending" }, r.readers - outcomes.length);
    return r;
  }

  /**
   * Readers to submit: stored tallies minus decided and in-flight readers, checked against the chain
   * now, each classified as an EOA or a wallet reader.
   */
  private async prepare(
    lock: SettlementLock,
    epoch: bigint,
    epochEnd: bigint,
    inFlight: ReadonlySet<Address>,
    log: Logger,
  ): Promise<ReaderEntry[]> {
    const decided = new Set((await this.store.outcomes(epoch)).map((o) => o.reader));
    const tallies = (await this.store.epochTallies(epoch)).filter((t) => !decided.has(t.reader));
    const groups = groupByReader(tallies);
    const facts = new Map<Address, ReaderFacts>();
    await forEachLimited([...groups.keys()], FACT_READ_CONCURRENCY, async (reader) => {
      if (!inFlight.has(reader)) facts.set(reader, await this.readerFacts(reader, epoch));
    });
    const plan = planEpoch({ epochEnd, token: this.chain.deployment.token, tallies, facts, inFlight });
    if (plan.outcomes.length > 0) {
      await lock.saveOutcomes(epoch, plan.outcomes);
      for (const o of plan.outcomes)
        log.info({ reader: o.reader, outcome: o.outcome, reason: o.reason }, "reader decided without a transaction");
    }
    return this.classifyWallets(plan.include);
  }

  private async readerFacts(reader: Address, epoch: bigint): Promise<ReaderFacts> {
    // isSettled is read fresh on chain before every inclusion: never pay gas for a settled reader.
    const settled = await this.chain.isSettled(reader, epoch);
    if (settled) return { settled, budget: 0n, sessionNonce: 0 };
    const budget = await this.chain.budget(reader, epoch, 0);
    return { settled, budget: budget.amount, sessionNonce: budget.sessionNonce };
  }

  /**
   * Which readers the pool will hand to their code: the chosen tallies' reader signatures are recovered
   * (ECDSA by the reader needs no call), and each reader's code is read fresh.
   */
  private async classifyWallets(entries: readonly ReaderEntry[]): Promise<ReaderEntry[]> {
    const jobs: DigestJob[] = [];
    const owners: Address[] = [];
    for (const entry of entries) {
      for (const tally of entry.tallies) {
        jobs.push(readerSignatureJob(tally));
        owners.push(entry.reader);
      }
    }
    // In chunks, so that tallies posted meanwhile are not queued behind an epoch's worth of recoveries.
    const results = [];
    for (let i = 0; i < jobs.length; i += SIGNATURE_CHUNK)
      results.push(...(await this.deps.verifyPool.run(jobs.slice(i, i + SIGNATURE_CHUNK))));
    const checks = new Map<Address, number>();
    results.forEach((result, i) => {
      const reader = owners[i] as Address;
      if (result.recovered !== reader.toLowerCase()) checks.set(reader, (checks.get(reader) ?? 0) + 1);
    });
    const classified: ReaderEntry[] = [];
    await forEachLimited([...entries], FACT_READ_CONCURRENCY, async (entry) => {
      const code = await this.retry(() => this.chain.client.getCode({ address: entry.reader }), "getCode");
      const hasCode = code !== undefined && code !== "0x";
      classified.push(withWalletFacts(entry, { hasCode, walletChecks: checks.get(entry.reader) ?? 0 }));
    });
    return classified.sort((a, b) => compareAddresses(a.reader, b.reader));
  }

  /** The pool's wallet-check gas: the stipend from its public constant, the overhead likewise if public. */
  private async walletCheckGas(): Promise<WalletCheckGas> {
    if (this.walletGas !== undefined) return this.walletGas;
    const read = (functionName: string) =>
      this.retry(
        () =>
          this.chain.client.readContract({
            address: this.pool,
            abi: plauditPoolAbi as Abi,
            functionName,
          }) as Promise<bigint>,
        functionName,
      );
    const hasGetter = (name: string) =>
      (plauditPoolAbi as Abi).some((item) => item.type === "function" && item.name === name);
    const overheadGetter = "ERC1271_GAS_OVERHEAD";
    this.walletGas = {
      stipend: await read("ERC1271_GAS_STIPEND"),
      overhead: hasGetter(overheadGetter) ? await read(overheadGetter) : FALLBACK_WALLET_CHECK_OVERHEAD,
    };
    return this.walletGas;
  }

  /** Gas a reader takes up when packing: its scaled hint, plus the worst case of its wallet checks. */
  private packingGas(entry: ReaderEntry): number {
    const hint = readerGasHint(entry) * this.hintScale;
    return this.walletGas === undefined ? hint : hint + Number(walletWorstCaseGas(entry, this.walletGas));
  }

  /** Sends `batches` in order; resolves to whether any reader was decided or any batch reverted. */
  private async submitAll(
    lock: SettlementLock,
    epoch: bigint,
    batches: ReaderEntry[][],
    log: Logger,
  ): Promise<boolean> {
    const wallet = await this.walletCheckGas();
    const limit = BigInt(this.options.batchGasLimit);
    const queue = [...batches];
    let progressed = false;
    while (queue.length > 0 && !this.stopping()) {
      const batch = queue.shift() as ReaderEntry[];
      const split = () => {
        const half = Math.ceil(batch.length / 2);
        queue.unshift(batch.slice(0, half), batch.slice(half));
      };
      const drop = async (reason: string) => {
        const reader = (batch[0] as ReaderEntry).reader;
        log.warn({ reader, reason }, "dropping reader");
        await lock.saveOutcomes(epoch, [{ reader, outcome: "dropped", reason, txHash: null }]);
        progressed = true;
      };
      const data = encodeFunctionData({
        abi: plauditPoolAbi,
        functionName: "settle",
        args: settleArgsOf(epoch, batch),
      });
      let estimate: bigint;
      try {
        estimate = await this.retry(
          () => this.chain.client.estimateGas({ account: this.deps.account.address, to: this.pool, data }),
          "estimateGas",
        );
      } catch (error) {
        if (!isRevert(error)) throw error;
        const reason = revertName(error);
        if (reason === "NotInSettlementWindow") throw new WindowClosed();
        if (batch.length > 1) {
          split();
          log.warn({ readers: batch.length, reason }, "batch estimate reverted; splitting");
        } else await drop(`reverts in simulation: ${reason}`);
        continue;
      }
      const hinted = batch.reduce((sum, e) => sum + readerGasHint(e), 0);
      this.hintScale = Math.max(MIN_HINT_SCALE, Number(estimate) / hinted);
      const gas = batchGasLimit(estimate, batch, wallet);
      if (gas > limit && batch.length > 1) {
        split();
        log.info({ readers: batch.length, gas: gas.toString() }, "batch over the gas limit; splitting");
        continue;
      }
      // One EOA reader over the limit goes alone at what it needs (its estimate is what it costs); a
      // wallet reader's worst case over the limit is never sent (it may be more than a block holds).
      if (gas > limit && (batch[0] as ReaderEntry).walletChecks > 0) {
        await drop(`needs up to ${gas} gas with its wallet checks, over the batch gas limit ${limit}`);
        continue;
      }
      const readers = batch.map((e) => e.reader);
      const mined = await this.transactions.send(lock, { epoch, readers, data, gas }, log);
      if (mined !== undefined) {
        await this.applyReceipt(lock, epoch, mined, log);
        progressed = true;
      }
      const r = await this.report(epoch, "incomplete");
      log.info(
        {
          readers: r.readers,
          settled: r.settled,
          skipped: r.skipped,
          dropped: r.dropped,
          transactions: r.transactions,
          reverted: r.reverted,
          batchesLeft: queue.length,
        },
        "settlement progress",
      );
    }
    return progressed;
  }

  /** Records each reader's outcome from the ReaderSettled / ReaderSkipped events of a receipt. */
  private async applyReceipt(lock: SettlementLock, epoch: bigint, mined: Mined, log: Logger): Promise<void> {
    const { tx, receipt } = mined;
    if (receipt.status !== "success") {
      log.warn(
        { hash: tx.hash, readers: tx.readers.length, gasUsed: receipt.gasUsed.toString(), gas: tx.gas.toString() },
        "settle transaction reverted; its readers will be bisected",
      );
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
    await lock.saveOutcomes(epoch, outcomes);
  }
}

/** The verification job of the signature the pool checks as the reader's (see readerSignatureOf). */
function readerSignatureJob(tally: SignedTally): DigestJob {
  const { kind, signature } = readerSignatureOf(tally);
  return kind === "Session" && tally.session !== null
    ? sessionJob(tally, tally.session, signature)
    : tallyJob(tally, signature);
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
