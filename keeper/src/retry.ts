/** Retries transient RPC failures with exponential backoff and jitter; reverts are not transient. */
import {
  BaseError,
  ContractFunctionRevertedError,
  ExecutionRevertedError,
  HttpRequestError,
  RpcRequestError,
} from "viem";
import type { Logger } from "pino";

export interface RetryOptions {
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  log?: Logger;
  what?: string;
  /** Whether an error is worth another attempt (default: anything but a revert). */
  retryable?: (error: unknown) => boolean;
}

/** Whether the chain answered "this reverts" (a definite answer, not worth retrying). */
export function isRevert(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ExecutionRevertedError) !== null;
}

/** JSON-RPC and HTTP code of a rate-limit answer (Alchemy answers both). */
const RATE_LIMITED = 429;
/** How long to wait after a 429 that names no Retry-After: a provider's rate window. */
const RATE_LIMIT_WAIT_MS = 1000;

/**
 * How long a rate-limited RPC asks to be left alone (its Retry-After, else a second), or undefined when
 * `error` is not a 429.
 */
export function rateLimitWaitMs(error: unknown): number | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const limited = error.walk(
    (e) =>
      (e instanceof HttpRequestError && e.status === RATE_LIMITED) ||
      (e instanceof RpcRequestError && e.code === RATE_LIMITED),
  );
  if (limited === null) return undefined;
  // viem keeps the HTTP answer's headers on both (a 429 whose body is a JSON-RPC error is the latter).
  const header =
    limited instanceof HttpRequestError || limited instanceof RpcRequestError
      ? limited.headers?.get("retry-after")
      : null;
  const seconds = header === null || header === undefined ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : RATE_LIMIT_WAIT_MS;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const {
    attempts = 6,
    baseMs = 100,
    maxMs = 5_000,
    log,
    what = "rpc call",
    retryable = (e) => !isRevert(e),
  } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!retryable(error) || attempt >= attempts) throw error;
      // A 429 waits at least as long as the RPC asks (its rate window), with jitter so callers spread out.
      const backoff = Math.min(maxMs, baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      const limited = rateLimitWaitMs(error);
      const delay = limited === undefined ? backoff : Math.max(backoff, limited * (1 + Math.random() / 2));
      log?.warn({ err: shortError(error), attempt, delayMs: Math.round(delay) }, `${what} failed, retrying`);
      await sleep(delay);
    }
  }
}

export function shortError(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}
