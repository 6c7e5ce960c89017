/**
 * zod schemas for what crosses a trust boundary: signed tallies posted to a keeper, and the deployment
 * file the keeper and the dApp read. Parsing normalizes (checksummed addresses, bigints) and rejects
 * everything else with a message that names the field.
 */
import { getAddress, type Address, type Hex } from "viem";
import { z } from "zod";

import { MAX_CLICK_COUNT, MAX_CREATORS_PER_TALLY } from "./limits.js";
import { settleArgs, type SettlementTally } from "./batch.js";

/**
 * Checksummed forms already computed (EIP-55 costs a keccak per address, and a keeper sees the same
 * readers, keys and creators again and again), forgotten all at once when full.
 */
const CHECKSUM_CACHE_SIZE = 16_384;
const checksums = new Map<string, Address>();

/** EIP-55 form of `0x` + 40 hex digits in any case. */
function checksummed(value: string): Address {
  let address = checksums.get(value);
  if (address === undefined) {
    address = getAddress(value);
    if (checksums.size >= CHECKSUM_CACHE_SIZE) checksums.clear();
    checksums.set(value, address);
  }
  return address;
}

/** An address as 0x and 40 hex digits, in any case; parsed to its checksummed form. */
export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "not an address")
  .transform(checksummed);

/** A 65-byte ECDSA signature, or longer bytes for an ERC-1271 wallet (bounded). */
export const MAX_SIGNATURE_BYTES = 1024;
export const signatureSchema = z
  .string()
  .regex(/^0x(?:[0-9a-fA-F]{2})+$/, "not hex bytes")
  .refine((value) => (value.length - 2) / 2 <= MAX_SIGNATURE_BYTES, { message: "signature too long" })
  .transform((value) => value.toLowerCase() as Hex);

const uint64Schema = z
  // The wire form (a decimal string, as toWireTally writes it) first: a union tries its options in order.
  .union([z.string().regex(/^[0-9]{1,20}$/), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .transform((value) => BigInt(value))
  .refine((value) => value < 2n ** 64n, { message: "exceeds uint64" });

/** A reader's session nonce (`sessionNonceOf`, uint32). */
export const sessionNonceSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);

export const sessionSchema = z.strictObject({
  expiry: uint64Schema,
  /** The reader's session nonce the delegation was signed with. */
  nonce: sessionNonceSchema,
  signature: signatureSchema,
});

/** A signed cumulative tally as the dApp posts it to a keeper (JSON). */
export const signedTallySchema = z.strictObject({
  chainId: z.number().int().positive(),
  pool: addressSchema,
  reader: addressSchema,
  signer: addressSchema,
  epoch: uint64Schema,
  seq: uint64Schema.refine((value) => value > 0n, { message: "seq starts at 1" }),
  creators: z.array(addressSchema).min(1).max(MAX_CREATORS_PER_TALLY),
  counts: z.array(z.number().int().min(1).max(MAX_CLICK_COUNT)).min(1).max(MAX_CREATORS_PER_TALLY),
  signature: signatureSchema,
  /** The reader's delegation of `signer`; null when the reader signed the tally itself. */
  session: sessionSchema.nullable(),
});

export type SignedTallyInput = z.input<typeof signedTallySchema>;
export type SignedTally = z.output<typeof signedTallySchema>;

/** A parsed wire tally as `settle` takes it (see batch.ts). */
export function toSettlementTally(tally: SignedTally): SettlementTally {
  return {
    signer: tally.signer,
    seq: tally.seq,
    sessionExpiry: tally.session?.expiry ?? 0n,
    creators: tally.creators,
    counts: tally.counts,
    signature: tally.signature,
    sessionSignature: tally.session?.signature ?? ("0x" as Hex),
  };
}

/** `settle`'s arguments for readers' parsed wire tallies of `epoch` (each reader's signers ascending). */
export function settleArgsOf(epoch: bigint, readers: readonly { reader: Address; tallies: readonly SignedTally[] }[]) {
  return settleArgs(
    epoch,
    readers.map(({ reader, tallies }) => ({ reader, tallies: tallies.map(toSettlementTally) })),
  );
}

/** JSON form of a tally (bigints as decimal strings), accepted back by `signedTallySchema`. */
export function toWireTally(tally: SignedTally): SignedTallyInput {
  return {
    ...tally,
    epoch: tally.epoch.toString(),
    seq: tally.seq.toString(),
    session:
      tally.session === null
        ? null
        : { expiry: tally.session.expiry.toString(), nonce: tally.session.nonce, signature: tally.session.signature },
  };
}

/** At most this many extra RPC URLs in a deployment file. */
export const MAX_RPC_URLS = 8;

/** What a deployment writes and the keeper, the dApp and scripts read. */
export const deploymentSchema = z.strictObject({
  chainId: z.number().int().positive(),
  rpcUrl: z.string().url().optional(),
  pool: addressSchema,
  token: addressSchema,
  tokenSymbol: z.string().min(1).max(16),
  tokenDecimals: z.number().int().min(0).max(36),
  startTime: z.number().int().nonnegative(),
  epochLength: z.number().int().positive(),
  keeperTipBps: z.number().int().min(0),
  deployBlock: z.number().int().nonnegative(),
  keeperUrl: z.string().url().optional(),
  /** More JSON-RPC URLs of the chain, tried after `rpcUrl` in order (viem `fallback`). */
  rpcUrls: z.array(z.string().url()).min(1).max(MAX_RPC_URLS).optional(),
  /** The indexer's base URL: pages read history from it instead of scanning logs. */
  indexerUrl: z.string().url().optional(),
  /** The largest `eth_getLogs` block range the RPC accepts (10 on Alchemy's free tier); unset: learnt from its errors. */
  logRange: z.number().int().positive().optional(),
  /**
   * An Ethereum mainnet JSON-RPC URL for ENS: the dApp shows creators' primary names (ENSIP-19 reverse
   * records for an L2) and resolves names typed in. Unset: no ENS lookup at all.
   */
  ensRpcUrl: z.string().url().optional(),
});

export type Deployment = z.output<typeof deploymentSchema>;
