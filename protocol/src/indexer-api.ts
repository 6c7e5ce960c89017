/**
 * The indexer's HTTP API, once: the schema of every answer and a typed client. The indexer
 * (indexer/src/api) builds its answers as the `...Response` input types; the dApp and outside clients
 * parse them with these schemas. docs/indexer-api.md describes the same routes in words.
 *
 * Amounts (token units), epochs and block numbers travel as decimal strings and parse to bigints.
 */
import type { Address } from "viem";
import { z } from "zod";

import { budgetStatusNames, skipReasonNames } from "./generated/abis.js";
import { addressSchema } from "./schemas.js";

/**
 * Where a reader's budget of one epoch stands in the indexer: the pool's `BudgetStatus`, or `Cancelled`
 * when the reader took it back before the epoch started (the pool then forgets it: Open with nothing).
 */
export const INDEXED_BUDGET_STATES = [...budgetStatusNames, "Cancelled"] as const;
export type IndexedBudgetState = (typeof INDEXED_BUDGET_STATES)[number];

const decimalSchema = z
  .string()
  .regex(/^[0-9]{1,78}$/, "not a non-negative decimal integer")
  .transform((value) => BigInt(value));
const countSchema = z.number().int().nonnegative();
const hashSchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "not a 32-byte hash") as z.ZodType<`0x${string}`>;

/** Where an event came from. */
export const eventOriginSchema = z.strictObject({
  block: decimalSchema,
  timestamp: decimalSchema,
  transaction: hashSchema,
});
export type EventOrigin = z.output<typeof eventOriginSchema>;

/** What one settled budget paid one creator. */
export const paymentSchema = z.strictObject({ creator: addressSchema, amount: decimalSchema });

/** A reader's budget of one epoch and what became of it. */
export const readerMonthSchema = z.strictObject({
  epoch: decimalSchema,
  /** What the reader funded for the epoch. */
  funded: decimalSchema,
  /** What is left of it: 0 once cancelled, else the funded budget. */
  budget: decimalSchema,
  state: z.enum(INDEXED_BUDGET_STATES),
  /** The settlement, once settled. */
  settlement: z
    .strictObject({
      tip: decimalSchema,
      clicks: decimalSchema,
      /**
       * What the budget paid each creator, largest first; null when the settle transaction did not call
       * the pool directly (a contract wallet or a multicall), so its batch could not be read.
       */
      payments: z.array(paymentSchema).nullable(),
      ...eventOriginSchema.shape,
    })
    .nullable(),
  /** Batches that skipped the reader for this epoch, in order. */
  skips: z.array(z.strictObject({ reason: z.enum(skipReasonNames), ...eventOriginSchema.shape })),
  /** The `withdraw` that returned the budget, once returned. */
  returned: eventOriginSchema.nullable(),
});
export type ReaderMonth = z.output<typeof readerMonthSchema>;

/** `GET /v1/readers/:reader/history`: every epoch the reader funded, oldest first, and its own actions. */
export const readerHistoryResponseSchema = z.strictObject({
  reader: addressSchema,
  months: z.array(readerMonthSchema),
  subscriptions: z.array(
    z.strictObject({
      firstEpoch: decimalSchema,
      epochs: decimalSchema,
      amountPerEpoch: decimalSchema,
      total: decimalSchema,
      ...eventOriginSchema.shape,
    }),
  ),
  cancellations: z.array(
    z.strictObject({
      fromEpoch: decimalSchema,
      untilEpoch: decimalSchema,
      refund: decimalSchema,
      ...eventOriginSchema.shape,
    }),
  ),
  withdrawals: z.array(z.strictObject({ epochs: decimalSchema, amount: decimalSchema, ...eventOriginSchema.shape })),
  sessionRevocations: z.array(z.strictObject({ nonce: countSchema, ...eventOriginSchema.shape })),
});
export type ReaderHistoryResponse = z.input<typeof readerHistoryResponseSchema>;
export type ReaderHistory = z.output<typeof readerHistoryResponseSchema>;

/** `GET /v1/creators/:creator/earnings`: earnings per epoch (oldest first) and every claim. */
export const creatorEarningsResponseSchema = z.strictObject({
  creator: addressSchema,
  /** Everything credited so far (settlements and tips), and everything claimed (`earned - claimed` is claimable). */
  earned: decimalSchema,
  claimed: decimalSchema,
  months: z.array(
    z.strictObject({
      epoch: decimalSchema,
      amount: decimalSchema,
      /** Readers whose settled budgets paid the creator this epoch (those whose split is known). */
      readers: countSchema,
    }),
  ),
  claims: z.array(z.strictObject({ recipient: addressSchema, amount: decimalSchema, ...eventOriginSchema.shape })),
});
export type CreatorEarningsResponse = z.input<typeof creatorEarningsResponseSchema>;
export type CreatorEarnings = z.output<typeof creatorEarningsResponseSchema>;

/** The most tips a tips answer lists, newest first (its months always sum every tip). */
export const MAX_TIPS_LISTED = 200;

/** One tip (`Tipped`): credited to the creator at once, in the epoch its block's timestamp falls in. */
export const tipRecordSchema = z.strictObject({
  reader: addressSchema,
  creator: addressSchema,
  amount: decimalSchema,
  epoch: decimalSchema,
  ...eventOriginSchema.shape,
});
export type TipRecord = z.output<typeof tipRecordSchema>;

/**
 * `GET /v1/creators/:creator/tips` (tips the creator received) and `GET /v1/readers/:reader/tips` (tips the
 * reader sent): the total, the sum and count per epoch (oldest first), and the newest `MAX_TIPS_LISTED` tips
 * (newest first; `truncated` when there are more). Tips are apart from budgets and settlements.
 */
export const tipsResponseSchema = z.strictObject({
  account: addressSchema,
  total: decimalSchema,
  months: z.array(z.strictObject({ epoch: decimalSchema, amount: decimalSchema, count: countSchema })),
  tips: z.array(tipRecordSchema).max(MAX_TIPS_LISTED),
  truncated: z.boolean(),
});
export type TipsResponse = z.input<typeof tipsResponseSchema>;
export type Tips = z.output<typeof tipsResponseSchema>;

/** An epoch's totals: its bounds by the pool's schedule, funding, settlement progress, credits, returns. */
export const epochTotalsSchema = z.strictObject({
  epoch: decimalSchema,
  /** Unix seconds: the epoch runs over [start, end) and may be settled in [end, deadline). */
  start: decimalSchema,
  end: decimalSchema,
  deadline: decimalSchema,
  /** Readers with a budget for the epoch (cancelled ones left out), and the sum of those budgets. */
  fundedReaders: countSchema,
  funded: decimalSchema,
  /** Readers settled so far, their budgets, the keepers' tips out of them and their clicks. */
  settledReaders: countSchema,
  settled: decimalSchema,
  tips: decimalSchema,
  clicks: decimalSchema,
  /** ReaderSkipped events (a reader skipped by two batches counts twice). */
  skips: countSchema,
  /** Readers whose budget expired unsettled and went back to them, and how much. */
  returnedReaders: countSchema,
  returned: decimalSchema,
  /** Credited to creators (settled budgets less tips), the creators credited and the batches. */
  credited: decimalSchema,
  creators: countSchema,
  batches: countSchema,
});
export type EpochTotals = z.output<typeof epochTotalsSchema>;
export type EpochTotalsInput = z.input<typeof epochTotalsSchema>;

/** `GET /v1/epochs`: totals of every epoch anyone funded or settled, oldest first. */
export const epochListResponseSchema = z.strictObject({ epochs: z.array(epochTotalsSchema) });
export type EpochListResponse = z.input<typeof epochListResponseSchema>;

/** `GET /v1/epochs/:epoch`: one epoch's totals and its settle batches, in chain order. */
export const epochProgressResponseSchema = z.strictObject({
  ...epochTotalsSchema.shape,
  settlementBatches: z.array(
    z.strictObject({
      keeper: addressSchema,
      settled: decimalSchema,
      skipped: decimalSchema,
      tip: decimalSchema,
      ...eventOriginSchema.shape,
    }),
  ),
});
export type EpochProgressResponse = z.input<typeof epochProgressResponseSchema>;
export type EpochProgress = z.output<typeof epochProgressResponseSchema>;

/**
 * `GET /v1/accounts/:address/activity`: the last indexed block with an event naming the address (as
 * reader, creator, recipient or keeper), or null. A page polls it to know when to read again.
 */
export const accountActivityResponseSchema = z.strictObject({
  address: addressSchema,
  lastActivityBlock: decimalSchema.nullable(),
});
export type AccountActivityResponse = z.input<typeof accountActivityResponseSchema>;

/** `GET /v1/status`: the last block the indexer has indexed (null before the first). */
export const indexedBlockResponseSchema = z.strictObject({
  block: z.strictObject({ number: decimalSchema, timestamp: decimalSchema }).nullable(),
});
export type IndexedBlockResponse = z.input<typeof indexedBlockResponseSchema>;

/** Ponder's own `GET /status` (no CORS headers): how far each chain is indexed. */
export const indexerStatusResponseSchema = z.record(
  z.string(),
  z.object({
    id: z.number().int().positive(),
    block: z.object({ number: z.number().int().nonnegative(), timestamp: z.number().int().nonnegative() }),
  }),
);
export type IndexerStatus = z.output<typeof indexerStatusResponseSchema>;

/** Every error answer of the indexer's routes: `{ "error": { "code", "message" } }`. */
export const INDEXER_ERROR_CODES = ["invalid_address", "invalid_epoch", "not_found"] as const;
export type IndexerErrorCode = (typeof INDEXER_ERROR_CODES)[number];
export const indexerErrorBodySchema = z.strictObject({
  error: z.strictObject({ code: z.enum(INDEXER_ERROR_CODES), message: z.string() }),
});
export type IndexerErrorBody = z.input<typeof indexerErrorBodySchema>;

export type IndexerErrorKind = "unreachable" | "rejected" | "server" | "invalid_response";

export class IndexerError extends Error {
  override name = "IndexerError";
  constructor(
    readonly kind: IndexerErrorKind,
    message: string,
    readonly code?: IndexerErrorCode,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface IndexerClient {
  readonly url: string;
  readerHistory(reader: Address): Promise<ReaderHistory>;
  creatorEarnings(creator: Address): Promise<CreatorEarnings>;
  /** The tips `creator` received. */
  creatorTips(creator: Address): Promise<Tips>;
  /** The tips `reader` sent. */
  readerTips(reader: Address): Promise<Tips>;
  epochs(): Promise<EpochTotals[]>;
  epochProgress(epoch: bigint): Promise<EpochProgress>;
  /** The last indexed block with an event naming `address`, or null. */
  lastActivity(address: Address): Promise<bigint | null>;
  /** How far the indexer has got: its last indexed block, or null. */
  indexedBlock(): Promise<{ number: bigint; timestamp: bigint } | null>;
  /** Whether the historical sync is complete (Ponder's `/ready`). */
  ready(): Promise<boolean>;
}

export interface IndexerClientOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** A client of the indexer at `baseUrl`; every answer is parsed with the schemas above. */
export function createIndexerClient(baseUrl: string, options: IndexerClientOptions = {}): IndexerClient {
  const fetchImpl = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const timeoutMs = options.timeoutMs ?? 8000;
  const root = baseUrl.replace(/\/+$/, "");

  async function send(path: string): Promise<Response> {
    try {
      return await fetchImpl(`${root}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    } catch {
      throw new IndexerError("unreachable", `The indexer at ${root} cannot be reached.`);
    }
  }

  async function request<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
    const response = await send(path);
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const kind: IndexerErrorKind = response.status >= 500 ? "server" : "rejected";
      const parsed = indexerErrorBodySchema.safeParse(body);
      if (parsed.success) {
        throw new IndexerError(kind, parsed.data.error.message, parsed.data.error.code, response.status);
      }
      throw new IndexerError(kind, `The indexer answered HTTP ${response.status}.`, undefined, response.status);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      throw new IndexerError("invalid_response", `The indexer sent an unexpected answer to ${path}.`);
    return parsed.data;
  }

  return {
    url: root,
    readerHistory: (reader) => request(`/v1/readers/${reader}/history`, readerHistoryResponseSchema),
    creatorEarnings: (creator) => request(`/v1/creators/${creator}/earnings`, creatorEarningsResponseSchema),
    creatorTips: (creator) => request(`/v1/creators/${creator}/tips`, tipsResponseSchema),
    readerTips: (reader) => request(`/v1/readers/${reader}/tips`, tipsResponseSchema),
    epochs: async () => (await request("/v1/epochs", epochListResponseSchema)).epochs,
    epochProgress: (epoch) => request(`/v1/epochs/${epoch}`, epochProgressResponseSchema),
    lastActivity: async (address) =>
      (await request(`/v1/accounts/${address}/activity`, accountActivityResponseSchema)).lastActivityBlock,
    indexedBlock: async () => (await request("/v1/status", indexedBlockResponseSchema)).block,
    ready: async () => (await send("/ready")).status === 200,
  };
}
