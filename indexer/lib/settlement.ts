/**
 * What one settled reader's budget paid each creator. `CreatorCredited` sums a whole batch per creator,
 * so the per-reader split is recomputed from the settle call itself: its batch names the reader's
 * tallies, and protocol's `splitBudget` is the pool's split. The pool emits one ReaderSettled or
 * ReaderSkipped per reader record, in batch order, so the n-th of them in a transaction is the batch's
 * n-th record. Only a transaction that calls `settle` on the pool directly can be read this way.
 */
import { decodeSettlementBatch, plauditPoolAbi, splitBudget, type DecodedReader } from "@plaudit/protocol";
import { decodeFunctionData, getAddress, isAddressEqual, type Address, type Hex } from "viem";

export interface SettledReader {
  /** The settle transaction's calldata, its target and hash. */
  input: Hex;
  to: Address | null;
  transaction: Hex;
  pool: Address;
  /** 0-based position of the reader's record in the batch (its ReaderSettled/ReaderSkipped order). */
  position: number;
  reader: Address;
  budget: bigint;
  tip: bigint;
  keeperTipBps: number;
}

/** The last decoded batch: the ReaderSettled events of one transaction come one after another. */
let lastBatch: { transaction: Hex; readers: DecodedReader[] | null } | undefined;

function batchOf(input: Hex, transaction: Hex): DecodedReader[] | null {
  if (lastBatch?.transaction === transaction) return lastBatch.readers;
  let readers: DecodedReader[] | null = null;
  try {
    const call = decodeFunctionData({ abi: plauditPoolAbi, data: input });
    if (call.functionName === "settle") {
      const [, creators, batch] = call.args;
      readers = decodeSettlementBatch({ creators: [...creators], batch });
    }
  } catch {
    readers = null;
  }
  lastBatch = { transaction, readers };
  return readers;
}

/**
 * The reader's payment per creator, or null when it cannot be known from the transaction (not a direct
 * `settle` call on the pool, or a batch that does not match the event: then nothing is guessed).
 */
export function readerPayments(settled: SettledReader): Map<Address, bigint> | null {
  if (settled.to === null || !isAddressEqual(settled.to, settled.pool)) return null;
  const record = batchOf(settled.input, settled.transaction)?.[settled.position];
  if (record === undefined || !isAddressEqual(record.reader, settled.reader)) return null;
  const clicks = record.tallies.map((tally) => ({
    creators: tally.creators.map((c) => getAddress(c)),
    counts: tally.counts,
  }));
  const split = splitBudget(settled.budget, settled.keeperTipBps, clicks);
  if (split.tip !== settled.tip) return null;
  return split.shares;
}
