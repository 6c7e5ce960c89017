/** What the keeper keeps: latest tallies, item clicks, settle transactions and per-reader outcomes. */
import type { Address, Hex } from "viem";

import type { SignedTally, SignedTallyInput } from "@plaudit/protocol";

export type PutTallyResult =
  | { status: "stored"; previous: SignedTallyInput | undefined }
  | { status: "unchanged" }
  | { status: "stale"; storedSeq: bigint };

export type TxStatus = "pending" | "confirmed" | "failed" | "replaced";

export interface TxRecord {
  hash: Hex;
  epoch: bigint;
  nonce: number;
  readers: Address[];
  status: TxStatus;
  /** Calldata and gas, so a restarted keeper can replace a stuck transaction. */
  data: Hex;
  gas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  createdAt: number;
}

/**
 * `settled`: split on chain (by us or another keeper); `skipped`: the contract skipped it (reason is the
 * SkipReason name); `dropped`: never submitted because the contract would reject it (reason says why).
 */
export interface ReaderOutcome {
  reader: Address;
  outcome: "settled" | "skipped" | "dropped";
  reason: string;
  txHash: Hex | null;
}

export interface EpochStats {
  readers: number;
  /** Clicks in every stored tally of the epoch. */
  clicks: number;
  /** Of those, the clicks of readers whose outcome is `settled`, and of those `dropped`. */
  settledClicks: number;
  droppedClicks: number;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  /**
   * Keeps `tally` if its seq is higher than the stored one of its (reader, signer, epoch). With `item`,
   * a stored tally also records (epoch, creator, item, reader) for the one creator whose count rose
   * (none when several rose), in the same transaction.
   */
  putTally(tally: SignedTally, clicks: number, item?: string): Promise<PutTallyResult>;
  readerTallies(reader: Address, epoch: bigint): Promise<SignedTallyInput[]>;
  epochTallies(epoch: bigint): Promise<SignedTally[]>;
  epochStats(epoch: bigint): Promise<EpochStats>;
  /** Records one reader's click of an item once; returns whether it was new. */
  recordItemClick(epoch: bigint, creator: Address, item: string, reader: Address): Promise<boolean>;
  itemClicks(epoch: bigint, creator: Address, item: string): Promise<number>;
  saveTransaction(tx: TxRecord): Promise<void>;
  setTransactionStatus(hash: Hex, status: TxStatus): Promise<void>;
  transactions(epoch: bigint): Promise<TxRecord[]>;
  /** Records outcomes; a `settled` outcome is final and never overwritten. */
  saveOutcomes(epoch: bigint, outcomes: readonly ReaderOutcome[]): Promise<void>;
  outcomes(epoch: bigint): Promise<ReaderOutcome[]>;
  /** The latest epoch with stored tallies whose every reader has an outcome (undefined if none). */
  lastSettledEpoch(): Promise<bigint | undefined>;
  /** A lease so that one of several keepers on one database runs settlement at a time. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
  /** Applied schema versions, ascending. */
  schemaVersions(): Promise<number[]>;
  close(): Promise<void>;
}
