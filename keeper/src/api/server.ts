/**
 * The keeper's HTTP API on node:http (no framework: the ingest path stays lean). Every answer but
 * /metrics is JSON, sent with `X-Content-Type-Options: nosniff`; bad input gets a 4xx
 * `{ error: { code, message } }` and changes nothing; a dependency that cannot answer now gets a 503
 * naming it, with `Retry-After`. Error messages are clipped: no input comes back unbounded.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

import { getAddress, isAddress } from "viem";
import { z } from "zod";

import {
  addressSchema,
  cursorSchema,
  DEFAULT_PAGE_LIMIT,
  MAX_ITEM_URL_LENGTH,
  MAX_PAGE_LIMIT,
  MAX_RANKED,
  discoverRequestSchema,
  signedProfileSchema,
  toWireProfile,
  totalClicks,
  verifyProfile,
  wireJsonSchema,
  type CreatorItemsResponse,
  type CurrentEpochResponse,
  type DiscoverResponse,
  type ItemClicksResponse,
  type KeeperConfigResponse,
  type PopularCreatorsResponse,
  type PopularItemsResponse,
  type PostTallyResponse,
  type ProfileResponse,
  type PutProfileResponse,
  type ReaderTalliesResponse,
} from "@plaudit/protocol";
import { Rejection, type TallyAdmission } from "../admission.js";
import { CHAIN_RETRY_AFTER_SECONDS, ChainUnavailableError, isTransportFailure, type ChainView } from "../chain.js";
import { HTTP_TIMEOUT_DEFAULTS } from "../config.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { RelayRoutes } from "../relay/routes.js";
import { shortError } from "../retry.js";
import { epochStatus } from "../settle/status.js";
import { allowList } from "../discover/address-policy.js";
import { DISCOVERY_DEFAULTS, discoverCreator, type DiscoveryLimits } from "../discover/discover.js";
import { FetchFailed, FetchRefused } from "../discover/fetch-page.js";
import { StoreUnavailableError } from "../store/errors.js";
import type { CreatorCount, ItemCount, Store } from "../store/types.js";
import { HttpError } from "./http-error.js";
import { page, RankingCache } from "./ranking-cache.js";
import { RateLimiter } from "./rate-limit.js";

export interface ApiOptions {
  corsOrigins: readonly string[];
  maxBodyBytes: number;
  ipRate: number;
  readerRate: number;
  /** ms to receive a request's headers, and the whole request (else 408); idle keep-alive ms. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** ms a popular ranking is reused before it is computed again. */
  popularTtlMs?: number;
  /** Page discoveries per second per IP (bursts of 3 s). */
  discoverRate?: number;
  /** IP addresses discovery may fetch although private or loopback (the local system's demo site). */
  discoverAllowHosts?: readonly string[];
  /** Discovery's fetch limits (defaults: DISCOVERY_DEFAULTS). */
  discoverLimits?: Partial<Omit<DiscoveryLimits, "allow">>;
}

/** Default of `discoverRate`: a discovery fetches up to four documents from another server. */
export const DEFAULT_DISCOVER_RATE = 0.2;
/** Discoveries one IP may make at once before its rate applies. */
const DISCOVER_BURST = 3;
/** Discoveries in flight at once on this keeper, from everyone; more get 429. */
const MAX_CONCURRENT_DISCOVERIES = 8;

/** Default of `popularTtlMs`: rankings of distinct readers change slowly, and computing one scans an epoch. */
export const DEFAULT_POPULAR_TTL_MS = 30_000;
/** Rankings kept at once (kinds times epochs asked for). */
const MAX_CACHED_RANKINGS = 64;

export interface ApiDeps {
  chain: ChainView;
  store: Store;
  admission: TallyAdmission;
  metrics: Metrics;
  log: Logger;
  /** The relay's routes under /v1/relay/ (relay/routes.ts), if served. */
  relay?: RelayRoutes | undefined;
}

/** Longest error message sent; longer ones are clipped (they may quote input). */
export const MAX_ERROR_MESSAGE_CHARS = 500;
const MAX_ISSUE_MESSAGE_CHARS = 120;
const MAX_PATH_SEGMENT_CHARS = 40;
const MAX_ISSUES_REPORTED = 5;
/** Seconds to wait after `storage_unavailable` (a lock or a lost connection clears fast). */
const STORAGE_RETRY_AFTER_SECONDS = 1;
/** Burst of a token bucket, in seconds of its rate. */
const BURST_SECONDS = 3;
/** How often Node checks the header and request timeouts: a quarter of the shorter one, within these bounds. */
const MIN_TIMEOUT_CHECK_MS = 25;
const MAX_TIMEOUT_CHECK_MS = 1000;
/** The `status` label of a request whose client went away before the answer (nginx's convention). */
const CLIENT_CLOSED_STATUS = 499;

/**
 * The `route` label of every request: one per route, on success and error paths alike; `not_found`
 * when no route has the path, `invalid_request` when Node's HTTP parser refused or timed out a request
 * before it reached a route.
 */
export const ROUTE_LABELS = [
  "healthz",
  "metrics",
  "tallies",
  "reader_tallies",
  "epoch_current",
  "epoch_status",
  "item_clicks",
  "creator_profile",
  "creator_items",
  "popular_items",
  "popular_creators",
  "discover",
  "config",
  "schema",
  "relay_policy",
  "relay_transaction",
  "relay_submit",
  "not_found",
  "invalid_request",
] as const;
export type RouteName = (typeof ROUTE_LABELS)[number];

const epochParam = z
  .string()
  .regex(/^[0-9]{1,20}$/, "must be a decimal epoch number")
  .transform((v) => BigInt(v));

const limitParam = z
  .string()
  .regex(/^[0-9]{1,3}$/, `must be a number from 1 to ${MAX_PAGE_LIMIT}`)
  .transform((v) => Number(v))
  .refine((v) => v >= 1 && v <= MAX_PAGE_LIMIT, `must be a number from 1 to ${MAX_PAGE_LIMIT}`);

/** `text`, or its start and how much was left out. */
export function clip(text: string, max = MAX_ERROR_MESSAGE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** The fields of a zod issue an answer names (IssueSummary is what the signature workers send). */
type Issue = Pick<z.core.$ZodIssue, "code" | "message"> & { path: readonly PropertyKey[] };

function zodMessage(issues: readonly Issue[], root = "body"): string {
  return issues
    .slice(0, MAX_ISSUES_REPORTED)
    .map((issue) => {
      const path =
        issue.path.length > 0 ? issue.path.map((p) => clip(String(p), MAX_PATH_SEGMENT_CHARS)).join(".") : root;
      return `${path}: ${clip(issue.message, MAX_ISSUE_MESSAGE_CHARS)}`;
    })
    .join("; ");
}

/** The zero or negative click counts of a body that is otherwise well formed (`bad_clicks`, as documented). */
function nonPositiveCounts(issues: readonly Issue[]): string | undefined {
  const counts = issues.filter(
    (i) => i.code === "too_small" && i.path.length === 3 && i.path[0] === "tally" && i.path[1] === "counts",
  );
  if (counts.length === 0 || counts.length !== issues.length) return undefined;
  return counts
    .slice(0, MAX_ISSUES_REPORTED)
    .map((i) => `counts[${String(i.path[2])}]: a click count is at least 1`)
    .join("; ");
}

function parseParam<T extends z.ZodType>(name: string, schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, "invalid_query", zodMessage(result.error.issues, name));
  return result.data;
}

/** `application/json`, with no charset or UTF-8. */
function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type, ...params] = header.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return params.every((param) => {
    const [name, value = ""] = param.split("=").map((s) => s.trim());
    return name !== "charset" || value.replace(/"/g, "") === "utf-8";
  });
}

/** The client went away before its request was read: nobody is left to answer. */
class ClientGone extends Error {
  override readonly name = "ClientGone";
}

/** A non-JSON answer (Prometheus text). */
class TextBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface RequestContext {
  req: IncomingMessage;
  url: URL;
  params: readonly string[];
}

interface Route {
  name: Exclude<RouteName, "not_found" | "invalid_request">;
  pattern: RegExp;
  /** GET routes answer HEAD too. */
  method: "GET" | "POST" | "PUT";
  handle(ctx: RequestContext): Promise<Reply>;
}

/** Answers of a refused request that Node's parser saw first (no route ran). */
function clientErrorAnswer(code: string | undefined): [number, string, string] | undefined {
  switch (code) {
    case "ECONNRESET":
    case "EPIPE":
      return undefined;
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return [408, "request_timeout", "the request did not arrive within the server's timeout"];
    case "HPE_HEADER_OVERFLOW":
      return [431, "headers_too_large", "request headers too large"];
    default:
      return [400, "bad_request", "malformed HTTP request"];
  }
}

const SECURITY_HEADERS = { "x-content-type-options": "nosniff" } as const;

export function createApiServer(deps: ApiDeps, options: ApiOptions): Server {
  const { chain, store, admission, metrics, log } = deps;
  const ipLimiter = new RateLimiter(options.ipRate, options.ipRate * BURST_SECONDS);
  const readerLimiter = new RateLimiter(options.readerRate, options.readerRate * BURST_SECONDS);
  const allowAny = options.corsOrigins.includes("*");
  const allowed = new Set(options.corsOrigins);
  const headersTimeout = options.headersTimeoutMs ?? HTTP_TIMEOUT_DEFAULTS.headersTimeoutMs;
  const requestTimeout = options.requestTimeoutMs ?? HTTP_TIMEOUT_DEFAULTS.requestTimeoutMs;
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? HTTP_TIMEOUT_DEFAULTS.keepAliveTimeoutMs;
  const popularTtl = options.popularTtlMs ?? DEFAULT_POPULAR_TTL_MS;
  const popularItemsCache = new RankingCache<ItemCount>(popularTtl, MAX_CACHED_RANKINGS);
  const popularCreatorsCache = new RankingCache<CreatorCount>(popularTtl, MAX_CACHED_RANKINGS);
  const discoverRate = options.discoverRate ?? DEFAULT_DISCOVER_RATE;
  const discoverLimiter = new RateLimiter(discoverRate, Math.max(DISCOVER_BURST, discoverRate * BURST_SECONDS));
  const discoveryLimits: DiscoveryLimits = {
    ...DISCOVERY_DEFAULTS,
    ...options.discoverLimits,
    allow: allowList(options.discoverAllowHosts ?? []),
  };
  let discoveriesInFlight = 0;
  /** The answer in progress on a connection, and its route (for clientError). */
  const inProgress = new WeakMap<Duplex, { res: ServerResponse; route: RouteName; head: boolean }>();
  /** Connections Node timed out (answered 408 already). */
  const timedOut = new WeakSet<Duplex>();

  function count(route: RouteName, status: number, tallyResult?: string): void {
    metrics.httpRequests.inc({ route, status });
    if (route === "tallies" && tallyResult !== undefined) metrics.talliesReceived.inc({ result: tallyResult });
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    const isText = body instanceof TextBody;
    const text = isText ? body.text : JSON.stringify(body);
    // A known length: one write, no chunked encoding (and HEAD gets the length of GET's body).
    res.writeHead(status, {
      "content-type": isText ? body.contentType : "application/json; charset=utf-8",
      "cache-control": "no-store",
      "content-length": String(Buffer.byteLength(text)),
      ...SECURITY_HEADERS,
      ...headers,
    });
    res.end(text);
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
      // A reset connection errors, a closed one closes before the end: either way nobody waits for an answer.
      req.once("error", () => reject(new ClientGone("the client went away mid-body")));
      req.once("close", () => {
        if (!req.complete) reject(new ClientGone("the client went away mid-body"));
      });
    });
  }

  /** The text of a body declared as JSON (415 for another content type). */
  function readJsonText(req: IncomingMessage): Promise<string> {
    if (!isJsonContentType(req.headers["content-type"])) {
      return Promise.reject(
        new HttpError(415, "unsupported_media_type", "content-type: must be application/json (UTF-8)"),
      );
    }
    return readBody(req);
  }

  function malformedJson(message: string): HttpError {
    return new HttpError(400, "malformed_json", `body is not valid JSON: ${message}`);
  }

  /** A JSON body (415 for another content type, 400 for malformed JSON). */
  async function readJson(req: IncomingMessage): Promise<unknown> {
    const text = await readJsonText(req);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw malformedJson((error as Error).message);
    }
  }

  /** The address of a `/v1/creators/:address/…` path. */
  function creatorParam(raw: string): ReturnType<typeof addressSchema.parse> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, "invalid_query", "address: not a valid percent-encoded path segment");
    }
    return parseParam("address", addressSchema, decoded);
  }

  /** `?epoch=` or the current epoch. */
  async function epochQuery(url: URL): Promise<bigint> {
    const raw = url.searchParams.get("epoch");
    return raw === null ? chain.currentEpoch() : parseParam("epoch", epochParam, raw);
  }

  /** `?cursor=&limit=` of a listing. */
  function pageQuery(url: URL): { offset: number; limit: number } {
    const cursor = url.searchParams.get("cursor");
    const limit = url.searchParams.get("limit");
    return {
      offset: cursor === null ? 0 : Number(parseParam("cursor", cursorSchema, cursor)),
      limit: limit === null ? DEFAULT_PAGE_LIMIT : parseParam("limit", limitParam, limit),
    };
  }

  async function putProfile({ req, params }: RequestContext): Promise<Reply> {
    const creator = creatorParam(params[0] as string);
    const parsed = signedProfileSchema.safeParse(await readJson(req));
    if (!parsed.success) throw new HttpError(400, "invalid_body", zodMessage(parsed.error.issues));
    const profile = parsed.data;
    if (profile.creator !== creator) {
      throw new HttpError(400, "creator_mismatch", `creator: ${profile.creator} is not the path's ${creator}`);
    }
    if (profile.chainId !== chain.deployment.chainId) {
      throw new HttpError(
        400,
        "wrong_chain",
        `chainId: ${profile.chainId} is not this keeper's chain ${chain.deployment.chainId}`,
      );
    }
    let valid: boolean;
    try {
      valid = await verifyProfile(chain.client, profile);
    } catch (error) {
      if (isTransportFailure(error)) throw new ChainUnavailableError(shortError(error), { cause: error });
      throw error;
    }
    if (!valid) {
      throw new HttpError(
        422,
        "bad_signature",
        `signature: not ${creator}'s signature of this profile (EOA or ERC-1271)`,
      );
    }
    const result = await store.putProfile(profile, toWireProfile(profile));
    if (result.status === "stale") {
      throw new HttpError(
        409,
        "stale_version",
        `version ${profile.version} is not above the stored version ${result.storedVersion}`,
      );
    }
    return {
      status: result.status === "stored" ? 201 : 200,
      body: { status: result.status, version: profile.version.toString() } satisfies PutProfileResponse,
    };
  }

  async function discover({ req }: RequestContext): Promise<Reply> {
    const ip = req.socket.remoteAddress ?? "unknown";
    const parsed = discoverRequestSchema.safeParse(await readJson(req));
    if (!parsed.success) throw new HttpError(400, "invalid_body", zodMessage(parsed.error.issues));
    const wait = discoverLimiter.take(ip);
    if (wait > 0) {
      throw new HttpError(429, "rate_limited", `too many discoveries from ${ip}; retry in ${wait}s`, {
        "retry-after": String(wait),
      });
    }
    if (discoveriesInFlight >= MAX_CONCURRENT_DISCOVERIES) {
      throw new HttpError(429, "rate_limited", "too many discoveries in progress; retry in 1s", { "retry-after": "1" });
    }
    discoveriesInFlight++;
    try {
      const url = new URL(parsed.data.url);
      const result = await discoverCreator(url, discoveryLimits);
      if (!result.found) {
        throw new HttpError(404, "no_creator_found", `no creator found on ${clip(url.href, MAX_ISSUE_MESSAGE_CHARS)}`);
      }
      return {
        status: 200,
        body: { creator: result.creator, title: result.title, source: result.source } satisfies DiscoverResponse,
      };
    } catch (error) {
      if (error instanceof FetchRefused) {
        const code = error.reason === "redirect" ? "redirect_refused" : "address_refused";
        throw new HttpError(422, code, `url: ${error.message}`);
      }
      if (error instanceof FetchFailed) throw new HttpError(502, "fetch_failed", `url: ${error.message}`);
      throw error;
    } finally {
      discoveriesInFlight--;
    }
  }

  async function postTally({ req }: RequestContext): Promise<Reply> {
    const started = performance.now();
    // JSON, schema and signature recovery in one trip to a signature worker.
    const intake = await admission.intake(await readJsonText(req));
    if (intake.kind === "malformed_json") throw malformedJson(intake.message);
    if (intake.kind === "invalid") {
      const counts = nonPositiveCounts(intake.issues);
      if (counts !== undefined) throw new HttpError(422, "bad_clicks", counts);
      throw new HttpError(400, "invalid_body", zodMessage(intake.issues));
    }
    const { tally, item, title } = intake.request;

    // The reader's limit is charged only for tallies it signed and the keeper stored (below), so
    // unsigned junk or replays that name a reader cannot use it up.
    const wait = readerLimiter.peek(tally.reader);
    if (wait > 0) {
      throw new HttpError(429, "rate_limited", `too many tallies for reader ${tally.reader}; retry in ${wait}s`, {
        "retry-after": String(wait),
      });
    }
    try {
      await admission.check(tally, intake.signatures);
    } catch (error) {
      if (error instanceof Rejection) {
        const status = error.code === "wrong_chain" || error.code === "wrong_pool" ? 400 : 422;
        throw new HttpError(status, error.code, error.message);
      }
      throw error;
    }
    const result = await store.putTally(tally, totalClicks(tally), item, item === undefined ? undefined : title);
    metrics.ingestSeconds.observe((performance.now() - started) / 1000);
    if (result.status === "stale") {
      throw new HttpError(
        409,
        "stale_sequence",
        `seq ${tally.seq} is not above the stored seq ${result.storedSeq} for this key`,
      );
    }
    if (result.status === "unchanged")
      return { status: 200, body: { status: "unchanged" } satisfies PostTallyResponse };
    readerLimiter.charge(tally.reader);
    return { status: 201, body: { status: "stored", seq: tally.seq.toString() } satisfies PostTallyResponse };
  }

  async function health(): Promise<Reply> {
    const [time, versions] = await Promise.allSettled([chain.chainTime(), store.schemaVersions()]);
    const dependencies = {
      chain: time.status === "fulfilled" ? "ok" : "unavailable",
      storage: versions.status === "fulfilled" ? "ok" : "unavailable",
    };
    const body = {
      status: "ok",
      chainTime: time.status === "fulfilled" ? Number(time.value) : null,
      storage: store.kind,
      dependencies,
    };
    if (time.status === "fulfilled" && versions.status === "fulfilled") return { status: 200, body };
    const problems: string[] = [];
    if (time.status === "rejected") problems.push(`chain: ${shortError(time.reason)}`);
    if (versions.status === "rejected") problems.push(`storage: ${shortError(versions.reason)}`);
    log.warn({ dependencies, problems }, "healthz: a dependency is unavailable");
    const chainDown = time.status === "rejected";
    return {
      status: 503,
      body: {
        ...body,
        status: "unavailable",
        error: {
          code: chainDown ? "chain_unavailable" : "storage_unavailable",
          message: `unavailable: ${problems.join("; ")}`,
        },
      },
      headers: {
        "retry-after": String(chainDown ? CHAIN_RETRY_AFTER_SECONDS : STORAGE_RETRY_AFTER_SECONDS),
      },
    };
  }

  /** The relay's routes (relay/routes.ts): it parses and checks its own requests. */
  const relayRoutes = (relay: RelayRoutes): Route[] => [
    {
      name: "relay_policy",
      pattern: /^\/v1\/relay\/policy$/,
      method: "GET",
      handle: async () => ({ status: 200, body: relay.policy() }),
    },
    {
      name: "relay_transaction",
      pattern: /^\/v1\/relay\/transactions\/([^/]+)$/,
      method: "GET",
      handle: async ({ params }) => ({ status: 200, body: await relay.transaction(params[0] as string) }),
    },
    {
      name: "relay_submit",
      pattern: /^\/v1\/relay\/([^/]+)$/,
      method: "POST",
      async handle({ req, params }) {
        if (!isJsonContentType(req.headers["content-type"])) {
          throw new HttpError(415, "unsupported_media_type", "content-type: must be application/json (UTF-8)");
        }
        const ip = req.socket.remoteAddress ?? "unknown";
        return { status: 202, body: await relay.submit(params[0] as string, ip, () => readBody(req)) };
      },
    },
  ];

  /** The wire formats as JSON Schema, built once: they are the protocol package's, not this keeper's. */
  const wireSchema = wireJsonSchema();

  const routes: readonly Route[] = [
    { name: "healthz", pattern: /^\/healthz$/, method: "GET", handle: health },
    {
      name: "metrics",
      pattern: /^\/metrics$/,
      method: "GET",
      handle: async () => ({
        status: 200,
        body: new TextBody(await metrics.registry.metrics(), metrics.registry.contentType),
      }),
    },
    { name: "tallies", pattern: /^\/v1\/tallies$/, method: "POST", handle: postTally },
    {
      name: "reader_tallies",
      pattern: /^\/v1\/readers\/([^/]+)\/tallies$/,
      method: "GET",
      async handle({ url, params }) {
        let raw: string;
        try {
          raw = decodeURIComponent(params[0] as string);
        } catch {
          throw new HttpError(400, "invalid_query", "reader: not a valid percent-encoded path segment");
        }
        const reader = parseParam("reader", addressSchema, raw);
        const epoch = parseParam("epoch", epochParam, url.searchParams.get("epoch") ?? undefined);
        const tallies = await store.readerTallies(reader, epoch);
        return { status: 200, body: { epoch: epoch.toString(), tallies } satisfies ReaderTalliesResponse };
      },
    },
    {
      name: "epoch_current",
      pattern: /^\/v1\/epochs\/current$/,
      method: "GET",
      async handle() {
        const chainTime = await chain.chainTime();
        const epoch = await chain.currentEpoch();
        const b = chain.bounds(epoch);
        return {
          status: 200,
          body: {
            epoch: epoch.toString(),
            start: Number(b.start),
            end: Number(b.end),
            deadline: Number(b.deadline),
            chainTime: Number(chainTime),
          } satisfies CurrentEpochResponse,
        };
      },
    },
    {
      name: "epoch_status",
      pattern: /^\/v1\/epochs\/([^/]+)$/,
      method: "GET",
      async handle({ params }) {
        const epoch = parseParam("epoch", epochParam, params[0]);
        return { status: 200, body: await epochStatus(chain, store, epoch) };
      },
    },
    {
      name: "item_clicks",
      pattern: /^\/v1\/items\/clicks$/,
      method: "GET",
      async handle({ url }) {
        const creatorRaw = url.searchParams.get("creator") ?? "";
        if (!isAddress(creatorRaw, { strict: false }))
          throw new HttpError(400, "invalid_query", "creator: not an address");
        const item = url.searchParams.get("url") ?? "";
        if (item.length === 0 || item.length > MAX_ITEM_URL_LENGTH) {
          throw new HttpError(400, "invalid_query", `url: required, at most ${MAX_ITEM_URL_LENGTH} characters`);
        }
        const epochRaw = url.searchParams.get("epoch");
        const epoch = epochRaw === null ? await chain.currentEpoch() : parseParam("epoch", epochParam, epochRaw);
        const clicks = await store.itemClicks(epoch, getAddress(creatorRaw), item);
        return { status: 200, body: { clicks } satisfies ItemClicksResponse };
      },
    },
    {
      name: "creator_profile",
      pattern: /^\/v1\/creators\/([^/]+)\/profile$/,
      method: "PUT",
      handle: putProfile,
    },
    {
      name: "creator_profile",
      pattern: /^\/v1\/creators\/([^/]+)\/profile$/,
      method: "GET",
      async handle({ params }) {
        const creator = creatorParam(params[0] as string);
        const profile = await store.profile(creator);
        if (profile === undefined) throw new HttpError(404, "not_found", `no profile of ${creator}`);
        return { status: 200, body: profile satisfies ProfileResponse };
      },
    },
    {
      name: "creator_items",
      pattern: /^\/v1\/creators\/([^/]+)\/items$/,
      method: "GET",
      async handle({ url, params }) {
        const creator = creatorParam(params[0] as string);
        const epoch = await epochQuery(url);
        const { offset, limit } = pageQuery(url);
        const items = offset >= MAX_RANKED ? [] : await store.creatorItems(epoch, creator, MAX_RANKED);
        const { items: shown, nextCursor } = page(items, offset, limit);
        return {
          status: 200,
          body: {
            creator,
            epoch: epoch.toString(),
            items: shown.map(({ url: item, title, readers }) => ({ url: item, title, readers })),
            nextCursor,
          } satisfies CreatorItemsResponse,
        };
      },
    },
    {
      name: "popular_items",
      pattern: /^\/v1\/popular\/items$/,
      method: "GET",
      async handle({ url }) {
        const epoch = await epochQuery(url);
        const { offset, limit } = pageQuery(url);
        const ranked = await popularItemsCache.get(epoch.toString(), () => store.popularItems(epoch, MAX_RANKED));
        const { items, nextCursor } = page(ranked, offset, limit);
        return {
          status: 200,
          body: {
            epoch: epoch.toString(),
            items: items.map(({ creator, url: item, title, readers }) => ({ creator, url: item, title, readers })),
            nextCursor,
          } satisfies PopularItemsResponse,
          headers: { "cache-control": `public, max-age=${Math.floor(popularTtl / 1000)}` },
        };
      },
    },
    {
      name: "popular_creators",
      pattern: /^\/v1\/popular\/creators$/,
      method: "GET",
      async handle({ url }) {
        const epoch = await epochQuery(url);
        const { offset, limit } = pageQuery(url);
        const ranked = await popularCreatorsCache.get(epoch.toString(), () => store.popularCreators(epoch, MAX_RANKED));
        const { items, nextCursor } = page(ranked, offset, limit);
        return {
          status: 200,
          body: { epoch: epoch.toString(), creators: items, nextCursor } satisfies PopularCreatorsResponse,
          headers: { "cache-control": `public, max-age=${Math.floor(popularTtl / 1000)}` },
        };
      },
    },
    { name: "discover", pattern: /^\/v1\/discover$/, method: "POST", handle: discover },
    {
      name: "schema",
      pattern: /^\/v1\/schema$/,
      method: "GET",
      async handle() {
        return { status: 200, body: wireSchema };
      },
    },
    {
      name: "config",
      pattern: /^\/v1\/config$/,
      method: "GET",
      async handle() {
        const d = chain.deployment;
        return {
          status: 200,
          body: {
            chainId: d.chainId,
            pool: d.pool,
            token: d.token,
            startTime: Number(d.startTime),
            epochLength: Number(d.epochLength),
            keeperTipBps: d.keeperTipBps,
          } satisfies KeeperConfigResponse,
        };
      },
    },
    ...(deps.relay === undefined ? [] : relayRoutes(deps.relay)),
  ];

  /** The route of `path` for `method` (HEAD as GET), else the first route of the path (for its 405). */
  function findRoute(path: string, method: string): { route: Route; params: string[] } | undefined {
    let first: { route: Route; params: string[] } | undefined;
    const wanted = method === "HEAD" ? "GET" : method;
    for (const route of routes) {
      const match = route.pattern.exec(path);
      if (match === null) continue;
      if (route.method === wanted) return { route, params: match.slice(1) };
      first ??= { route, params: match.slice(1) };
    }
    return first;
  }

  /** Every method a path answers, for 405's `Allow`. */
  function methodsOf(path: string): string[] {
    const methods = routes
      .filter((r) => r.pattern.test(path))
      .flatMap((r) => (r.method === "GET" ? ["GET", "HEAD"] : [r.method]));
    return [...new Set(methods)];
  }

  async function handle(
    req: IncomingMessage,
    url: URL,
    found: { route: Route; params: string[] } | undefined,
  ): Promise<Reply> {
    const method = req.method ?? "GET";
    if (!url.pathname.startsWith("/v1/") && found === undefined) {
      throw new HttpError(404, "not_found", `no route ${method} ${url.pathname}`);
    }
    if (found?.route.name !== "healthz" && found?.route.name !== "metrics") {
      const ip = req.socket.remoteAddress ?? "unknown";
      const wait = ipLimiter.take(ip);
      if (wait > 0) {
        throw new HttpError(429, "rate_limited", `too many requests from ${ip}; retry in ${wait}s`, {
          "retry-after": String(wait),
        });
      }
    }
    if (found === undefined) throw new HttpError(404, "not_found", `no route ${method} ${url.pathname}`);
    const { route, params } = found;
    // findRoute prefers a route of this method: any other means that the path takes other methods only.
    if (route.method !== (method === "HEAD" ? "GET" : method)) {
      const allowedMethods = methodsOf(url.pathname);
      throw new HttpError(405, "method_not_allowed", `use ${allowedMethods.join(" or ")} ${url.pathname}`, {
        allow: [...allowedMethods, "OPTIONS"].join(", "),
      });
    }
    return route.handle({ req, url, params });
  }

  /** The answer to a failed request, or undefined when nobody is left to answer. */
  function errorReply(error: unknown, route: RouteName, url: URL): (Reply & { code: string }) | undefined {
    if (error instanceof HttpError) {
      return {
        status: error.status,
        code: error.code,
        body: { error: { code: error.code, message: clip(error.message) } },
        headers: error.headers,
      };
    }
    if (error instanceof StoreUnavailableError) {
      log.warn({ err: error.message, route }, "storage unavailable; answered 503");
      return {
        status: 503,
        code: "storage_unavailable",
        body: {
          error: {
            code: "storage_unavailable",
            message: clip(`storage is unavailable, nothing was changed; retry later (${error.message})`),
          },
        },
        headers: { "retry-after": String(STORAGE_RETRY_AFTER_SECONDS) },
      };
    }
    if (error instanceof ChainUnavailableError) {
      log.warn({ err: error.message, route }, "chain unavailable; answered 503");
      return {
        status: 503,
        code: "chain_unavailable",
        body: {
          error: {
            code: "chain_unavailable",
            message: clip(`the chain (RPC) is unavailable, nothing was changed; retry later (${error.message})`),
          },
        },
        headers: { "retry-after": String(error.retryAfterSeconds) },
      };
    }
    if (error instanceof ClientGone) return undefined;
    log.error({ err: error, route, path: clip(url.pathname, MAX_ISSUE_MESSAGE_CHARS) }, "request failed");
    return {
      status: 500,
      code: "internal",
      body: { error: { code: "internal", message: "internal error; see the keeper's log" } },
    };
  }

  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.min(
        MAX_TIMEOUT_CHECK_MS,
        Math.max(MIN_TIMEOUT_CHECK_MS, Math.floor(Math.min(headersTimeout, requestTimeout) / 4)),
      ),
    },
    (req, res) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      cors(req, res);
      // Until this answer is done, a parser error on the connection must not write another one.
      const socket = req.socket;
      const head = req.method === "HEAD";
      inProgress.set(socket, { res, route: "invalid_request", head });
      res.once("close", () => {
        if (inProgress.get(socket)?.res === res) inProgress.delete(socket);
      });
      let url: URL;
      try {
        url = new URL(req.url ?? "/", "http://keeper.invalid");
      } catch {
        count("invalid_request", 400);
        send(res, 400, { error: { code: "bad_url", message: "unparseable request URL" } });
        return;
      }
      const found = findRoute(url.pathname, req.method ?? "GET");
      const route: RouteName = found?.route.name ?? "not_found";
      inProgress.set(socket, { res, route, head });
      if (req.method === "OPTIONS") {
        const origin = req.headers.origin;
        const status = origin !== undefined && (allowAny || allowed.has(origin)) ? 204 : 403;
        count(route, status);
        res.writeHead(
          status,
          status === 204
            ? {
                "access-control-allow-methods": "GET, HEAD, POST, PUT, OPTIONS",
                "access-control-allow-headers": "content-type",
                "access-control-max-age": "600",
              }
            : {},
        );
        res.end();
        return;
      }
      handle(req, url, found).then(
        (reply) => {
          const tallyResult = route === "tallies" ? (reply.body as { status?: string } | undefined)?.status : undefined;
          count(route, reply.status, tallyResult);
          send(res, reply.status, reply.body, reply.headers);
        },
        (error: unknown) => {
          const reply = errorReply(error, route, url);
          if (reply === undefined) {
            // Gone mid-body: no answer, no error; a timed-out one was counted as 408 already.
            log.debug({ route }, "client went away before its request was read");
            if (!timedOut.has(socket)) count(route, CLIENT_CLOSED_STATUS, "aborted");
            return;
          }
          count(route, reply.status, reply.code);
          send(res, reply.status, reply.body, reply.headers);
          if (reply.status === 413) req.resume();
        },
      );
    },
  );
  server.keepAliveTimeout = keepAliveTimeout;

  // Requests Node's parser refused or timed out: a JSON answer where a socket can still take one.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const current = inProgress.get(socket);
    const answer = clientErrorAnswer(error.code);
    if (answer === undefined || !socket.writable || current?.res.headersSent === true) {
      socket.destroy();
      return;
    }
    const [status, code, message] = answer;
    if (code === "request_timeout") timedOut.add(socket);
    count(current?.route ?? "invalid_request", status, code);
    const json = JSON.stringify({ error: { code, message } });
    // As Node's own handler: write the answer and close at once (an answer still being made for a
    // request before it on this connection must not follow it).
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n` +
        "content-type: application/json; charset=utf-8\r\n" +
        "cache-control: no-store\r\n" +
        "x-content-type-options: nosniff\r\n" +
        `content-length: ${Buffer.byteLength(json)}\r\n` +
        "connection: close\r\n\r\n" +
        // The client reads this as the answer to the request in progress: none for a HEAD.
        (current?.head === true ? "" : json),
    );
    socket.destroy();
  });
  return server;
}
