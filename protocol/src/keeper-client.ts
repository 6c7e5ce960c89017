/**
 * Client of the keeper's HTTP API. Every answer is parsed with zod; failures become a `KeeperError`
 * that says whether the keeper was unreachable, refused the request (with its error code) or answered
 * nonsense, so callers can decide to retry or give up.
 */
import type { Address } from "viem";
import { z } from "zod";

import {
  creatorItemsResponseSchema,
  currentEpochResponseSchema,
  discoverResponseSchema,
  epochStatusResponseSchema,
  KEEPER_ERROR_CODES,
  itemClicksResponseSchema,
  keeperConfigResponseSchema,
  popularCreatorsResponseSchema,
  popularItemsResponseSchema,
  postTallyResponseSchema,
  profileResponseSchema,
  putProfileResponseSchema,
  readerTalliesResponseSchema,
  type CreatorItems,
  type CurrentEpoch,
  type Discovered,
  type EpochStatus,
  type PopularCreators,
  type PopularItems,
  type PostTallyResult,
  type ReaderTallies,
} from "./keeper-api.js";
import type { SignedProfile, SignedProfileInput } from "./profile.js";
import {
  RELAY_ERROR_CODES,
  relayPolicyResponseSchema,
  relaySubmittedResponseSchema,
  relayTransactionResponseSchema,
  type RelayAction,
  type RelayPolicy,
  type RelayRequestInput,
  type RelaySubmitted,
  type RelayTransaction,
} from "./relay-api.js";
import type { SignedTallyInput } from "./schemas.js";

/** A refusal of the keeper's own routes or of its relay's: the relay's codes (`RELAY_ERROR_CODES`) too. */
const refusalBodySchema = z.strictObject({
  error: z.strictObject({ code: z.enum([...KEEPER_ERROR_CODES, ...RELAY_ERROR_CODES]), message: z.string() }),
});

export type KeeperErrorKind = "unreachable" | "rejected" | "server" | "invalid_response";

export class KeeperError extends Error {
  override name = "KeeperError";
  constructor(
    readonly kind: KeeperErrorKind,
    message: string,
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface KeeperClient {
  readonly url: string;
  /** `POST /v1/tallies`, with the item clicked and its title (sent only with an item). */
  postTally(tally: SignedTallyInput, item?: string, title?: string): Promise<PostTallyResult>;
  readerTallies(reader: Address, epoch: bigint): Promise<ReaderTallies>;
  currentEpoch(): Promise<CurrentEpoch>;
  epochStatus(epoch: bigint): Promise<EpochStatus>;
  itemClicks(creator: Address, url: string, epoch: bigint): Promise<number>;
  config(): Promise<z.output<typeof keeperConfigResponseSchema>>;
  health(): Promise<boolean>;
  /** `GET /v1/creators/:address/profile`: the signed profile as published (verify it with `verifyProfile`), or null when none. */
  getProfile(creator: Address): Promise<SignedProfile | null>;
  /** `PUT /v1/creators/:address/profile`: publishes a signed profile (a version above the stored one). */
  putProfile(profile: SignedProfileInput): Promise<z.output<typeof putProfileResponseSchema>>;
  /** `GET /v1/creators/:address/items`: the creator's items of `epoch` (default: the current one), most readers first. */
  creatorItems(creator: Address, epoch?: bigint, cursor?: string, limit?: number): Promise<CreatorItems>;
  /** `GET /v1/popular/items`: every creator's items of `epoch` by distinct readers, paged with `nextCursor`. */
  popularItems(epoch?: bigint, cursor?: string, limit?: number): Promise<PopularItems>;
  /** `GET /v1/popular/creators`: creators of `epoch` by distinct readers, paged with `nextCursor`. */
  popularCreators(epoch?: bigint, cursor?: string, limit?: number): Promise<PopularCreators>;
  /** `POST /v1/discover`: the creator (and title) of a page without a button; `no_creator_found` when none. */
  discover(url: string): Promise<Discovered>;
  /** `GET /v1/relay/policy`: what the keeper relays and the least relayer fee, to show before the reader signs. */
  relayPolicy(): Promise<RelayPolicy>;
  /** `POST /v1/relay/<action>`: the keeper simulates, then sends; the answer names the transaction. */
  relay<A extends RelayAction>(action: A, request: RelayRequestInput<A>): Promise<RelaySubmitted>;
  /** `GET /v1/relay/transactions/:hash`: where a relayed transaction stands. */
  relayTransaction(hash: string): Promise<RelayTransaction>;
}

export interface KeeperClientOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export function createKeeperClient(baseUrl: string, options: KeeperClientOptions = {}): KeeperClient {
  const fetchImpl = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const timeoutMs = options.timeoutMs ?? 8000;
  const root = baseUrl.replace(/\/+$/, "");

  async function request<S extends z.ZodType>(path: string, schema: S, init?: RequestInit): Promise<z.output<S>> {
    let response: Response;
    try {
      response = await fetchImpl(`${root}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch {
      throw new KeeperError("unreachable", `The keeper at ${root} cannot be reached.`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const parsed = refusalBodySchema.safeParse(body);
      const kind: KeeperErrorKind = response.status >= 500 ? "server" : "rejected";
      if (parsed.success) {
        throw new KeeperError(kind, parsed.data.error.message, parsed.data.error.code, response.status);
      }
      throw new KeeperError(kind, `The keeper answered HTTP ${response.status}.`, undefined, response.status);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new KeeperError("invalid_response", `The keeper sent an unexpected answer to ${path}.`);
    return parsed.data;
  }

  const sendJson = (body: unknown, method: "POST" | "PUT"): RequestInit => ({
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

  return {
    url: root,
    postTally: (tally, item, title) =>
      request("/v1/tallies", postTallyResponseSchema, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(
          item === undefined ? { tally } : title === undefined ? { tally, item } : { tally, item, title },
        ),
      }),
    readerTallies: (reader, epoch) =>
      request(`/v1/readers/${reader}/tallies?epoch=${epoch}`, readerTalliesResponseSchema),
    currentEpoch: () => request("/v1/epochs/current", currentEpochResponseSchema),
    epochStatus: (epoch) => request(`/v1/epochs/${epoch}`, epochStatusResponseSchema),
    itemClicks: async (creator, url, epoch) => {
      const query = new URLSearchParams({ creator, url, epoch: epoch.toString() });
      return (await request(`/v1/items/clicks?${query.toString()}`, itemClicksResponseSchema)).clicks;
    },
    config: () => request("/v1/config", keeperConfigResponseSchema),
    getProfile: async (creator) => {
      try {
        return await request(`/v1/creators/${creator}/profile`, profileResponseSchema);
      } catch (error) {
        if (error instanceof KeeperError && error.status === 404 && error.code === "not_found") return null;
        throw error;
      }
    },
    putProfile: (profile) =>
      request(`/v1/creators/${profile.creator}/profile`, putProfileResponseSchema, sendJson(profile, "PUT")),
    creatorItems: (creator, epoch, cursor, limit) =>
      request(`/v1/creators/${creator}/items${pageQuery(epoch, cursor, limit)}`, creatorItemsResponseSchema),
    popularItems: (epoch, cursor, limit) =>
      request(`/v1/popular/items${pageQuery(epoch, cursor, limit)}`, popularItemsResponseSchema),
    popularCreators: (epoch, cursor, limit) =>
      request(`/v1/popular/creators${pageQuery(epoch, cursor, limit)}`, popularCreatorsResponseSchema),
    discover: (url) => request("/v1/discover", discoverResponseSchema, sendJson({ url }, "POST")),
    relayPolicy: () => request("/v1/relay/policy", relayPolicyResponseSchema),
    relay: (action, body) =>
      request(`/v1/relay/${action}`, relaySubmittedResponseSchema, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    relayTransaction: (hash) => request(`/v1/relay/transactions/${hash}`, relayTransactionResponseSchema),
    health: async () => {
      try {
        await request("/healthz", z.unknown());
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** The query of a paged listing: only the parameters given, in a fixed order (`?epoch=&cursor=&limit=`). */
function pageQuery(epoch: bigint | undefined, cursor: string | undefined, limit: number | undefined): string {
  const query = new URLSearchParams();
  if (epoch !== undefined) query.set("epoch", epoch.toString());
  if (cursor !== undefined) query.set("cursor", cursor);
  if (limit !== undefined) query.set("limit", String(limit));
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}

/** Whether a failed post is worth retrying later (the tally itself is fine). */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof KeeperError)) return true;
  if (error.kind === "unreachable" || error.kind === "server" || error.kind === "invalid_response") return true;
  // A reader may subscribe later in the same epoch; a rate limit passes.
  return error.code === "rate_limited" || error.code === "no_budget";
}

/** Whether the keeper already has something at least as new, so the tally can leave the queue. */
export function isSuperseded(error: unknown): boolean {
  return error instanceof KeeperError && (error.code === "stale_sequence" || error.code === "wrong_epoch");
}
