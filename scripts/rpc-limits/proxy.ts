/**
 * A JSON-RPC proxy in front of a local chain that behaves like a free public RPC tier (limits.ts):
 * bounded `eth_getLogs` ranges and results, a per-client request rate with HTTP 429, a batch size cap
 * and occasional timeouts, each answered with the providers' own error shapes. It counts every call by
 * method and client and keeps the widest log range it was asked for, so tests and benchmarks can check
 * that a client never asked for more than the limit.
 *
 * Routes: `POST /` and `POST /rpc/:client` (a client named as an API key would be; otherwise the client
 * is the caller's address), `GET /limits/stats`, `POST /limits/reset` (zeroes the counters).
 */
import type { AddressInfo } from "node:net";

import { serve, type ServerType } from "@hono/node-server";
import { cors } from "hono/cors";
import { Hono, type Context } from "hono";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

import { seededRandom } from "../simulate/random.js";
import {
  BATCH_TOO_LARGE_ERROR,
  RATE_LIMITED_ERROR,
  RPC_ERROR,
  errorResponse,
  jsonRpcRequestSchema,
  logRangeError,
  logResultsError,
  logSpan,
  needsHead,
  rangeUnderCap,
  rpcLimitsSchema,
  spanBlocks,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RpcLimits,
} from "./limits.js";

export interface RpcLimitsProxyOptions {
  /** The chain's JSON-RPC URL. */
  upstream: string;
  limits: RpcLimits;
  /** Clients (by the name in `/rpc/:client`) with their own request rate, e.g. an indexer on a paid plan. */
  clientRates?: Record<string, number | null>;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface RpcLimitsStats {
  /** JSON-RPC calls received (each call of a batch counts), by method and by client. */
  calls: number;
  httpRequests: number;
  byMethod: Record<string, number>;
  byClient: Record<string, number>;
  /** Calls by client, then by method. */
  byClientMethod: Record<string, Record<string, number>>;
  rejected: { logRange: number; logResults: number; rateLimited: number; batchTooLarge: number; timeouts: number };
  logs: {
    /** `eth_getLogs` calls with a block range or hash, the widest range asked for (inclusive blocks, rejected
     * ones too) and the lowest `fromBlock` asked for (null before any). */
    queries: number;
    maxRange: number;
    minFromBlock: number | null;
  };
}

export interface RpcLimitsProxy {
  url: string;
  /** The URL a named client uses (its own request-rate bucket). */
  urlFor(client: string): string;
  stats(): RpcLimitsStats;
  reset(): void;
  close(): Promise<void>;
}

const emptyStats = (): RpcLimitsStats => ({
  calls: 0,
  httpRequests: 0,
  byMethod: {},
  byClient: {},
  byClientMethod: {},
  rejected: { logRange: 0, logResults: 0, rateLimited: 0, batchTooLarge: 0, timeouts: 0 },
  logs: { queries: 0, maxRange: 0, minFromBlock: null },
});

/** Tries of a request to the chain before the proxy answers with an error. */
const UPSTREAM_ATTEMPTS = 2;
/** How long a resolved head block is reused to resolve "latest" in log filters. */
const HEAD_TTL_MS = 1000;

export async function startRpcLimitsProxy(options: RpcLimitsProxyOptions): Promise<RpcLimitsProxy> {
  const limits = rpcLimitsSchema.parse(options.limits);
  const random = seededRandom(limits.seed);
  let stats = emptyStats();
  const clientRates = new Map<string, number | null>(
    Object.entries(options.clientRates ?? {}).map(([name, rate]) => [`key:${name}`, rate]),
  );
  const limiters = new Map<string, RateLimiterMemory | null>();
  const limiterFor = (client: string): RateLimiterMemory | null => {
    if (!limiters.has(client)) {
      const own = clientRates.get(client);
      const rate = own === undefined ? limits.requestsPerSecond : own;
      limiters.set(client, rate === null ? null : new RateLimiterMemory({ points: rate, duration: 1 }));
    }
    return limiters.get(client) ?? null;
  };

  let head: { block: bigint; at: number } | undefined;
  /** Forwards to the chain; a connection the node dropped before answering (a closed keep-alive socket) is
   * tried once more, and then answered as an internal error rather than thrown. */
  async function upstream(body: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(options.upstream, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return await response.json();
      } catch (error) {
        if (attempt < UPSTREAM_ATTEMPTS) continue;
        const calls = (Array.isArray(body) ? body : [body]) as JsonRpcRequest[];
        const answers = calls.map((call) =>
          errorResponse(call.id, { code: RPC_ERROR.internal, message: `upstream unavailable: ${String(error)}` }),
        );
        return Array.isArray(body) ? answers : answers[0];
      }
    }
  }
  async function headBlock(): Promise<bigint> {
    if (head !== undefined && Date.now() - head.at < HEAD_TTL_MS) return head.block;
    const answer = (await upstream({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] })) as {
      result?: string;
    };
    if (typeof answer.result !== "string") throw new Error("upstream did not answer eth_blockNumber");
    head = { block: BigInt(answer.result), at: Date.now() };
    return head.block;
  }

  /** Checks the calls against the log limits; returns an answer for each call refused, by index. */
  async function refuseOverRange(calls: JsonRpcRequest[]): Promise<Map<number, JsonRpcResponse>> {
    const refused = new Map<number, JsonRpcResponse>();
    for (const [index, call] of calls.entries()) {
      if (call.method !== "eth_getLogs") continue;
      const span = logSpan(call.params, needsHead(call.params) ? await headBlock() : 0n);
      if (span.kind === "invalid") continue;
      stats.logs.queries++;
      const blocks = Number(spanBlocks(span));
      stats.logs.maxRange = Math.max(stats.logs.maxRange, blocks);
      if (span.kind === "range") {
        const from = Number(span.fromBlock);
        stats.logs.minFromBlock = stats.logs.minFromBlock === null ? from : Math.min(stats.logs.minFromBlock, from);
        if (limits.maxLogRange !== null && blocks > limits.maxLogRange) {
          stats.rejected.logRange++;
          refused.set(index, errorResponse(call.id, logRangeError(span.fromBlock, limits.maxLogRange)));
        }
      }
    }
    return refused;
  }

  /** Replaces log answers over the result cap with the provider's error. */
  function capResults(call: JsonRpcRequest, answer: JsonRpcResponse): JsonRpcResponse {
    if (call.method !== "eth_getLogs" || limits.maxLogResults === null || !Array.isArray(answer.result)) return answer;
    if (answer.result.length <= limits.maxLogResults) return answer;
    stats.rejected.logResults++;
    const span = logSpan(call.params, head?.block ?? 0n);
    const from = span.kind === "range" ? span.fromBlock : 0n;
    return errorResponse(
      call.id,
      logResultsError(from, rangeUnderCap(from, answer.result, limits.maxLogResults), limits.maxLogResults),
    );
  }

  async function handle(c: Context, client: string) {
    stats.httpRequests++;
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json(errorResponse(null, { code: RPC_ERROR.parse, message: "parse error" }));
    }
    const batch = Array.isArray(body);
    const items: unknown[] = Array.isArray(body) ? body : [body];
    const parsed = items.map((item) => jsonRpcRequestSchema.safeParse(item));
    const calls = parsed.flatMap((p) => (p.success ? [p.data as JsonRpcRequest] : []));
    if (calls.length !== items.length || items.length === 0) {
      return c.json(errorResponse(null, { code: RPC_ERROR.invalidRequest, message: "invalid request" }));
    }
    stats.calls += calls.length;
    stats.byClient[client] = (stats.byClient[client] ?? 0) + calls.length;
    const ofClient = (stats.byClientMethod[client] ??= {});
    for (const call of calls) {
      stats.byMethod[call.method] = (stats.byMethod[call.method] ?? 0) + 1;
      ofClient[call.method] = (ofClient[call.method] ?? 0) + 1;
    }

    if (batch && limits.maxBatch !== null && calls.length > limits.maxBatch) {
      stats.rejected.batchTooLarge++;
      return c.json([errorResponse(calls[0]?.id, BATCH_TOO_LARGE_ERROR)]);
    }
    const limiter = limiterFor(client);
    if (limiter !== null) {
      try {
        await limiter.consume(client, calls.length);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        stats.rejected.rateLimited++;
        const answers = calls.map((call) => errorResponse(call.id, RATE_LIMITED_ERROR));
        c.header("retry-after", String(Math.max(1, Math.ceil(error.msBeforeNext / 1000))));
        return c.json(batch ? answers : answers[0], 429);
      }
    }
    if (limits.timeoutRate > 0 && random() < limits.timeoutRate) {
      stats.rejected.timeouts++;
      await new Promise((resolve) => setTimeout(resolve, limits.timeoutMs));
      return c.text("upstream request timeout", 504);
    }

    const refused = await refuseOverRange(calls);
    const forwarded = calls.filter((_, index) => !refused.has(index));
    let answers: JsonRpcResponse[] = [];
    if (forwarded.length > 0) {
      const reply = await upstream(batch ? forwarded : forwarded[0]);
      answers = (Array.isArray(reply) ? reply : [reply]) as JsonRpcResponse[];
    }
    const byId = new Map(answers.map((answer) => [answer.id, answer]));
    const ordered = calls.map((call, index) => {
      const own = refused.get(index);
      if (own !== undefined) return own;
      const answer = batch ? byId.get(call.id ?? null) : answers[0];
      return answer === undefined
        ? errorResponse(call.id, { code: RPC_ERROR.internal, message: "no answer from upstream" })
        : capResults(call, answer);
    });
    return c.json(batch ? ordered : ordered[0]);
  }

  const app = new Hono();
  // Public RPCs answer any origin (a dApp calls them from the browser); Retry-After stays readable there.
  app.use(
    "*",
    cors({
      origin: "*",
      allowMethods: ["GET", "POST"],
      allowHeaders: ["content-type"],
      exposeHeaders: ["retry-after"],
    }),
  );
  app.get("/limits/stats", (c) => c.json(stats));
  app.post("/limits/reset", (c) => {
    stats = emptyStats();
    return c.body(null, 204);
  });
  app.post("/rpc/:client", (c) => handle(c, `key:${c.req.param("client")}`));
  app.post("/", (c) => {
    const remote = (c.env as { incoming?: { socket?: { remoteAddress?: string } } }).incoming?.socket?.remoteAddress;
    return handle(c, `ip:${remote ?? "unknown"}`);
  });

  const host = options.host ?? "127.0.0.1";
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  return {
    url,
    urlFor: (client) => `${url}/rpc/${encodeURIComponent(client)}`,
    stats: () => structuredClone(stats),
    reset: () => void (stats = emptyStats()),
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
