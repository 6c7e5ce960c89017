/**
 * What the keeper reads from the chain, with retries and the caches the hot ingest path needs. Chain
 * time (the pending block's timestamp, as the next transaction would see it) rules, not the wall clock.
 *
 * When the RPC cannot answer (after retries), reads throw `ChainUnavailableError` and, for
 * `CHAIN_RETRY_AFTER_SECONDS`, fail at once instead of piling retries on an endpoint that is down.
 */
import { createHash } from "node:crypto";

import {
  BaseError,
  createPublicClient,
  encodeFunctionData,
  getAddress,
  HttpRequestError,
  LimitExceededRpcError,
  parseAbi,
  ResourceUnavailableRpcError,
  SocketClosedError,
  TimeoutError,
  WebSocketRequestError,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";
import type { Logger } from "pino";

import { epochAt, epochBounds, plauditPoolAbi, type EpochSchedule } from "@plaudit/protocol";
import { ReaderEventFollower, type ReaderEventOptions } from "./reader-events.js";
import { isRevert, shortError, withRetry } from "./retry.js";

export interface Deployment extends EpochSchedule {
  chainId: number;
  pool: Address;
  token: Address;
  keeperTipBps: number;
  /** Gas the pool gives a contract wallet's `isValidSignature` (`ERC1271_GAS_STIPEND`). */
  walletGasStipend: bigint;
}

export interface BudgetInfo {
  /** The open budget; 0 if none, settled or returned. */
  amount: bigint;
  /** The session nonce `Session` delegations for this epoch must carry. */
  sessionNonce: number;
}

/** How long an open budget read from the chain is reused by default (events invalidate it sooner). */
export const BUDGET_CACHE_MS = 10_000;
/** How long "no budget" is reused: an unknown reader's tallies cost one `budgetOf` call, not one each. */
export const NO_BUDGET_CACHE_MS = 5_000;
/** How long a contract wallet's refusal of one (digest, signature) is reused. */
export const WALLET_REFUSAL_CACHE_MS = 10_000;
/** Seconds a client should wait after `chain_unavailable`; reads fail at once for as long. */
export const CHAIN_RETRY_AFTER_SECONDS = 2;
const MAX_CACHED_READERS = 200_000;
const MAX_CACHED_CODES = 100_000;
const MAX_WALLET_REFUSALS = 10_000;
/** `BudgetStatus.Open` (IPlauditPool). */
const BUDGET_OPEN = 0;

/** ERC-1271, the standard the pool calls contract wallets through. */
const erc1271Abi = parseAbi(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
/** The one 32-byte answer the pool accepts: the `isValidSignature` selector, left-aligned, zero-padded. */
const ERC1271_MAGIC_WORD = `0x1626ba7e${"0".repeat(56)}`;
/** Intrinsic gas of a transaction and of its calldata (EIP-2028), and the EIP-7623 calldata floor. */
const TX_BASE_GAS = 21_000n;
const CALLDATA_ZERO_BYTE_GAS = 4n;
const CALLDATA_NONZERO_BYTE_GAS = 16n;
const CALLDATA_FLOOR_GAS_PER_TOKEN = 10n;
const CALLDATA_TOKENS_PER_NONZERO_BYTE = 4n;

export class PreflightError extends Error {
  override readonly name = "PreflightError";
}

/** The RPC did not answer (after retries): the API answers 503 `chain_unavailable`. */
export class ChainUnavailableError extends Error {
  override readonly name = "ChainUnavailableError";
  readonly retryAfterSeconds = CHAIN_RETRY_AFTER_SECONDS;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A failure of the endpoint or the network (not an answer about the call): worth retrying. */
export function isTransportFailure(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return (
    error.walk(
      (e) =>
        e instanceof HttpRequestError ||
        e instanceof TimeoutError ||
        e instanceof WebSocketRequestError ||
        e instanceof SocketClosedError ||
        e instanceof LimitExceededRpcError ||
        e instanceof ResourceUnavailableRpcError,
    ) !== null
  );
}

/** Gas for an `eth_call` of `data` that leaves the callee `stipend`, as the pool's staticcall does. */
export function walletCheckGas(data: Hex, stipend: bigint): bigint {
  let zero = 0n;
  let nonzero = 0n;
  for (let i = 2; i < data.length; i += 2) {
    if (data[i] === "0" && data[i + 1] === "0") zero++;
    else nonzero++;
  }
  const standard = TX_BASE_GAS + zero * CALLDATA_ZERO_BYTE_GAS + nonzero * CALLDATA_NONZERO_BYTE_GAS + stipend;
  const floor = TX_BASE_GAS + (zero + nonzero * CALLDATA_TOKENS_PER_NONZERO_BYTE) * CALLDATA_FLOOR_GAS_PER_TOKEN;
  return standard > floor ? standard : floor;
}

interface CachedBudget extends BudgetInfo {
  at: number;
}

export class ChainView {
  readonly client: PublicClient<Transport, Chain | undefined>;
  /** The last chain time read: its value, when it was answered and when it was asked. */
  private chainTimeCache: { value: bigint; at: number; askedAt: number } | undefined;
  /** reader => epoch => budget. Events about a reader drop its entries. */
  private readonly budgets = new Map<Address, Map<bigint, CachedBudget>>();
  /** The highest session nonce seen in `SessionsRevoked` per reader (covers reads that were in flight). */
  private readonly revokedNonces = new Map<Address, number>();
  /** Bumped by every event: a read that started before it is used once but not cached. */
  private cacheVersion = 0;
  private readonly codes = new Map<Address, boolean>();
  /** sha256(wallet, digest, signature) => until when the wallet's refusal is reused. */
  private readonly walletRefusals = new Map<string, number>();
  /** Reads in flight: concurrent misses of one key share one RPC call. */
  private chainTimeInFlight: Promise<bigint> | undefined;
  private chainTimeInFlightAskedAt = 0;
  private readonly budgetsInFlight = new Map<string, Promise<CachedBudget>>();
  private readonly codesInFlight = new Map<Address, Promise<boolean>>();
  private readonly walletChecksInFlight = new Map<string, Promise<boolean>>();
  private readonly follower: ReaderEventFollower | undefined;
  /** Reads fail at once until then (an outage was just seen). */
  private unavailableUntil = 0;
  private lastOutage = "";

  private constructor(
    transport: Transport,
    readonly deployment: Deployment,
    private readonly log: Logger,
    private readonly chainTimeTtlMs: number,
    followReaderEvents: ReaderEventOptions | undefined,
  ) {
    this.client = createPublicClient({ transport });
    this.follower =
      followReaderEvents === undefined
        ? undefined
        : new ReaderEventFollower(
            this.client,
            deployment.pool,
            {
              revoked: (reader, nonce) => this.onRevoked(reader, nonce),
              changed: (reader) => this.forgetReader(reader),
              lost: () => this.forgetAll(),
            },
            followReaderEvents,
            log,
          );
  }

  /** Checks that the pool is a contract on the expected chain and reads its parameters. */
  static async connect(options: {
    transport: Transport;
    pool: Address;
    chainId?: number | undefined;
    log: Logger;
    chainTimeTtlMs: number;
    /** Follow reader events so that revocations and new budgets count from the next chain head on. */
    followReaderEvents?: ReaderEventOptions | undefined;
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
    const read = <T>(functionName: "token" | "startTime" | "epochLength" | "keeperTipBps" | "ERC1271_GAS_STIPEND") =>
      retry(() => client.readContract({ address: options.pool, abi: plauditPoolAbi, functionName }) as Promise<T>);
    let deployment: Deployment;
    try {
      const [token, startTime, epochLength, keeperTipBps, walletGasStipend] = await Promise.all([
        read<Address>("token"),
        read<bigint>("startTime"),
        read<bigint>("epochLength"),
        read<number>("keeperTipBps"),
        read<bigint>("ERC1271_GAS_STIPEND"),
      ]);
      deployment = {
        chainId,
        pool: getAddress(options.pool),
        token,
        startTime,
        epochLength,
        keeperTipBps,
        walletGasStipend,
      };
    } catch (error) {
      throw new PreflightError(
        `--pool (PLAUDIT_POOL): ${options.pool} is not a PlauditPool: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    return new ChainView(
      options.transport,
      deployment,
      options.log,
      options.chainTimeTtlMs,
      options.followReaderEvents,
    );
  }

  /** Throws `ChainUnavailableError` while an outage just seen lasts. */
  private assertAvailable(what: string): void {
    if (Date.now() < this.unavailableUntil) {
      throw new ChainUnavailableError(`${what}: the RPC failed moments ago (${this.lastOutage})`);
    }
  }

  private outage(what: string, error: unknown): ChainUnavailableError {
    this.lastOutage = shortError(error).split("\n")[0] ?? "";
    this.unavailableUntil = Date.now() + CHAIN_RETRY_AFTER_SECONDS * 1000;
    return new ChainUnavailableError(`${what}: the RPC did not answer (${this.lastOutage})`, { cause: error });
  }

  /** A read with retries; a revert passes through, any other failure is an outage. */
  private async read<T>(fn: () => Promise<T>, what: string): Promise<T> {
    this.assertAvailable(what);
    try {
      return await withRetry(fn, { log: this.log, what });
    } catch (error) {
      if (isRevert(error)) throw error;
      throw this.outage(what, error);
    }
  }

  /** Whether a chain outage was seen within the last `CHAIN_RETRY_AFTER_SECONDS`. */
  get isUnavailable(): boolean {
    return Date.now() < this.unavailableUntil;
  }

  /** The timestamp the next block will have (pending block; latest as a fallback). */
  async chainTime(): Promise<bigint> {
    const cached = this.chainTimeCache;
    if (cached !== undefined && Date.now() - cached.at < this.chainTimeTtlMs) return cached.value;
    if (this.chainTimeInFlight !== undefined) return this.chainTimeInFlight;
    return this.readChainTime();
  }

  /**
   * A chain time read asked at or after `since` (a `performance.now()` instant): shares a read in flight
   * or cached only if it was asked no earlier, so callers asking together share one read and none of
   * them gets a time older than its own question.
   */
  async chainTimeSince(since: number): Promise<bigint> {
    const cached = this.chainTimeCache;
    if (cached !== undefined && cached.askedAt >= since) return cached.value;
    if (this.chainTimeInFlight !== undefined && this.chainTimeInFlightAskedAt >= since) return this.chainTimeInFlight;
    return this.readChainTime();
  }

  private readChainTime(): Promise<bigint> {
    const askedAt = performance.now();
    const read = this.read(() => this.readTime(this.follower !== undefined), "chain time").then(
      async ({ time, head }) => {
        // Reader events up to the head count before this chain time is used.
        if (head !== undefined) await this.follower?.syncTo(head);
        return time;
      },
    );
    const inFlight = read.then(
      (value) => {
        if (this.chainTimeInFlight === inFlight) {
          this.chainTimeCache = { value, at: Date.now(), askedAt };
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
    this.chainTimeInFlightAskedAt = askedAt;
    return inFlight;
  }

  /** The pending block's timestamp and, if asked for, the number of the last mined block. */
  private async readTime(withHead: boolean): Promise<{ time: bigint; head: bigint | undefined }> {
    let pending: { timestamp: bigint; number: bigint | null; hash: Hex | null };
    try {
      pending = await this.client.getBlock({ blockTag: "pending" });
    } catch {
      const latest = await this.client.getBlock({ blockTag: "latest" });
      return { time: latest.timestamp, head: latest.number };
    }
    if (!withHead) return { time: pending.timestamp, head: undefined };
    // A pending block without a hash sits on the head; a node that answers "pending" with its latest
    // block gives that block's hash; some leave the pending block's number out.
    if (pending.number !== null) {
      return { time: pending.timestamp, head: pending.hash === null ? pending.number - 1n : pending.number };
    }
    return { time: pending.timestamp, head: await this.client.getBlockNumber({ cacheTime: 0 }) };
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
   * delegations must carry. An open budget is reused for `maxAgeMs` when positive (settlement reads it
   * fresh with 0), "no budget" for at most `NO_BUDGET_CACHE_MS`; with reader events followed, a
   * revocation, a subscription or a settlement of the reader drops its entries at once.
   */
  async budget(reader: Address, epoch: bigint, maxAgeMs = BUDGET_CACHE_MS): Promise<BudgetInfo> {
    const cached = this.budgets.get(reader)?.get(epoch);
    if (cached !== undefined) {
      const ttl = cached.amount > 0n ? maxAgeMs : Math.min(maxAgeMs, NO_BUDGET_CACHE_MS);
      if (Date.now() - cached.at < ttl) return this.withRevocations(reader, cached);
    }
    const version = this.cacheVersion;
    const key = `${reader}:${epoch}:${version}`;
    // A fresh read (maxAgeMs 0, settlement) never joins a read that started earlier.
    const shared = maxAgeMs > 0 ? this.budgetsInFlight.get(key) : undefined;
    if (shared !== undefined) return this.withRevocations(reader, await shared);
    const read = (async () => {
      const [amount, status, sessionNonce] = await this.read(
        () =>
          this.client.readContract({
            address: this.deployment.pool,
            abi: plauditPoolAbi,
            functionName: "budgetOf",
            args: [reader, epoch],
          }),
        "budgetOf",
      );
      const info: CachedBudget = { amount: status === BUDGET_OPEN ? amount : 0n, sessionNonce, at: Date.now() };
      if (this.cacheVersion === version) this.cacheBudget(reader, epoch, info);
      return info;
    })();
    if (maxAgeMs > 0) {
      this.budgetsInFlight.set(key, read);
      const settle = () => this.budgetsInFlight.delete(key);
      read.then(settle, settle);
    }
    return this.withRevocations(reader, await read);
  }

  private cacheBudget(reader: Address, epoch: bigint, info: CachedBudget): void {
    let epochs = this.budgets.get(reader);
    if (epochs === undefined) {
      if (this.budgets.size >= MAX_CACHED_READERS) this.budgets.clear();
      epochs = new Map();
      this.budgets.set(reader, epochs);
    }
    epochs.set(epoch, info);
  }

  /** Every budget the pool can still settle carries the reader's latest session nonce (`revokeSessions`). */
  private withRevocations(reader: Address, info: BudgetInfo): BudgetInfo {
    const revoked = this.revokedNonces.get(reader);
    if (revoked === undefined || revoked <= info.sessionNonce)
      return { amount: info.amount, sessionNonce: info.sessionNonce };
    return { amount: info.amount, sessionNonce: revoked };
  }

  private onRevoked(reader: Address, nonce: number): void {
    const known = this.revokedNonces.get(reader);
    if (known === undefined || nonce > known) {
      if (this.revokedNonces.size >= MAX_CACHED_READERS) this.revokedNonces.clear();
      this.revokedNonces.set(reader, nonce);
    }
    this.forgetReader(reader);
  }

  private forgetReader(reader: Address): void {
    this.budgets.delete(reader);
    this.cacheVersion++;
  }

  private forgetAll(): void {
    this.budgets.clear();
    this.revokedNonces.clear();
    this.cacheVersion++;
  }

  async isSettled(reader: Address, epoch: bigint): Promise<boolean> {
    return this.read(
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
      read = this.read(() => this.client.getCode({ address }), "getCode").then((code) => {
        const has = code !== undefined && code !== "0x";
        if (this.codes.size >= MAX_CACHED_CODES) this.codes.clear();
        this.codes.set(address, has);
        return has;
      });
      const settle = () => this.codesInFlight.delete(address);
      read.then(settle, settle);
      this.codesInFlight.set(address, read);
    }
    return read;
  }

  /**
   * The contract wallet's ERC-1271 answer for `signature` over `digest`, asked as the pool asks it:
   * `isValidSignature` with `ERC1271_GAS_STIPEND` gas, only the exact magic word counts. A refusal
   * (any answer, revert or failed execution) is reused for `WALLET_REFUSAL_CACHE_MS`, and identical
   * checks in flight share one call, so repeated junk costs no further `eth_call`. Only a transport
   * failure is retried, and it throws `ChainUnavailableError`.
   */
  async isValidWalletSignature(wallet: Address, digest: Hex, signature: Hex): Promise<boolean> {
    const key = createHash("sha256").update(`${wallet}${digest}${signature}`).digest("base64");
    const refusedUntil = this.walletRefusals.get(key);
    if (refusedUntil !== undefined) {
      if (Date.now() < refusedUntil) return false;
      this.walletRefusals.delete(key);
    }
    let check = this.walletChecksInFlight.get(key);
    if (check === undefined) {
      check = this.askWallet(wallet, digest, signature).then((valid) => {
        if (!valid) {
          if (this.walletRefusals.size >= MAX_WALLET_REFUSALS) {
            // The oldest entry goes first (a Map iterates in insertion order).
            const oldest = this.walletRefusals.keys().next().value;
            if (oldest !== undefined) this.walletRefusals.delete(oldest);
          }
          this.walletRefusals.set(key, Date.now() + WALLET_REFUSAL_CACHE_MS);
        }
        return valid;
      });
      const settle = () => this.walletChecksInFlight.delete(key);
      check.then(settle, settle);
      this.walletChecksInFlight.set(key, check);
    }
    return check;
  }

  private async askWallet(wallet: Address, digest: Hex, signature: Hex): Promise<boolean> {
    this.assertAvailable("isValidSignature");
    const data = encodeFunctionData({ abi: erc1271Abi, functionName: "isValidSignature", args: [digest, signature] });
    const gas = walletCheckGas(data, this.deployment.walletGasStipend);
    let answer: Hex | undefined;
    try {
      ({ data: answer } = await withRetry(() => this.client.call({ to: wallet, data, gas }), {
        log: this.log,
        what: "isValidSignature",
        retryable: isTransportFailure,
      }));
    } catch (error) {
      if (!isTransportFailure(error)) return false;
      throw this.outage("isValidSignature", error);
    }
    return (
      answer !== undefined &&
      answer.length >= ERC1271_MAGIC_WORD.length &&
      answer.slice(0, ERC1271_MAGIC_WORD.length).toLowerCase() === ERC1271_MAGIC_WORD
    );
  }
}
