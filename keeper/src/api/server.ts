/**
 * The keeper's HTTP API on node:http (no framework: the ingest path stays lean). Every answer is JSON;
 * bad input gets a 4xx `{ error: { code, message } }` and changes nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

import { getAddress, isAddress } from "viem";
import { z } from "zod";

import { addressSchema, signedTallySchema, totalClicks } from "@plaudit/protocol";
import { Rejection, type TallyAdmission } from "../admission.js";
import type { ChainView } from "../chain.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { RelayRoutes } from "../relay/routes.js";
import { epochStatus } from "../settle/status.js";
import { StoreUnavailableError } from "../store/errors.js";
import type { Store } from "../store/types.js";
import { HttpError } from "./http-error.js";
import { RateLimiter } from "./rate-limit.js";

export interface ApiOptions {
  corsOrigins: readonly string[];
  maxBodyBytes: number;
  ipRate: number;
  readerRate: number;
}

export interface ApiDeps {
  chain: ChainView;
  store: Store;
  admission: TallyAdmission;
  metrics: Metrics;
  log: Logger;
  /** The relay's routes under /v1/relay/ (relay/routes.ts), if served. */
  relay?: RelayRoutes | undefined;
}

export const MAX_ITEM_URL_LENGTH = 2048;

const postTallyBody = z.strictObject({
  tally: signedTallySchema,
  item: z.string().max(MAX_ITEM_URL_LENGTH, `at most ${MAX_ITEM_URL_LENGTH} characters`).url("not a URL").optional(),
});

const epochParam = z
  .string()
  .regex(/^[0-9]{1,20}$/, "must be a decimal epoch number")
  .transform((v) => BigInt(v));

function zodMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}

function parseQuery<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, "invalid_query", zodMessage(result.error));
  return result.data;
}

export function createApiServer(deps: ApiDeps, options: ApiOptions): Server {
  const { chain, store, admission, metrics, log } = deps;
  const ipLimiter = new RateLimiter(options.ipRate, options.ipRate * 3);
  const readerLimiter = new RateLimiter(options.readerRate, options.readerRate * 3);
  const allowAny = options.corsOrigins.includes("*");
  const allowed = new Set(options.corsOrigins);

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const json = JSON.stringify(body);
    // A known length: one write, no chunked encoding.
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "content-length": String(Buffer.byteLength(json)),
      ...headers,
    });
    res.end(json);
  }

  function cors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    if (allowAny) res.setHeader("access-control-allow-origin", "*");
    else if (allowed.has(origin)) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "Origin");
    }
  }

  function readBody(req: IncomingMessage): Promise<string> {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > options.maxBodyBytes) {
      return Promise.reject(
        new HttpError(413, "body_too_large", `body of ${declared} bytes exceeds the limit of ${options.maxBodyBytes}`, {
          connection: "close",
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBodyBytes) {
          req.off("data", onData);
          reject(
            new HttpError(413, "body_too_large", `body exceeds the limit of ${options.maxBodyBytes} bytes`, {
              connection: "close",
            }),
          );
          return;
        }
        chunks.push(chunk);
      };
      req.on("data", onData);
      req.once("end", () =>
        resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8")),
      );
      req.once("error", reject);
      req.once("close", () => {
        if (!req.complete) reject(new HttpError(400, "aborted", "request aborted by the client"));
      });
    });
  }

  async function postTally(req: IncomingMessage): Promise<[number, unknown]> {
    const started = performance.now();
    const text = await readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, "malformed_json", `body is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = postTallyBody.safeParse(json);
    if (!parsed.success) throw new HttpError(400, "invalid_body", zodMessage(parsed.error));
    const { tally, item } = parsed.data;

    const wait = readerLimiter.take(tally.reader);
    if (wait > 0) {
      throw new HttpError(429, "rate_limited", `too many tallies for reader ${tally.reader}; retry in ${wait}s`, {
        "retry-after": String(wait),
      });
    }
    try {
      await admission.check(tally);
    } catch (error) {
      if (error instanceof Rejection) {
        const status = error.code === "wrong_chain" || error.code === "wrong_pool" ? 400 : 422;
        throw new HttpError(status, error.code, error.message);
      }
      throw error;
    }
    const result = await store.putTally(tally, totalClicks(tally), item);
    metrics.ingestSeconds.observe((performance.now() - started) / 1000);
    if (result.status === "stale") {
      throw new HttpError(
        409,
        "stale_sequence",
        `seq ${tally.seq} is not above the stored seq ${result.storedSeq} for this key`,
      );
    }
    if (result.status === "unchanged") return [200, { status: "unchanged" }];
    return [201, { status: "stored", seq: tally.seq.toString() }];
  }

  async function route(req: IncomingMessage, url: URL, ip: string): Promise<[string, number, unknown]> {
    const method = req.method ?? "GET";
    const path = url.pathname;
    if (path === "/healthz" && method === "GET") {
      const chainTime = await chain.chainTime();
      return ["healthz", 200, { status: "ok", chainTime: Number(chainTime), storage: store.kind }];
    }
    if (!path.startsWith("/v1/")) throw new HttpError(404, "not_found", `no route ${method} ${path}`);

    const wait = ipLimiter.take(ip);
    if (wait > 0) {
      throw new HttpError(429, "rate_limited", `too many requests from ${ip}; retry in ${wait}s`, {
        "retry-after": String(wait),
      });
    }
    if (path === "/v1/tallies") {
      if (method !== "POST") throw new HttpError(405, "method_not_allowed", `use POST ${path}`);
      const [status, body] = await postTally(req);
      return ["tallies", status, body];
    }
    if (path.startsWith("/v1/relay/") && deps.relay !== undefined)
      return deps.relay.route(req, url, ip, () => readBody(req));
    if (method !== "GET") throw new HttpError(405, "method_not_allowed", `use GET ${path}`);

    const readerMatch = /^\/v1\/readers\/([^/]+)\/tallies$/.exec(path);
    if (readerMatch !== null) {
      let raw: string;
      try {
        raw = decodeURIComponent(readerMatch[1] as string);
      } catch {
        throw new HttpError(400, "invalid_query", "reader: not a valid percent-encoded path segment");
      }
      const reader = parseQuery(addressSchema, raw);
      const epoch = parseQuery(epochParam, url.searchParams.get("epoch") ?? undefined);
      const tallies = await store.readerTallies(reader, epoch);
      return ["reader_tallies", 200, { epoch: epoch.toString(), tallies }];
    }
    if (path === "/v1/epochs/current") {
      const chainTime = await chain.chainTime();
      const epoch = await chain.currentEpoch();
      const b = chain.bounds(epoch);
      return [
        "epoch_current",
        200,
        {
          epoch: epoch.toString(),
          start: Number(b.start),
          end: Number(b.end),
          deadline: Number(b.deadline),
          chainTime: Number(chainTime),
        },
      ];
    }
    const epochMatch = /^\/v1\/epochs\/([^/]+)$/.exec(path);
    if (epochMatch !== null) {
      const epoch = parseQuery(epochParam, epochMatch[1]);
      return ["epoch_status", 200, await epochStatus(chain, store, epoch)];
    }
    if (path === "/v1/items/clicks") {
      const creatorRaw = url.searchParams.get("creator") ?? "";
      if (!isAddress(creatorRaw, { strict: false }))
        throw new HttpError(400, "invalid_query", "creator: not an address");
      const item = url.searchParams.get("url") ?? "";
      if (item.length === 0 || item.length > MAX_ITEM_URL_LENGTH) {
        throw new HttpError(400, "invalid_query", `url: required, at most ${MAX_ITEM_URL_LENGTH} characters`);
      }
      const epochRaw = url.searchParams.get("epoch");
      const epoch = epochRaw === null ? await chain.currentEpoch() : parseQuery(epochParam, epochRaw);
      return ["item_clicks", 200, { clicks: await store.itemClicks(epoch, getAddress(creatorRaw), item) }];
    }
    if (path === "/v1/config") {
      const d = chain.deployment;
      return [
        "config",
        200,
        {
          chainId: d.chainId,
          pool: d.pool,
          token: d.token,
          startTime: Number(d.startTime),
          epochLength: Number(d.epochLength),
          keeperTipBps: d.keeperTipBps,
        },
      ];
    }
    throw new HttpError(404, "not_found", `no route ${method} ${path}`);
  }

  return createServer((req, res) => {
    const ip = req.socket.remoteAddress ?? "unknown";
    cors(req, res);
    if (req.method === "OPTIONS") {
      const origin = req.headers.origin;
      if (origin !== undefined && (allowAny || allowed.has(origin))) {
        res.writeHead(204, {
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers": "content-type",
          "access-control-max-age": "600",
        });
      } else res.writeHead(403);
      res.end();
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://keeper.invalid");
    } catch {
      send(res, 400, { error: { code: "bad_url", message: "unparseable request URL" } });
      return;
    }
    if (url.pathname === "/metrics" && req.method === "GET") {
      metrics.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          res.end(text);
        })
        .catch((error: unknown) => send(res, 500, { error: { code: "internal", message: String(error) } }));
      return;
    }
    route(req, url, ip).then(
      ([name, status, body]) => {
        metrics.httpRequests.inc({ route: name, status });
        if (name === "tallies") metrics.talliesReceived.inc({ result: (body as { status: string }).status });
        send(res, status, body);
      },
      (error: unknown) => {
        if (error instanceof HttpError) {
          metrics.httpRequests.inc({
            route: url.pathname.startsWith("/v1/tallies") ? "tallies" : "other",
            status: error.status,
          });
          if (url.pathname === "/v1/tallies") metrics.talliesReceived.inc({ result: error.code });
          send(res, error.status, { error: { code: error.code, message: error.message } }, error.headers);
          if (error.status === 413) req.resume();
          return;
        }
        if (error instanceof StoreUnavailableError) {
          log.warn({ err: error.message, path: url.pathname }, "storage unavailable; answered 503");
          metrics.httpRequests.inc({ route: url.pathname === "/v1/tallies" ? "tallies" : "other", status: 503 });
          if (url.pathname === "/v1/tallies") metrics.talliesReceived.inc({ result: "storage_unavailable" });
          send(
            res,
            503,
            {
              error: {
                code: "storage_unavailable",
                message: `storage is unavailable, nothing was changed; retry later (${error.message})`,
              },
            },
            { "retry-after": "1" },
          );
          return;
        }
        log.error({ err: error, path: url.pathname }, "request failed");
        metrics.httpRequests.inc({ route: "other", status: 500 });
        send(res, 500, { error: { code: "internal", message: "internal error; see the keeper's log" } });
      },
    );
  });
}
