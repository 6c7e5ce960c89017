/**
 * The simulation's own record of what it did, kept apart from anything the chain or the keeper says:
 * what each reader funded and cancelled, and the latest tally each device signed per epoch. The audit
 * derives every expected amount from this record.
 */
import type { Address } from "viem";

import type { Clicks } from "@plaudit/protocol";

export interface LedgerTally extends Clicks {
  signer: Address;
  seq: bigint;
}

export interface ReaderLedger {
  reader: Address;
  minted: bigint;
  budgetPerEpoch: bigint;
  /** Epochs `[0, fundedEpochs)` were funded. */
  fundedEpochs: number;
  /** Every epoch from this one on was cancelled (refunded at once), if set. */
  cancelledFrom: number | undefined;
  /** Per epoch: the latest tally of each signing key. */
  tallies: Map<number, Map<Address, LedgerTally>>;
}

export interface Ledger {
  epochs: number;
  keeperTipBps: number;
  keeper: Address;
  creators: Address[];
  readers: ReaderLedger[];
}

/** The budget the reader should have had for `epoch` (0 if unfunded or cancelled). */
export function expectedBudget(reader: ReaderLedger, epoch: number): bigint {
  if (epoch >= reader.fundedEpochs) return 0n;
  if (reader.cancelledFrom !== undefined && epoch >= reader.cancelledFrom) return 0n;
  return reader.budgetPerEpoch;
}

/** The reader's last tallies of `epoch`, ordered by signing key as `settle` takes them. */
export function talliesOf(reader: ReaderLedger, epoch: number): LedgerTally[] {
  const byKey = reader.tallies.get(epoch);
  if (byKey === undefined) return [];
  return [...byKey.values()].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
}

export function recordTally(reader: ReaderLedger, epoch: number, tally: LedgerTally): void {
  let byKey = reader.tallies.get(epoch);
  if (byKey === undefined) {
    byKey = new Map();
    reader.tallies.set(epoch, byKey);
  }
  byKey.set(tally.signer, tally);
}
