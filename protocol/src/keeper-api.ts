/**
 * The keeper's HTTP API, once: its error codes, the schema of every answer, and a typed client. The
 * keeper builds its answers as these types; the dApp and outside clients parse them with these schemas.
 * docs/keeper-api.md describes the same routes in words (and `GET /v1/schema` serves them as JSON Schema).
 */
import { z } from "zod";

import { isPlainText, signedProfileSchema } from "./profile.js";
import { RELAY_ERROR_CODES } from "./relay-api.js";
import { addressSchema, signedTallySchema } from "./schemas.js";
import { MAX_ITEM_TITLE_LENGTH, MAX_ITEM_URL_LENGTH } from "./snippet.js";

/** Every `error.code` a keeper answers with, by the HTTP status it comes with. */
export const KEEPER_ERROR_CODES = [
  // 400
  "malformed_json",
  "invalid_body",
  "invalid_query",
  "bad_url",
  "bad_request",
  "wrong_chain",
  "wrong_pool",
  "creator_mismatch",
  // 404, 405, 408, 409
  "not_found",
  "no_creator_found",
  "method_not_allowed",
  "request_timeout",
  "stale_sequence",
  "stale_version",
  // 413, 415
  "body_too_large",
  "unsupported_media_type",
  // 422
  "bad_clicks",
  "wrong_epoch",
  "bad_signature",
  "bad_session",
  "no_budget",
  "address_refused",
  "redirect_refused",
  // 429, 431
  "rate_limited",
  "headers_too_large",
  // 500, 502, 503
  "internal",
  "fetch_failed",
  "storage_unavailable",
  "chain_unavailable",
  // The relay's routes (403, 409, 422, 503)
  ...RELAY_ERROR_CODES,
] as const;
export type KeeperErrorCode = (typeof KEEPER_ERROR_CODES)[number];

/**
 * Every error answer: `{ "error": { "code", "message" } }`; the message names the field at fault.
 */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({ code: z.enum(KEEPER_ERROR_CODES), message: z.string() }),
});
export type ErrorBody = z.input<typeof errorBodySchema>;

/** A non-negative integer sent as a decimal string (epochs, sequence numbers: they may exceed 2^53). */
const decimalSchema = z
  .union([z.number().int().nonnegative(), z.string().regex(/^[0-9]{1,20}$/)])
  .transform((value) => BigInt(value));
const countSchema = z.number().int().nonnegative();
/** Unix seconds by chain time; read as bigints, like every on-chain time. */
const unixSecondsSchema = decimalSchema;

/** An item's title: 1 to 200 characters of text, no control or invisible characters (shown as text). */
export const itemTitleSchema = z
  .string()
  .min(1, "empty title")
  .max(MAX_ITEM_TITLE_LENGTH, `at most ${MAX_ITEM_TITLE_LENGTH} characters`)
  .refine(isPlainText, "no control or invisible characters");

/** `POST /v1/tallies` body. */
export const postTallyRequestSchema = z.strictObject({
  tally: signedTallySchema,
  /** The item (page) the click was on: an http(s) URL; recorded for the creator whose count rose. */
  item: z
    .url({ protocol: /^https?$/, message: "not an http(s) URL" })
    .max(MAX_ITEM_URL_LENGTH, `at most ${MAX_ITEM_URL_LENGTH} characters`)
    .optional(),
  /** The item's title as its button declared it: plain text, recorded with the item. */
  title: itemTitleSchema.optional(),
});
export type PostTallyRequest = z.input<typeof postTallyRequestSchema>;
/** A `POST /v1/tallies` body as the keeper reads it (checksummed addresses, bigints). */
export type ParsedPostTallyRequest = z.output<typeof postTallyRequestSchema>;

/** `POST /v1/tallies`: 201 stored, or 200 unchanged for the identical stored tally. */
export const postTallyResponseSchema = z.union([
  z.strictObject({ status: z.literal("stored"), seq: decimalSchema }),
  z.strictObject({ status: z.literal("unchanged") }),
]);
export type PostTallyResponse = z.input<typeof postTallyResponseSchema>;
export type PostTallyResult = z.output<typeof postTallyResponseSchema>;

/** `GET /v1/readers/:reader/tallies?epoch=N`: the latest tally per key. */
export const readerTalliesResponseSchema = z.strictObject({
  epoch: decimalSchema,
  tallies: z.array(signedTallySchema),
});
export type ReaderTalliesResponse = z.input<typeof readerTalliesResponseSchema>;
export type ReaderTallies = z.output<typeof readerTalliesResponseSchema>;

/** `GET /v1/epochs/current`: the epoch by chain time, its bounds and the chain time (unix seconds). */
export const currentEpochResponseSchema = z.strictObject({
  epoch: decimalSchema,
  start: unixSecondsSchema,
  end: unixSecondsSchema,
  deadline: unixSecondsSchema,
  chainTime: unixSecondsSchema,
});
export type CurrentEpochResponse = z.input<typeof currentEpochResponseSchema>;
export type CurrentEpoch = z.output<typeof currentEpochResponseSchema>;

export const EPOCH_PHASES = ["open", "settling", "settled", "expired"] as const;
export type EpochPhase = (typeof EPOCH_PHASES)[number];
export const TX_STATUSES = ["pending", "confirmed", "failed", "replaced"] as const;
export type TxStatus = (typeof TX_STATUSES)[number];

/**
 * `GET /v1/epochs/:epoch`: settlement progress. Every reader with a tally ends up settled (by this
 * keeper's batches or anyone's), skipped by the pool, or dropped by the keeper before sending.
 */
export const epochStatusResponseSchema = z.strictObject({
  epoch: decimalSchema,
  status: z.enum(EPOCH_PHASES),
  start: unixSecondsSchema,
  end: unixSecondsSchema,
  deadline: unixSecondsSchema,
  readers: countSchema,
  /** Clicks of the epoch's readers that were not dropped; of those settled so far; of the dropped ones. */
  clicks: countSchema,
  settledClicks: countSchema,
  droppedClicks: countSchema,
  settledReaders: countSchema,
  skippedReaders: countSchema,
  droppedReaders: countSchema,
  /** Dropped readers with the reason (the first 100 by address; all are counted in droppedReaders). */
  dropped: z.array(z.strictObject({ reader: addressSchema, reason: z.string() })),
  transactions: z.array(
    z.strictObject({
      hash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
      readers: countSchema,
      status: z.enum(TX_STATUSES),
      /** The keeper account that signed it (null for a record from before senders were stored). */
      from: addressSchema.nullable(),
      nonce: countSchema,
      /** Gas used once mined (also by a reverted one), else null; a decimal string. */
      gasUsed: z
        .string()
        .regex(/^[0-9]+$/)
        .nullable(),
    }),
  ),
});
export type EpochStatusResponse = z.input<typeof epochStatusResponseSchema>;
export type EpochStatus = z.output<typeof epochStatusResponseSchema>;

/** How far settlement of an epoch has come, 0 to 1: settled, skipped and dropped readers are all decided. */
export function settlementProgress(status: EpochStatus): number {
  if (status.readers === 0) return status.status === "open" ? 0 : 1;
  const decided = status.settledReaders + status.skippedReaders + status.droppedReaders;
  return Math.min(1, decided / status.readers);
}

/** `GET /v1/items/clicks?creator=&url=&epoch=`: distinct readers who clicked the item for the creator. */
export const itemClicksResponseSchema = z.strictObject({ clicks: countSchema });
export type ItemClicksResponse = z.input<typeof itemClicksResponseSchema>;

/** `GET /v1/config`: the pool this keeper serves. */
export const keeperConfigResponseSchema = z.strictObject({
  chainId: z.number().int().positive(),
  pool: addressSchema,
  token: addressSchema,
  startTime: unixSecondsSchema,
  epochLength: z.number().int().positive(),
  keeperTipBps: z.number().int().nonnegative(),
});
export type KeeperConfigResponse = z.input<typeof keeperConfigResponseSchema>;

export const DEPENDENCY_STATES = ["ok", "unavailable"] as const;
const dependenciesSchema = z.strictObject({
  chain: z.enum(DEPENDENCY_STATES),
  storage: z.enum(DEPENDENCY_STATES),
});

/** `GET /healthz`, 200: every dependency answers. */
export const healthResponseSchema = z.strictObject({
  status: z.literal("ok"),
  chainTime: unixSecondsSchema,
  storage: z.string(),
  dependencies: dependenciesSchema,
});
export type HealthResponse = z.input<typeof healthResponseSchema>;

/** `GET /healthz`, 503: which dependency is down, with the error a retrying client acts on. */
export const unhealthyResponseSchema = z.strictObject({
  status: z.literal("unavailable"),
  chainTime: unixSecondsSchema.nullable(),
  storage: z.string(),
  dependencies: dependenciesSchema,
  error: errorBodySchema.shape.error,
});
export type UnhealthyResponse = z.input<typeof unhealthyResponseSchema>;

/** An opaque pagination cursor: pass a page's `nextCursor` back for the next page (null: no more). */
export const cursorSchema = z.string().regex(/^[0-9]{1,6}$/, "not a cursor of this keeper");
/** Items or creators per page of a listing (`limit`), and the default. */
export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 20;
/** How many of an epoch's items or creators a keeper ranks at most (pages beyond are empty). */
export const MAX_RANKED = 1000;

/** `PUT /v1/creators/:address/profile`: 201 stored (a higher version), 200 unchanged (the same profile). */
export const putProfileResponseSchema = z.strictObject({
  status: z.enum(["stored", "unchanged"]),
  version: decimalSchema,
});
export type PutProfileResponse = z.input<typeof putProfileResponseSchema>;

/** `GET /v1/creators/:address/profile`: the signed profile as the creator published it; verify it. */
export const profileResponseSchema = signedProfileSchema;
export type ProfileResponse = z.input<typeof profileResponseSchema>;

const itemEntrySchema = z.strictObject({
  url: z.string().max(MAX_ITEM_URL_LENGTH),
  /** The title most of its readers' buttons declared; null when none did. */
  title: z.string().max(MAX_ITEM_TITLE_LENGTH).nullable(),
  /** Distinct readers who applauded it in the epoch. */
  readers: countSchema,
});

/** `GET /v1/creators/:address/items?epoch=&cursor=&limit=`: a creator's items, most readers first. */
export const creatorItemsResponseSchema = z.strictObject({
  creator: addressSchema,
  epoch: decimalSchema,
  items: z.array(itemEntrySchema),
  nextCursor: cursorSchema.nullable(),
});
export type CreatorItemsResponse = z.input<typeof creatorItemsResponseSchema>;
export type CreatorItems = z.output<typeof creatorItemsResponseSchema>;

/** `GET /v1/popular/items?epoch=&cursor=&limit=`: every creator's items by distinct readers, most first. */
export const popularItemsResponseSchema = z.strictObject({
  epoch: decimalSchema,
  items: z.array(itemEntrySchema.extend({ creator: addressSchema })),
  nextCursor: cursorSchema.nullable(),
});
export type PopularItemsResponse = z.input<typeof popularItemsResponseSchema>;
export type PopularItems = z.output<typeof popularItemsResponseSchema>;

/** `GET /v1/popular/creators?epoch=&cursor=&limit=`: creators by distinct readers, most first. */
export const popularCreatorsResponseSchema = z.strictObject({
  epoch: decimalSchema,
  creators: z.array(
    z.strictObject({
      creator: addressSchema,
      /** Distinct readers whose tallies of the epoch credit the creator. */
      readers: countSchema,
      /** The creator's items that readers applauded in the epoch. */
      items: countSchema,
    }),
  ),
  nextCursor: cursorSchema.nullable(),
});
export type PopularCreatorsResponse = z.input<typeof popularCreatorsResponseSchema>;
export type PopularCreators = z.output<typeof popularCreatorsResponseSchema>;

/** `POST /v1/discover` body: the page whose creator the keeper should find. */
export const discoverRequestSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, message: "not an http(s) URL" })
    .max(MAX_ITEM_URL_LENGTH, `at most ${MAX_ITEM_URL_LENGTH} characters`),
});
export type DiscoverRequest = z.input<typeof discoverRequestSchema>;

/** Where discovery found the creator, in the order it looks. */
export const DISCOVERY_SOURCES = ["meta", "link_payment", "funding_manifest", "drips_funding_json"] as const;
export type DiscoverySource = (typeof DISCOVERY_SOURCES)[number];

/** `POST /v1/discover`, 200: the creator found, the page's title (text; null if none) and where it was found. */
export const discoverResponseSchema = z.strictObject({
  creator: addressSchema,
  title: z.string().max(MAX_ITEM_TITLE_LENGTH).nullable(),
  source: z.enum(DISCOVERY_SOURCES),
});
export type DiscoverResponse = z.input<typeof discoverResponseSchema>;
export type Discovered = z.output<typeof discoverResponseSchema>;
