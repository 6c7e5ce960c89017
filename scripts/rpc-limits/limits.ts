/**
 * What free RPC tiers enforce, as pure functions: the `eth_getLogs` block range and result cap, the
 * batch size cap, and the error answers those providers send (so clients meet the same shapes here as
 * in production). The proxy (proxy.ts) applies them; tests call them directly too.
 *
 * Shapes, as the providers answer them:
 * - block range (Alchemy free tier): JSON-RPC error -32600, "Under the Free tier plan, you can make
 *   eth_getLogs requests with up to a 10 block range. Based on your parameters, this block range should
 *   work: [0xfrom, 0xto]";
 * - result cap (Infura): -32005, "query returned more than 10000 results. Try with this block range
 *   [0xfrom, 0xto].", data `{ from, to, limit }`;
 * - rate limit (Alchemy): HTTP 429, JSON-RPC error 429, "Your app has exceeded its compute units per
 *   second capacity. ...";
 * - batch too large (geth's `--rpc.batch-request-limit`): -32600 "batch too large", one error answer.
 */
import { z } from "zod";

export const JSON_RPC_VERSION = "2.0";
/** JSON-RPC error codes used below. */
export const RPC_ERROR = {
  parse: -32700,
  invalidRequest: -32600,
  limitExceeded: -32005,
  rateLimited: 429,
  internal: -32603,
} as const;

export type JsonRpcId = string | number | null;
export interface JsonRpcRequest {
  jsonrpc?: string;
  id?: JsonRpcId;
  method: string;
  params?: unknown;
}
export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}
export interface JsonRpcResponse {
  jsonrpc: typeof JSON_RPC_VERSION;
  id: JsonRpcId;
  result?: unknown;
  error?: JsonRpcError;
}

export const jsonRpcRequestSchema = z.object({
  jsonrpc: z.string().optional(),
  id: z.union([z.string(), z.number(), z.null()]).optional(),
  method: z.string().min(1),
  params: z.unknown().optional(),
});

const positiveInt = z.number().int().positive();

/** The limits a proxy enforces; `null` turns one off. */
export const rpcLimitsSchema = z.strictObject({
  /** Largest `eth_getLogs` range, in blocks counted inclusively (`toBlock - fromBlock + 1`). */
  maxLogRange: positiveInt.nullable(),
  /** Most logs one `eth_getLogs` may return. */
  maxLogResults: positiveInt.nullable(),
  /** JSON-RPC calls per second per client (a batch counts each call); over it, HTTP 429. */
  requestsPerSecond: positiveInt.nullable(),
  /** Most calls in one JSON-RPC batch. */
  maxBatch: positiveInt.nullable(),
  /** Share of HTTP requests that time out (held `timeoutMs`, then HTTP 504), drawn from `seed`. */
  timeoutRate: z.number().min(0).max(1),
  timeoutMs: z.number().int().nonnegative(),
  seed: z.number().int(),
});
export type RpcLimits = z.output<typeof rpcLimitsSchema>;

/**
 * Named sets of limits: `public` is a free tier (Alchemy's log range, Infura's result cap, a small batch cap),
 * what a page's RPC has; `archive` is a paid plan an indexer's operator would buy for its one backfill (a
 * 2,000-block log range, the same result cap, a higher rate, geth's default batch cap); `none` limits nothing.
 */
export const RPC_LIMIT_PROFILES = {
  public: {
    maxLogRange: 10,
    maxLogResults: 10_000,
    requestsPerSecond: 25,
    maxBatch: 3,
    timeoutRate: 0.002,
    timeoutMs: 10_000,
    seed: 11,
  },
  archive: {
    maxLogRange: 2000,
    maxLogResults: 10_000,
    requestsPerSecond: 300,
    maxBatch: 1000,
    timeoutRate: 0.002,
    timeoutMs: 10_000,
    seed: 11,
  },
  none: {
    maxLogRange: null,
    maxLogResults: null,
    requestsPerSecond: null,
    maxBatch: null,
    timeoutRate: 0,
    timeoutMs: 0,
    seed: 11,
  },
} as const satisfies Record<string, RpcLimits>;
export type RpcLimitProfile = keyof typeof RPC_LIMIT_PROFILES;

const toHex = (n: bigint) => `0x${n.toString(16)}`;

export function errorResponse(id: JsonRpcId | undefined, error: JsonRpcError): JsonRpcResponse {
  return { jsonrpc: JSON_RPC_VERSION, id: id ?? null, error };
}

/** Alchemy's answer to a log query over the free tier's range, suggesting the first allowed window. */
export function logRangeError(fromBlock: bigint, maxRange: number): JsonRpcError {
  return {
    code: RPC_ERROR.invalidRequest,
    message:
      `Under the Free tier plan, you can make eth_getLogs requests with up to a ${maxRange} block range. ` +
      `Based on your parameters, this block range should work: [${toHex(fromBlock)}, ${toHex(fromBlock + BigInt(maxRange) - 1n)}]`,
  };
}

/** Infura's answer to a log query with too many results, suggesting a range that stays under the cap. */
export function logResultsError(fromBlock: bigint, toBlock: bigint, limit: number): JsonRpcError {
  return {
    code: RPC_ERROR.limitExceeded,
    message: `query returned more than ${limit} results. Try with this block range [${toHex(fromBlock)}, ${toHex(toBlock)}].`,
    data: { from: toHex(fromBlock), to: toHex(toBlock), limit },
  };
}

export const RATE_LIMITED_ERROR: JsonRpcError = {
  code: RPC_ERROR.rateLimited,
  message:
    "Your app has exceeded its compute units per second capacity. If you have retries enabled, you can safely ignore this message.",
};

export const BATCH_TOO_LARGE_ERROR: JsonRpcError = { code: RPC_ERROR.invalidRequest, message: "batch too large" };

const BLOCK_TAGS_AT_HEAD = new Set(["latest", "pending", "safe", "finalized"]);

/** A log filter's block span, or the block hash it names. Tags are resolved against `head`. */
export type LogSpan =
  { kind: "range"; fromBlock: bigint; toBlock: bigint } | { kind: "blockHash" } | { kind: "invalid" };

function blockOf(tag: unknown, head: bigint): bigint | null {
  if (tag === undefined || tag === null) return head;
  if (typeof tag !== "string") return null;
  if (tag === "earliest") return 0n;
  if (BLOCK_TAGS_AT_HEAD.has(tag)) return head;
  return /^0x[0-9a-fA-F]+$/.test(tag) ? BigInt(tag) : null;
}

/** Whether the filter's block bounds name a tag (so resolving it needs the head block). */
export function needsHead(params: unknown): boolean {
  const filter = Array.isArray(params) ? (params[0] as Record<string, unknown> | undefined) : undefined;
  if (filter === undefined || typeof filter !== "object" || filter === null || "blockHash" in filter) return false;
  return [filter.fromBlock, filter.toBlock].some((bound) => typeof bound !== "string" || !bound.startsWith("0x"));
}

export function logSpan(params: unknown, head: bigint): LogSpan {
  const filter = Array.isArray(params) ? (params[0] as unknown) : undefined;
  if (typeof filter !== "object" || filter === null) return { kind: "invalid" };
  const record = filter as Record<string, unknown>;
  if (record.blockHash !== undefined && record.blockHash !== null) return { kind: "blockHash" };
  const fromBlock = blockOf(record.fromBlock, head);
  const toBlock = blockOf(record.toBlock, head);
  if (fromBlock === null || toBlock === null) return { kind: "invalid" };
  return { kind: "range", fromBlock, toBlock };
}

/** Blocks a span covers, counted inclusively (a `blockHash` query covers one). */
export function spanBlocks(span: LogSpan): bigint {
  if (span.kind === "blockHash") return 1n;
  if (span.kind === "invalid") return 0n;
  return span.toBlock >= span.fromBlock ? span.toBlock - span.fromBlock + 1n : 0n;
}

/**
 * The range to suggest when `logs` (sorted by block, as nodes return them) exceed `limit`: up to the
 * block before the one holding the first log past the cap (at least `fromBlock`).
 */
export function rangeUnderCap(fromBlock: bigint, logs: readonly unknown[], limit: number): bigint {
  const first = logs[limit] as { blockNumber?: unknown } | undefined;
  const block = typeof first?.blockNumber === "string" ? BigInt(first.blockNumber) : fromBlock;
  return block > fromBlock ? block - 1n : fromBlock;
}
