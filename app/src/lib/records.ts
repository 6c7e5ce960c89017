/** Storage keys and zod schemas of what the dApp keeps in first-party storage. */
import type { Address } from "viem";
import { z } from "zod";

import { addressSchema, sessionNonceSchema, signedTallySchema, signatureSchema } from "@plaudit/protocol";

const PREFIX = "plaudit:v1";

/** Records are scoped to one pool on one chain. */
export interface Scope {
  chainId: number;
  pool: Address;
}

const scopeKey = (scope: Scope) => `${PREFIX}:${scope.chainId}:${scope.pool.toLowerCase()}`;

export const keys = {
  session: (scope: Scope, reader: Address) => `${scopeKey(scope)}:session:${reader.toLowerCase()}`,
  activeReader: (scope: Scope) => `${scopeKey(scope)}:active-reader`,
  tallyPrefix: (scope: Scope, reader: Address, epoch: bigint) =>
    `${scopeKey(scope)}:tally:${reader.toLowerCase()}:${epoch}:`,
  tally: (scope: Scope, reader: Address, epoch: bigint, signer: Address) =>
    `${scopeKey(scope)}:tally:${reader.toLowerCase()}:${epoch}:${signer.toLowerCase()}`,
  outbox: (scope: Scope) => `${scopeKey(scope)}:outbox`,
};

export const lockNames = {
  tally: (scope: Scope, reader: Address, signer: Address) =>
    `${scopeKey(scope)}:lock:tally:${reader.toLowerCase()}:${signer.toLowerCase()}`,
  outbox: (scope: Scope) => `${scopeKey(scope)}:lock:outbox`,
  flush: (scope: Scope) => `${scopeKey(scope)}:lock:flush`,
};

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
  attempts: z.number().int().nonnegative(),
  nextAttemptAt: z.number().nonnegative(),
  lastError: z.string().optional(),
  /** Set when the keeper refused the tally for good; kept for the reader to see, not retried. */
  failed: z.boolean().optional(),
});
export const outboxSchema = z.array(outboxEntrySchema);
export type OutboxEntry = z.output<typeof outboxEntrySchema>;
