/** What the keeper keeps: latest tallies, item clicks, settle transactions and per-reader outcomes. */
import type { Address, Hex } from "viem";

import type { SignedProfile, SignedProfileInput, SignedTally, SignedTallyInput } from "@plaudit/protocol";

export type PutTallyResult =
  | { status: "stored"; previous: SignedTallyInput | undefined }
  | { status: "unchanged" }
  | { status: "stale"; storedSeq: bigint };

/**
 * `pending`: recorded (and maybe broadcast), not mined yet; `confirmed`: mined and succeeded; `failed`:
 * mined and reverted; `replaced`: its nonce went to another transaction (a fee-bumped replacement, or one
 * that made it unnecessary), so it will never be mined.
 */
export type TxStatus = "pending" | "confirmed" | "failed" | "replaced";

export interface TxRecord {
  hash: Hex;
  epoch: bigint;
  /** The account that signed it; null only for records written before the keeper stored it. */
  from: Address | null;
  nonce: number;
  readers: Address[];
  status: TxStatus;
  /** Calldata and gas, so a restarted keeper can replace a stuck transaction. */
  data: Hex;
  gas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  createdAt: number;
  /** Gas the mined transaction used (confirmed or failed); null until then. */
  gasUsed: bigint | null;
}

/**
 * `settled`: split on chain (by us or another keeper); `skipped`: the contract skipped it (reason is the
 * SkipReason name); `dropped`: never submitted because the contract would reject it, or because settling
 * it reverted (reason says why).
 */
export interface ReaderOutcome {
  reader: Address;
  outcome: "settled" | "skipped" | "dropped";
  reason: string;
  txHash: Hex | null;
}

/** `stored`: the profile replaced a lower version (or was the first); `stale`: a version as high is stored. */
export type PutProfileResult =
  { status: "stored" } | { status: "unchanged" } | { status: "stale"; storedVersion: bigint };

/** An item of a creator in an epoch: distinct readers who applauded it, and the title most of them declared. */
export interface ItemCount {
  creator: Address;
  url: string;
  title: string | null;
  readers: number;
}

/** A creator in an epoch: distinct readers whose tallies credit it, and how many of its items were applauded. */
export interface CreatorCount {
  creator: Address;
  readers: number;
  items: number;
}

export interface EpochStats {
  readers: number;
  /** Clicks in every stored tally of the epoch. */
  clicks: number;
  /** Of those, the clicks of readers whose outcome is `settled`, and of those `dropped`. */
  settledClicks: number;
  droppedClicks: number;
}

/** Thrown by a settlement write after the settlement lock was lost (or released): nothing was written. */
export class SettlementLockLost extends Error {
  override readonly name = "SettlementLockLost";
}

/**
 * The right to settle, held by one keeper instance at a time, and the only way to write settlement
 * state: every write is fenced (it commits only while the lock is held, in one transaction).
 */
export interface SettlementLock {
  /** Who holds it: host, process id and a random id of this holding. */
  readonly holder: string;
  /** True once the lock is known to be lost: settlement stops, every further write throws. */
  readonly lost: boolean;
  /** Records a transaction before it is broadcast (a second save of the same hash changes nothing). */
  saveTransaction(tx: TxRecord): Promise<void>;
  setTransactionStatus(hash: Hex, status: TxStatus, gasUsed?: bigint): Promise<void>;
  /** Records outcomes in one transaction; a `settled` outcome is final and never overwritten. */
  saveOutcomes(epoch: bigint, outcomes: readonly ReaderOutcome[]): Promise<void>;
  /** Gives the lock up; further writes throw. Safe to call twice. */
  release(): Promise<void>;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  /**
   * Keeps `tally` if its seq is higher than the stored one of its (reader, signer, epoch). With `item`,
   * a stored tally also records (epoch, creator, item, reader) for the one creator whose count rose
   * (none when several rose), with the `title` that reader's click declared, in the same transaction. Every
   * creator whose count rose is recorded as read by the reader in the epoch (`creatorReaders`).
   */
  putTally(tally: SignedTally, clicks: number, item?: string, title?: string): Promise<PutTallyResult>;
  readerTallies(reader: Address, epoch: bigint): Promise<SignedTallyInput[]>;
  epochTallies(epoch: bigint): Promise<SignedTally[]>;
  epochStats(epoch: bigint): Promise<EpochStats>;
  /** Records one reader's click of an item once; returns whether it was new. */
  recordItemClick(epoch: bigint, creator: Address, item: string, reader: Address): Promise<boolean>;
  itemClicks(epoch: bigint, creator: Address, item: string): Promise<number>;
  /** A creator's items of `epoch`, most readers first (then by URL), at most `limit`. */
  creatorItems(epoch: bigint, creator: Address, limit: number): Promise<ItemCount[]>;
  /** Every creator's items of `epoch`, most readers first (then by creator, URL), at most `limit`. */
  popularItems(epoch: bigint, limit: number): Promise<ItemCount[]>;
  /** Creators of `epoch` by distinct readers, most first (then by address), at most `limit`. */
  popularCreators(epoch: bigint, limit: number): Promise<CreatorCount[]>;
  /** Keeps `profile` if its version is above the stored one of its creator. */
  putProfile(profile: SignedProfile, body: SignedProfileInput): Promise<PutProfileResult>;
  /** The stored signed profile of `creator`, as it was posted (undefined if none). */
  profile(creator: Address): Promise<SignedProfileInput | undefined>;
  transactions(epoch: bigint): Promise<TxRecord[]>;
  outcomes(epoch: bigint): Promise<ReaderOutcome[]>;
  /** The latest epoch with stored tallies whose every reader has an outcome (undefined if none). */
  lastSettledEpoch(): Promise<bigint | undefined>;
  /**
   * Takes the settlement lock, or resolves to undefined while another holder has it. SQLite: a lease row
   * renewed while held (taken over when it expires or its holder's process on this host is gone).
   * PostgreSQL: an advisory lock held by a dedicated connection, released by the server when that
   * connection dies.
   */
  lockSettlement(): Promise<SettlementLock | undefined>;
  /** Applied schema versions, ascending. */
  schemaVersions(): Promise<number[]>;
  close(): Promise<void>;
}
