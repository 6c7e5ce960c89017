/** Zod schemas of what the dApp keeps in first-party storage; the storage keys are in recordKeys.ts. */
import { z } from "zod";

import {
  addressSchema,
  MAX_ITEM_TITLE_LENGTH,
  sessionNonceSchema,
  signedTallySchema,
  signatureSchema,
} from "@plaudit/protocol";

export { keys, lockNames, type Scope } from "./recordKeys.js";

const privateKeySchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "not a private key");
const decimal = z.string().regex(/^[0-9]{1,20}$/);

/** A session key the reader delegated with an EIP-712 `Session`. */
export const storedSessionSchema = z.strictObject({
  reader: addressSchema,
  key: addressSchema,
  privateKey: privateKeySchema,
  expiry: decimal,
  /** The reader's session nonce (`sessionNonceOf`) the delegation was signed with. */
  nonce: sessionNonceSchema,
  signature: signatureSchema,
  createdAt: z.number().int().nonnegative(),
});
export type StoredSession = z.output<typeof storedSessionSchema>;

/** The wire form of a signed tally as stored (bigints as strings), re-validated on read. */
export const storedWireTallySchema = z
  .strictObject({
    chainId: z.number().int().positive(),
    pool: z.string(),
    reader: z.string(),
    signer: z.string(),
    epoch: z.string(),
    seq: z.string(),
    creators: z.array(z.string()),
    counts: z.array(z.number()),
    signature: z.string(),
    session: z.strictObject({ expiry: z.string(), nonce: z.number(), signature: z.string() }).nullable(),
  })
  .refine((value) => signedTallySchema.safeParse(value).success, { message: "not a valid signed tally" });

/** The latest tally one key signed for one reader and epoch, and which items it counted. */
export const storedTallySchema = z.strictObject({
  seq: decimal,
  creators: z.array(addressSchema),
  counts: z.array(z.number().int().positive()),
  items: z.array(z.string()),
  last: storedWireTallySchema,
});
export type StoredTally = z.output<typeof storedTallySchema>;

export const outboxEntrySchema = z.strictObject({
  id: z.string(),
  tally: storedWireTallySchema,
  item: z.string().optional(),
  /**
   * The item's title as its button declared it, sent with the tally. Loosely bounded here (a bad one must
   * not throw the whole queue away); checked against the keeper's `itemTitleSchema` before it is sent.
   */
  title: z.string().max(MAX_ITEM_TITLE_LENGTH).optional(),
  /** The creator this entry's click added (absent in entries queued before it was recorded). */
  creator: addressSchema.optional(),
  attempts: z.number().int().nonnegative(),
  nextAttemptAt: z.number().nonnegative(),
  lastError: z.string().optional(),
  /** The keeper's error code of the last failed attempt, or "unreachable" when it could not be reached. */
  lastCode: z.string().max(64).optional(),
  /** Set when the keeper refused the tally for good; kept for the reader to see, not retried. */
  failed: z.boolean().optional(),
  /** Set when an attempt ended without a clear answer (the keeper may have stored it). */
  uncertain: z.boolean().optional(),
});
export const outboxSchema = z.array(outboxEntrySchema);
export type OutboxEntry = z.output<typeof outboxEntrySchema>;
