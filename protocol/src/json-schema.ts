/**
 * The wire formats as JSON Schema (draft 2020-12), generated from the zod schemas that the keeper and the
 * dApp parse them with, for clients written in other languages. The keeper serves this document at
 * `GET /v1/schema`; docs/schemas/plaudit-wire.schema.json is the same document, committed.
 * The indexer's answers (docs/indexer-api.md) are here too, under `Indexer…` names.
 * Schemas describe what goes on the wire (zod's input side): numbers that may exceed 2^53 are decimal
 * strings, addresses any-case hex. Rules JSON Schema cannot state (checksums of signatures, strictly
 * ascending creators) are in docs/protocol.md and docs/keeper-api.md.
 */
import { z } from "zod";

import {
  creatorItemsResponseSchema,
  currentEpochResponseSchema,
  discoverRequestSchema,
  discoverResponseSchema,
  epochStatusResponseSchema,
  errorBodySchema,
  healthResponseSchema,
  itemClicksResponseSchema,
  keeperConfigResponseSchema,
  popularCreatorsResponseSchema,
  popularItemsResponseSchema,
  postTallyRequestSchema,
  postTallyResponseSchema,
  putProfileResponseSchema,
  readerTalliesResponseSchema,
  unhealthyResponseSchema,
} from "./keeper-api.js";
import { signedProfileSchema } from "./profile.js";
import {
  relayCancelSchema,
  relayClaimSchema,
  relayPolicyResponseSchema,
  relayRevokeSessionsSchema,
  relaySubmittedResponseSchema,
  relaySubscribeBySignatureSchema,
  relaySubscribeWithAuthorizationSchema,
  relayTipBySignatureSchema,
  relayTipWithAuthorizationSchema,
  relayTransactionResponseSchema,
  relayWithdrawSchema,
} from "./relay-api.js";
import {
  accountActivityResponseSchema,
  creatorEarningsResponseSchema,
  epochListResponseSchema,
  epochProgressResponseSchema,
  indexedBlockResponseSchema,
  indexerErrorBodySchema,
  readerHistoryResponseSchema,
  tipsResponseSchema,
} from "./indexer-api.js";
import { deploymentSchema, sessionSchema, signedTallySchema } from "./schemas.js";

/** Every wire format by name, with what it is. */
export const WIRE_SCHEMAS = {
  SignedTally: [signedTallySchema, "A signed cumulative tally as a dApp posts it to a keeper."],
  Session: [sessionSchema, "A reader's delegation of a session key, carried with the key's tallies."],
  PostTallyRequest: [postTallyRequestSchema, "POST /v1/tallies: body."],
  PostTallyResponse: [postTallyResponseSchema, "POST /v1/tallies: 201 stored, or 200 unchanged."],
  ReaderTalliesResponse: [readerTalliesResponseSchema, "GET /v1/readers/:reader/tallies?epoch=N."],
  CurrentEpochResponse: [currentEpochResponseSchema, "GET /v1/epochs/current."],
  EpochStatusResponse: [epochStatusResponseSchema, "GET /v1/epochs/:epoch."],
  ItemClicksResponse: [itemClicksResponseSchema, "GET /v1/items/clicks?creator=&url=&epoch=."],
  KeeperConfigResponse: [keeperConfigResponseSchema, "GET /v1/config."],
  SignedProfile: [
    signedProfileSchema,
    "A creator's signed profile: PUT /v1/creators/:address/profile body, and its GET answer.",
  ],
  PutProfileResponse: [putProfileResponseSchema, "PUT /v1/creators/:address/profile: 201 stored, or 200 unchanged."],
  CreatorItemsResponse: [creatorItemsResponseSchema, "GET /v1/creators/:address/items?epoch=&cursor=&limit=."],
  PopularItemsResponse: [popularItemsResponseSchema, "GET /v1/popular/items?epoch=&cursor=&limit=."],
  PopularCreatorsResponse: [popularCreatorsResponseSchema, "GET /v1/popular/creators?epoch=&cursor=&limit=."],
  DiscoverRequest: [discoverRequestSchema, "POST /v1/discover: body."],
  DiscoverResponse: [discoverResponseSchema, "POST /v1/discover: 200, the creator found on the page."],
  HealthResponse: [healthResponseSchema, "GET /healthz, 200: every dependency answers."],
  UnhealthyResponse: [unhealthyResponseSchema, "GET /healthz, 503: the dependency that is down."],
  RelayPolicyResponse: [relayPolicyResponseSchema, "GET /v1/relay/policy."],
  RelaySubscribeWithAuthorizationRequest: [
    relaySubscribeWithAuthorizationSchema,
    "POST /v1/relay/subscribe-with-authorization: body.",
  ],
  RelaySubscribeBySignatureRequest: [relaySubscribeBySignatureSchema, "POST /v1/relay/subscribe-by-signature: body."],
  RelayCancelRequest: [relayCancelSchema, "POST /v1/relay/cancel: body."],
  RelayWithdrawRequest: [relayWithdrawSchema, "POST /v1/relay/withdraw: body."],
  RelayRevokeSessionsRequest: [relayRevokeSessionsSchema, "POST /v1/relay/revoke-sessions: body."],
  RelayClaimRequest: [relayClaimSchema, "POST /v1/relay/claim: body."],
  RelayTipWithAuthorizationRequest: [relayTipWithAuthorizationSchema, "POST /v1/relay/tip-with-authorization: body."],
  RelayTipBySignatureRequest: [relayTipBySignatureSchema, "POST /v1/relay/tip-by-signature: body."],
  RelaySubmittedResponse: [relaySubmittedResponseSchema, "POST /v1/relay/<action>: 202, the transaction sent."],
  RelayTransactionResponse: [relayTransactionResponseSchema, "GET /v1/relay/transactions/:hash."],
  ErrorBody: [errorBodySchema, "Every 4xx and 5xx answer of a keeper."],
  Deployment: [deploymentSchema, "The deployment file a deployment writes and keepers and dApps read."],
  IndexerReaderHistoryResponse: [readerHistoryResponseSchema, "Indexer: GET /v1/readers/:reader/history."],
  IndexerCreatorEarningsResponse: [creatorEarningsResponseSchema, "Indexer: GET /v1/creators/:creator/earnings."],
  IndexerTipsResponse: [
    tipsResponseSchema,
    "Indexer: GET /v1/creators/:creator/tips (tips received) and GET /v1/readers/:reader/tips (tips sent).",
  ],
  IndexerEpochListResponse: [epochListResponseSchema, "Indexer: GET /v1/epochs."],
  IndexerEpochProgressResponse: [epochProgressResponseSchema, "Indexer: GET /v1/epochs/:epoch."],
  IndexerAccountActivityResponse: [accountActivityResponseSchema, "Indexer: GET /v1/accounts/:address/activity."],
  IndexerStatusResponse: [indexedBlockResponseSchema, "Indexer: GET /v1/status."],
  IndexerErrorBody: [indexerErrorBodySchema, "Every 4xx answer of the indexer."],
} as const satisfies Record<string, readonly [z.ZodType, string]>;

export type WireSchemaName = keyof typeof WIRE_SCHEMAS;

/** One JSON Schema document with every wire format under `$defs`. */
export function wireJsonSchema(): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (const [name, [schema, description]] of Object.entries(WIRE_SCHEMAS)) {
    const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" });
    defs[name] = { description, ...json };
  }
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Plaudit wire formats",
    description: "Generated from @plaudit/protocol's zod schemas: see docs/keeper-api.md and docs/protocol.md.",
    $defs: defs,
  };
}
