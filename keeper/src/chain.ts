/**
 * What the keeper reads from the chain, with retries and the caches the hot ingest path needs. Chain
 * time (the pending block's timestamp, as the next transaction would see it) rules, not the wall clock.
 */
import {
  createPublicClient,
  getAddress,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";
import type { Logger } from "pino";

import { epochAt, epochBounds, plauditPoolAbi, type EpochSchedule } from "@plaudit/protocol";
import { withRetry } from "./retry.js";

export interface Deployment extends EpochSchedule {
  chainId: number;
  pool: Address;
  token: Address;
  keeperTipBps: number;
}

export interface BudgetInfo {
  /** The open budget; 0 if none, settled or returned. */
  amount: bigint;
  /** The session nonce `Session` delegations for this epoch must carry. */
  sessionNonce: number;
}

export class PreflightError extends Error {
  override readonly name = "PreflightError";
}

export class ChainView {
  readonly client: PublicClient<Transport, Chain | undefined>;
  private chainTimeCache: { value: bigint; at: number } | undefined;
  private readonly budgets = new Map<string, BudgetInfo & { at: number }>();
  private readonly codes = new Map<Address, boolean>();
  /** Reads in flight: concurrent misses of one key share one RPC call. */
  private chainTimeInFlight: Promise<bigint> | undefined;
  private readonly budgetsInFlight = new Map<string, Promise<BudgetInfo>>();
  private readonly codesInFlight = new Map<Address, Promise<boolean>>();

  private constructor(
    transport: Transport,
    readonly deployment: Deployment,
    private readonly log: Logger,
    private readonly chainTimeTtlMs: number,
  ) {
    this.client = createPublicClient({ transport });
  }

  /** Checks that the pool is a contract on the expected chain and reads its parameters. */
  static async connect(options: {
    transport: Transport;
    pool: Address;
    chainId?: number | undefined;
    log: Logger;
    chainTimeTtlMs: number;
  }): Promise<ChainView> {
    const client = createPublicClient({ transport: options.transport });
    const retry = <T>(fn: () => Promise<T>) => withRetry(fn, { log: options.log, what: "pre-flight", attempts: 4 });
    let chainId: number;
    try {
      chainId = await retry(() => client.getChainId());
    } catch (error) {
      throw new PreflightError(
        `--rpc-url (PLAUDIT_RPC_URL): cannot reach the RPC: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    if (options.chainId !== undefined && options.chainId !== chainId) {
      throw new PreflightError(
        `--chain-id (PLAUDIT_CHAIN_ID): expected chain ${options.chainId}, the RPC is on chain ${chainId}`,
      );
    }
    const code = await retry(() => client.getCode({ address: options.pool }));
    if (code === undefined || code === "0x") {
      throw new PreflightError(`--pool (PLAUDIT_POOL): no contract at ${options.pool} on chain ${chainId}`);
    }
    const read = <T>(functionName: "token" | "startTime" | "epochLength" | "keeperTipBps") =>
      retry(() => client.readContract({ address: options.pool, abi: plauditPoolAbi, functionName }) as Promise<T>);
    let deployment: Deployment;
    try {
      const [token, startTime, epochLength, keeperTipBps] = await Promise.all([
        read<Address>("token"),
        read<bigint>("startTime"),
        read<bigint>("epochLength"),
        read<number>("keeperTipBps"),
      ]);
      deployment = { chainId, pool: getAddress(options.pool), token, startTime, epochLength, keeperTipBps };
    } catch (error) {
      throw new PreflightError(
        `--pool (PLAUDIT_POOL): ${options.pool} is not a PlauditPool: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    return new ChainView(options.transport, deployment, options.log, options.chainTimeTtlMs);
  }

  private retry<T>(fn: () => Promise<T>, what: string): Promise<T> {
    return withRetry(fn, { log: this.log, what });
  }

  /** The timestamp the next block will have (pending block; latest as a fallback). */
  async chainTime(): Promise<bigint> {
    const cached = this.chainTimeCache;
    if (cached !== undefined && Date.now() - cached.at < this.chainTimeTtlMs) return cached.value;
    if (this.chainTimeInFlight !== undefined) return this.chainTimeInFlight;
    const read = this.retry(async () => {
      try {
        return (await this.client.getBlock({ blockTag: "pending" })).timestamp;
      } catch {
        return (await this.client.getBlock({ blockTag: "latest" })).timestamp;
      }
    }, "chain time");
    const inFlight = read.then(
      (value) => {
        if (this.chainTimeInFlight === inFlight) {
          this.chainTimeCache = { value, at: Date.now() };
          this.chainTimeInFlight = undefined;
        }
        return value;
      },
      (error: unknown) => {
        if (this.chainTimeInFlight === inFlight) this.chainTimeInFlight = undefined;
        throw error;
      },
    );
    this.chainTimeInFlight = inFlight;
    return inFlight;
  }

  /** Forgets the cached chain time (and a read in flight): the next call reads the chain anew. */
  invalidateChainTime(): void {
    this.chainTimeCache = undefined;
    this.chainTimeInFlight = undefined;
  }

  async currentEpoch(): Promise<bigint> {
    return epochAt(this.deployment, await this.chainTime());
  }

  bounds(epoch: bigint) {
    return epochBounds(this.deployment, epoch);
  }

  /**
   * The reader's open budget for `epoch` (0 if none or no longer open) and the session nonce its
   * delegations must carry. Reused for `maxAgeMs` when positive (settlement reads it fresh with 0).
   */
  async budget(reader: Address, epoch: bigint, maxAgeMs = 10_000): Promise<BudgetInfo> {
    const key = `${reader}:${epoch}`;
    const cached = this.budgets.get(key);
    if (cached !== undefined && Date.now() - cached.at < maxAgeMs) return cached;
    // A fresh read (maxAgeMs 0, settlement) never joins a read that started earlier.
    const shared = maxAgeMs > 0 ? this.budgetsInFlight.get(key) : undefined;
    if (shared !== undefined) return shared;
    const read = (async () => {
      const [amount, status, sessionNonce] = await this.retry(
        () =>
          this.client.readContract({
            address: this.deployment.pool,
            abi: plauditPoolAbi,
            functionName: "budgetOf",
            args: [reader, epoch],
          }),
        "budgetOf",
      );
      const info = { amount: status === 0 ? amount : 0n, sessionNonce, at: Date.now() };
      if (info.amount > 0n) {
        if (this.budgets.size > 200_000) this.budgets.clear();
        this.budgets.set(key, info);
      }
      return info;
    })();
    if (maxAgeMs > 0) {
      this.budgetsInFlight.set(key, read);
      read.then(
        () => this.budgetsInFlight.delete(key),
        () => this.budgetsInFlight.delete(key),
      );
    }
    return read;
  }

  async isSettled(reader: Address, epoch: bigint): Promise<boolean> {
    return this.retry(
      () =>
        this.client.readContract({
          address: this.deployment.pool,
          abi: plauditPoolAbi,
          functionName: "isSettled",
          args: [reader, epoch],
        }),
      "isSettled",
    );
  }

  async hasCode(address: Address): Promise<boolean> {
    const cached = this.codes.get(address);
    if (cached !== undefined) return cached;
    let read = this.codesInFlight.get(address);
    if (read === undefined) {
      read = this.retry(() => this.client.getCode({ address }), "getCode").then((code) => {
        const has = code !== undefined && code !== "0x";
        if (this.codes.size > 100_000) this.codes.clear();
        this.codes.set(address, has);
        return has;
      });
      const settle = () => this.codesInFlight.delete(address);
      read.then(settle, settle);
      this.codesInFlight.set(address, read);
    }
    return read;
  }

  /** ERC-1271 (contract wallet) check of `signature` over `digest`, through the chain. */
  async isValidWalletSignature(wallet: Address, digest: Hex, signature: Hex): Promise<boolean> {
    try {
      return await this.retry(
        () => this.client.verifyHash({ address: wallet, hash: digest, signature }),
        "isValidSignature",
      );
    } catch {
      return false;
    }
  }
}
