/**
 * `settle`'s packed batch (IPlauditPool.settle documents the format, contracts/libraries/SettlementBatch.sol
 * reads it). Every creator is named once, in the batch's creator table; tallies refer to creators by their
 * index there. The encoder writes whatever it is given, valid or not: what the contract would skip is the
 * `tallyProblem` (selection.ts) to decide, not the encoding's.
 */
import { getAddress, type Address, type Hex } from "viem";

/**
 * One tally as `settle` takes it: the signed fields and their proofs. Addresses may be any string: the
 * encoder checks each with `getAddress` (and throws on a non-address).
 */
export interface SettlementTally {
  /** The reader itself, or a session key the reader delegated. */
  signer: string;
  seq: bigint;
  /** The delegation's expiry; ignored (0) when the reader signed itself. */
  sessionExpiry: bigint;
  creators: readonly string[];
  counts: readonly number[];
  signature: Hex;
  /** The reader's `Session` signature; "0x" when the reader signed itself. */
  sessionSignature: Hex;
}

/** All tallies of one reader, signers strictly ascending. */
export interface SettlementReader {
  reader: string;
  tallies: readonly SettlementTally[];
}

/** `settle`'s `creators` and `batch` arguments. */
export interface EncodedBatch {
  creators: Address[];
  batch: Hex;
}

/** Field widths in bytes, as SettlementBatch.sol reads them. */
const BYTES = { address: 20, tallyCount: 1, signedBy: 1, seq: 8, expiry: 8, length: 2, index: 2, count: 4 } as const;

/** `signedBy`: the reader itself signed the tally, or a session key did (the pool recovers which). */
const SIGNED_BY = { reader: 0, sessionKey: 1 } as const;

const maxOf = (bytes: number) => 2n ** BigInt(bytes * 8) - 1n;

function uint(value: bigint | number, bytes: number, what: string): string {
  const n = BigInt(value);
  if (n < 0n || n > maxOf(bytes)) throw new RangeError(`${what} ${n} does not fit in ${bytes} bytes`);
  return n.toString(16).padStart(bytes * 2, "0");
}

function hexBody(value: Hex, what: string): string {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(value)) throw new TypeError(`${what} is not hex bytes`);
  return value.slice(2);
}

function lengthPrefixed(value: Hex, what: string): string {
  const body = hexBody(value, what);
  return uint(body.length / 2, BYTES.length, `${what} length`) + body;
}

/** Encodes `readers` for `settle(epoch, creators, batch)`. Throws on values the format cannot hold. */
export function encodeSettlementBatch(readers: readonly SettlementReader[]): EncodedBatch {
  const creators: Address[] = [];
  const indexOf = new Map<string, number>();
  const creatorIndex = (creator: string): number => {
    const key = getAddress(creator);
    let index = indexOf.get(key);
    if (index === undefined) {
      index = creators.length;
      indexOf.set(key, index);
      creators.push(key);
    }
    return index;
  };

  const parts: string[] = [];
  for (const { reader, tallies } of readers) {
    const readerAddress = getAddress(reader);
    parts.push(hexBody(readerAddress, "reader"), uint(tallies.length, BYTES.tallyCount, "tallies of a reader"));
    for (const tally of tallies) {
      if (tally.creators.length !== tally.counts.length) {
        throw new RangeError(
          `a tally of ${reader} has ${tally.creators.length} creators but ${tally.counts.length} counts`,
        );
      }
      parts.push(
        uint(
          getAddress(tally.signer) === readerAddress ? SIGNED_BY.reader : SIGNED_BY.sessionKey,
          BYTES.signedBy,
          "signedBy",
        ),
        uint(tally.seq, BYTES.seq, "seq"),
        uint(tally.sessionExpiry, BYTES.expiry, "session expiry"),
        uint(tally.creators.length, BYTES.length, "creators of a tally"),
      );
      tally.creators.forEach((creator, i) => {
        parts.push(
          uint(creatorIndex(creator), BYTES.index, "creator index"),
          uint(tally.counts[i] as number, BYTES.count, "click count"),
        );
      });
      parts.push(
        lengthPrefixed(tally.signature, "signature"),
        lengthPrefixed(tally.sessionSignature, "session signature"),
      );
    }
  }
  return { creators, batch: `0x${parts.join("")}` };
}

/** `settle`'s arguments for `readers` of `epoch`, in order. */
export function settleArgs(epoch: bigint, readers: readonly SettlementReader[]): readonly [bigint, Address[], Hex] {
  const { creators, batch } = encodeSettlementBatch(readers);
  return [epoch, creators, batch] as const;
}

/** A tally read back from a batch: the batch does not name a session key (the pool recovers it). */
export type DecodedTally = Omit<SettlementTally, "signer"> & { sessionKeySigned: boolean };

/** A reader read back from a batch. */
export interface DecodedReader {
  reader: Address;
  tallies: DecodedTally[];
}

/** Reads a batch back (the inverse of `encodeSettlementBatch`, but for signers); throws on a malformed batch. */
export function decodeSettlementBatch({ creators, batch }: EncodedBatch): DecodedReader[] {
  const body = hexBody(batch, "batch");
  let at = 0;
  const take = (bytes: number): string => {
    if (at + bytes * 2 > body.length) throw new RangeError(`batch ends inside a field at byte ${at / 2}`);
    const field = body.slice(at, at + bytes * 2);
    at += bytes * 2;
    return field;
  };
  const takeUint = (bytes: number) => BigInt(`0x${take(bytes)}`);
  const takeBytes = (): Hex => `0x${take(Number(takeUint(BYTES.length)))}`;

  const readers: DecodedReader[] = [];
  while (at < body.length) {
    const reader = getAddress(`0x${take(BYTES.address)}`);
    const tallies: DecodedTally[] = [];
    for (let t = Number(takeUint(BYTES.tallyCount)); t > 0; t--) {
      const signedBy = Number(takeUint(BYTES.signedBy));
      if (signedBy !== SIGNED_BY.reader && signedBy !== SIGNED_BY.sessionKey) {
        throw new RangeError(`unknown signedBy ${signedBy} at byte ${at / 2 - 1}`);
      }
      const seq = takeUint(BYTES.seq);
      const sessionExpiry = takeUint(BYTES.expiry);
      const tallyCreators: Address[] = [];
      const counts: number[] = [];
      for (let n = Number(takeUint(BYTES.length)); n > 0; n--) {
        const index = Number(takeUint(BYTES.index));
        const creator = creators[index];
        if (creator === undefined) throw new RangeError(`creator index ${index} is outside the table`);
        tallyCreators.push(creator);
        counts.push(Number(takeUint(BYTES.count)));
      }
      const signature = takeBytes();
      const sessionSignature = takeBytes();
      tallies.push({
        sessionKeySigned: signedBy === SIGNED_BY.sessionKey,
        seq,
        sessionExpiry,
        creators: tallyCreators,
        counts,
        signature,
        sessionSignature,
      });
    }
    readers.push({ reader, tallies });
  }
  return readers;
}
