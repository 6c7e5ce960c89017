/** Retries transient RPC failures with exponential backoff and jitter; reverts are not transient. */
import { BaseError, ContractFunctionRevertedError, ExecutionRevertedError } from "viem";
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
      const delay = Math.min(maxMs, baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      log?.warn({ err: shortError(error), attempt, delayMs: Math.round(delay) }, `${what} failed, retrying`);
      await sleep(delay);
    }
  }
}

export function shortError(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}
