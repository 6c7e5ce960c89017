/**
 * Transaction management for settlement: nonces, fees, signing, recording before broadcasting, waiting
 * for the receipt, replacing a stuck transaction with a higher fee, and resuming recorded transactions
 * after a restart or another instance's crash. Knows nothing about readers or batches beyond the
 * addresses it records.
 *
 * Records of several accounts may share one database (several keeper instances, each with its own key).
 * Only the account that signed a transaction ever sends it again or replaces it; another account only
 * watches for its receipt.
 */
import {
  BaseError,
  keccak256,
  TransactionReceiptNotFoundError,
  type Address,
  type Hex,
  type LocalAccount,
  type TransactionReceipt,
} from "viem";

import type { ChainView } from "../chain.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { isRevert, shortError, sleep, withRetry } from "../retry.js";
import type { SettlementLock, TxRecord, TxStatus } from "../store/types.js";

/** Attempts of each RPC call of settlement before the pass gives up (and the next pass retries). */
export const RPC_ATTEMPTS = 8;
/** A replacement pays this share of the replaced fees (numerator / denominator, plus 1 wei): 125 %. */
export const FEE_BUMP_NUMERATOR = 5n;
export const FEE_BUMP_DENOMINATOR = 4n;

/** Node answers to a broadcast that mean "sending this again cannot help": the nonce decides. */
const SETTLED_BROADCAST = /already known|known transaction|nonce too low|nonce has already been used/i;

export interface TransactionOptions {
  pollIntervalMs: number;
  /** A transaction unmined this long is replaced with a higher fee (ours) or given up on (another's). */
  stuckAfterMs: number;
}

/** Test hooks that simulate faults (a crash right after a broadcast). */
export interface SettlerFaults {
  afterBroadcast?: (hash: Hex) => void | Promise<void>;
}

export interface Mined {
  tx: TxRecord;
  receipt: TransactionReceipt;
}

/** What resuming the recorded transactions of an epoch found. */
export interface Resumed {
  mined: Mined[];
  /** Readers of another account's transactions that may still be mined: leave them alone for now. */
  inFlight: Set<Address>;
}

/** The node refused a new settle transaction outright (it can never be mined as signed). */
export class BroadcastRefused extends Error {
  override readonly name = "BroadcastRefused";
}

export class TransactionManager {
  constructor(
    private readonly deps: {
      chain: ChainView;
      account: LocalAccount;
      log: Logger;
      metrics: Metrics;
      faults?: SettlerFaults | undefined;
    },
    private readonly options: TransactionOptions,
    private readonly shouldStop: () => boolean,
  ) {}

  private get client() {
    return this.deps.chain.client;
  }

  private get address(): Address {
    return this.deps.account.address;
  }

  private retry<T>(fn: () => Promise<T>, what: string): Promise<T> {
    return withRetry(fn, { log: this.deps.log, what, attempts: RPC_ATTEMPTS });
  }

  /** Signs, records (through the lock), broadcasts, then waits, replacing the transaction when stuck. */
  async send(
    lock: SettlementLock,
    request: { epoch: bigint; readers: Address[]; data: Hex; gas: bigint },
    log: Logger,
  ): Promise<Mined | undefined> {
    const nonce = await this.retry(
      () => this.client.getTransactionCount({ address: this.address, blockTag: "pending" }),
      "nonce",
    );
    const fees = await this.retry(() => this.client.estimateFeesPerGas(), "fees");
    const { tx, refused } = await this.broadcast(
      lock,
      {
        ...request,
        from: this.address,
        nonce,
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      },
      log,
    );
    if (refused !== undefined) {
      // The node would not take it (too little gas for its calldata, no funds for it...): it cannot be
      // mined. Unless the chain says otherwise, record so and fail the pass, loudly, instead of waiting.
      const mined = await this.minedOne(lock, [tx]);
      if (mined !== undefined) return mined;
      if ((await this.minedNonce(this.address)) <= tx.nonce) {
        await this.markUnmined(lock, tx, "replaced");
        throw new BroadcastRefused(`the node refused settle transaction ${tx.hash}: ${shortError(refused)}`, {
          cause: refused,
        });
      }
    }
    return this.waitOrReplace(lock, [tx], Date.now(), log);
  }

  /**
   * Finishes what the records of an epoch left pending, oldest nonce first. A mined one (anyone's) is
   * returned with its receipt. Our own: abandoned when `decided` says all its readers have an outcome,
   * else sent again unchanged and waited for (replaced when stuck). Another account's: watched only; its
   * readers stay in flight until it is `stuckAfterMs` old or its nonce went to another transaction.
   */
  async resume(
    lock: SettlementLock,
    records: readonly TxRecord[],
    decided: (readers: readonly Address[]) => Promise<boolean>,
    log: Logger,
  ): Promise<Resumed> {
    const result: Resumed = { mined: [], inFlight: new Set() };
    const byNonce = new Map<string, TxRecord[]>();
    for (const tx of records.filter((t) => t.status === "pending")) {
      const key = `${(tx.from ?? "unknown").toLowerCase()}:${tx.nonce}`;
      byNonce.set(key, [...(byNonce.get(key) ?? []), tx]);
    }
    const groups = [...byNonce.values()].sort((a, b) => (a[0] as TxRecord).nonce - (b[0] as TxRecord).nonce);
    for (const txs of groups) {
      if (this.shouldStop()) break;
      const own = await this.ownRecords(txs);
      const sample = txs[txs.length - 1] as TxRecord;
      log.info(
        { hash: sample.hash, from: sample.from, nonce: sample.nonce, own: own.length > 0 },
        "resolving a recorded pending transaction",
      );
      const mined = await this.minedOne(lock, txs);
      if (mined !== undefined) {
        result.mined.push(mined);
        continue;
      }
      if (own.length === 0) {
        const foreign = txs[txs.length - 1] as TxRecord;
        if (await this.foreignNonceUsed(foreign)) {
          for (const t of txs) await this.markUnmined(lock, t, "replaced");
          log.info({ from: foreign.from, nonce: foreign.nonce }, "another keeper's transaction was superseded");
        } else if (Date.now() - foreign.createdAt < this.options.stuckAfterMs) {
          for (const t of txs) for (const reader of t.readers) result.inFlight.add(reader);
          log.info(
            { from: foreign.from, nonce: foreign.nonce, hash: foreign.hash },
            "another keeper's settle transaction may still be mined; leaving its readers for now",
          );
        } else {
          log.warn(
            { from: foreign.from, nonce: foreign.nonce, hash: foreign.hash },
            "another keeper's settle transaction is unmined past the stuck timeout; its readers will be re-planned",
          );
        }
        continue;
      }
      const latest = own[own.length - 1] as TxRecord;
      if (await decided(latest.readers)) {
        // Nothing left for it to do: let the nonce go to the next transaction instead of paying for it.
        for (const t of own) await this.markUnmined(lock, t, "replaced");
        log.info({ nonce: latest.nonce }, "abandoning a recorded transaction whose readers are all decided");
        continue;
      }
      log.info({ nonce: latest.nonce, hashes: own.map((t) => t.hash) }, "resuming a pending settle transaction");
      // Refused or not, the wait below decides: the nonce, a receipt, or a replacement when stuck.
      await this.sendSigned(latest, log);
      const resumed = await this.waitOrReplace(lock, own, latest.createdAt, log);
      if (resumed !== undefined) result.mined.push(resumed);
    }
    return result;
  }

  /** The records among `txs` (one nonce) that this account signed: by `from`, or by signing them again. */
  private async ownRecords(txs: readonly TxRecord[]): Promise<TxRecord[]> {
    const own: TxRecord[] = [];
    for (const tx of txs) {
      if (tx.from !== null) {
        if (tx.from.toLowerCase() === this.address.toLowerCase()) own.push(tx);
        continue;
      }
      // A record from before senders were stored: signing is deterministic (RFC 6979), so the same
      // fields signed by this key give the recorded hash exactly when this key signed it.
      if (keccak256(await this.sign(tx)) === tx.hash) own.push({ ...tx, from: this.address });
    }
    return own;
  }

  private sign(tx: Pick<TxRecord, "data" | "gas" | "nonce" | "maxFeePerGas" | "maxPriorityFeePerGas">): Promise<Hex> {
    return this.deps.account.signTransaction({
      chainId: this.deps.chain.deployment.chainId,
      type: "eip1559",
      to: this.deps.chain.deployment.pool,
      data: tx.data,
      gas: tx.gas,
      nonce: tx.nonce,
      maxFeePerGas: tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    });
  }

  /** Records and sends a new transaction; `refused` is the node's answer when it would not take it. */
  private async broadcast(
    lock: SettlementLock,
    params: Omit<TxRecord, "hash" | "status" | "createdAt" | "gasUsed">,
    log: Logger,
  ): Promise<{ tx: TxRecord; refused: unknown }> {
    const serialized = await this.sign(params);
    const tx: TxRecord = {
      ...params,
      hash: keccak256(serialized),
      status: "pending",
      createdAt: Date.now(),
      gasUsed: null,
    };
    // Recorded before it is sent, through the lock: after a crash a keeper looks for it instead of
    // settling again, and a keeper that lost the lock sends nothing new.
    await lock.saveTransaction(tx);
    const refused = await this.sendRaw(serialized, tx.hash, log);
    if (refused === undefined)
      log.info(
        { hash: tx.hash, nonce: tx.nonce, readers: tx.readers.length, gas: tx.gas.toString() },
        "settle transaction sent",
      );
    await this.deps.faults?.afterBroadcast?.(tx.hash);
    return { tx, refused };
  }

  /** Sends one of our recorded transactions again, unchanged (the same hash). */
  private async sendSigned(tx: TxRecord, log: Logger): Promise<void> {
    const serialized = await this.sign(tx);
    if (keccak256(serialized) !== tx.hash) throw new Error(`record ${tx.hash} does not match its fields`);
    await this.sendRaw(serialized, tx.hash, log);
  }

  /**
   * Sends a signed transaction, retrying transient failures. Resolves to undefined when the node took it
   * (or already knows it, or its nonce is used: the wait loop finds out what happened to the nonce), else
   * to the error of the last attempt.
   */
  private async sendRaw(serialized: Hex, hash: Hex, log: Logger): Promise<unknown> {
    const settled = (e: unknown) => SETTLED_BROADCAST.test(shortError(e) + String((e as Error).message));
    try {
      await withRetry(() => this.client.sendRawTransaction({ serializedTransaction: serialized }), {
        log: this.deps.log,
        what: "sendRawTransaction",
        attempts: RPC_ATTEMPTS,
        retryable: (e) => !isRevert(e) && !settled(e),
      });
      return undefined;
    } catch (error) {
      if (settled(error)) {
        log.info({ hash, err: shortError(error) }, "the node knows this transaction or its nonce; watching the nonce");
        return undefined;
      }
      log.warn({ hash, err: shortError(error) }, "broadcast failed");
      return error;
    }
  }

  private async receiptOf(hash: Hex): Promise<TransactionReceipt | undefined> {
    try {
      return await this.retry(async () => {
        try {
          return await this.client.getTransactionReceipt({ hash });
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

  /** The mined one of `txs` (one nonce), its status recorded and the others marked replaced. */
  private async minedOne(lock: SettlementLock, txs: readonly TxRecord[]): Promise<Mined | undefined> {
    for (const tx of [...txs].reverse()) {
      const receipt = await this.receiptOf(tx.hash);
      if (receipt === undefined) continue;
      const status: TxStatus = receipt.status === "success" ? "confirmed" : "failed";
      await lock.setTransactionStatus(tx.hash, status, receipt.gasUsed);
      this.deps.metrics.settlementTransactions.inc({ status });
      for (const other of txs) if (other.hash !== tx.hash) await this.markUnmined(lock, other, "replaced");
      return { tx: { ...tx, status, gasUsed: receipt.gasUsed }, receipt };
    }
    return undefined;
  }

  private async markUnmined(lock: SettlementLock, tx: TxRecord, status: "replaced"): Promise<void> {
    await lock.setTransactionStatus(tx.hash, status);
    this.deps.metrics.settlementTransactions.inc({ status });
  }

  private async minedNonce(address: Address): Promise<number> {
    return this.retry(() => this.client.getTransactionCount({ address, blockTag: "latest" }), "nonce");
  }

  private async foreignNonceUsed(tx: TxRecord): Promise<boolean> {
    return tx.from !== null && (await this.minedNonce(tx.from)) > tx.nonce;
  }

  /**
   * Waits for one of our `txs` (same nonce) to be mined; sends a replacement with a higher fee when none is
   * mined `stuckAfterMs` after `lastSent`. Resolves to the mined one, or undefined if the nonce went
   * elsewhere (or settlement is stopping).
   */
  private async waitOrReplace(
    lock: SettlementLock,
    txs: TxRecord[],
    lastSent: number,
    log: Logger,
  ): Promise<Mined | undefined> {
    for (;;) {
      const mined = await this.minedOne(lock, txs);
      if (mined !== undefined) return mined;
      const latest = txs[txs.length - 1] as TxRecord;
      if ((await this.minedNonce(this.address)) > latest.nonce) {
        // The nonce was used, but none of ours has a receipt: look once more, then give up on them.
        const again = await this.minedOne(lock, txs);
        if (again !== undefined) return again;
        for (const t of txs) await this.markUnmined(lock, t, "replaced");
        log.warn({ nonce: latest.nonce }, "nonce consumed by another transaction; readers will be re-planned");
        return undefined;
      }
      if (Date.now() - lastSent >= this.options.stuckAfterMs) {
        const replacement = await this.replace(lock, latest, log);
        // A replacement the node refuses is never mined: keep waiting for the ones it has.
        if (replacement.refused === undefined) txs.push(replacement.tx);
        else await this.markUnmined(lock, replacement.tx, "replaced");
        lastSent = Date.now();
      }
      if (this.shouldStop()) return undefined;
      await sleep(this.options.pollIntervalMs);
    }
  }

  private async replace(lock: SettlementLock, latest: TxRecord, log: Logger) {
    const fees = await this.retry(() => this.client.estimateFeesPerGas(), "fees");
    const bump = (old: bigint, now: bigint) => {
      const raised = (old * FEE_BUMP_NUMERATOR) / FEE_BUMP_DENOMINATOR + 1n;
      return raised > now ? raised : now;
    };
    const maxPriorityFeePerGas = bump(latest.maxPriorityFeePerGas, fees.maxPriorityFeePerGas);
    let maxFeePerGas = bump(latest.maxFeePerGas, fees.maxFeePerGas);
    if (maxFeePerGas < maxPriorityFeePerGas) maxFeePerGas = maxPriorityFeePerGas;
    log.warn(
      { hash: latest.hash, nonce: latest.nonce, maxFeePerGas: maxFeePerGas.toString() },
      "settle transaction stuck; replacing with a higher fee",
    );
    return this.broadcast(
      lock,
      {
        epoch: latest.epoch,
        from: this.address,
        nonce: latest.nonce,
        readers: latest.readers,
        data: latest.data,
        gas: latest.gas,
        maxFeePerGas,
        maxPriorityFeePerGas,
      },
      log,
    );
  }
}
