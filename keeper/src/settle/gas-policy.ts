/**
 * How much gas a settle batch may use: pure arithmetic, no I/O.
 *
 * An EOA reader costs on chain what `eth_estimateGas` saw, or less (its signatures are ECDSA, and what
 * can change between the estimate and the block, another keeper settling it or a revoked session, only
 * makes it cheaper). A reader whose signature goes through its wallet's ERC-1271 `isValidSignature` is
 * different: the wallet may be light while simulated and heavy on chain (block number parity, a state
 * change the attacker front-runs, `tx.gasprice` being zero in estimates), and it may refuse while
 * simulated, so that the estimate never saw the reader's remaining tallies checked nor its budget split,
 * and accept on chain. Such a reader gets, on top of the estimate, the worst case of everything the pool
 * may do for it: every wallet check at the pool's full stipend plus the check's overhead, every tally
 * verified, every click entry checked and split, the reader settled, each of its creators credited for
 * the first time, and the keeper's tip transferred. With that limit no wallet can make the batch run out
 * of gas (`InsufficientGasForWalletCheck` or out-of-gas), whatever it does between estimate and block.
 *
 * The per-item figures are upper bounds of the pool's costs at Cancun prices (EIP-2929 cold access,
 * EIP-2200 stores), checked against the real pool by test/keeper/settlement-griefing.test.ts.
 */
import type { ReaderEntry } from "./plan.js";

/** The pool's ERC-1271 gas figures, read from the contract. */
export interface WalletCheckGas {
  /** `ERC1271_GAS_STIPEND`: gas the wallet gets to answer. */
  stipend: bigint;
  /** Gas the pool needs beside the stipend for one check (call set-up, the 1/64 EIP-150 keeps back). */
  overhead: bigint;
}

/** The limit is the node's estimate plus this share of it (numerator / denominator): 25 %. */
export const ESTIMATE_MARGIN_NUMERATOR = 5n;
export const ESTIMATE_MARGIN_DENOMINATOR = 4n;

/** Upper bounds of what the pool spends for a wallet reader the estimate may not have seen settled. */
export const WORST_CASE_GAS = {
  /**
   * One tally verified: its EIP-712 hashes, two ECDSA recoveries (the tally's and the reader's attempt on
   * the session signature), the `Session` hash, the wallet's cold account access and code size.
   */
  perTally: 15_000n,
  /** One click entry: checked, hashed, split, and its share of the scratch memory. */
  perEntry: 500n,
  /** The reader settled: its budget slot written, `ReaderSettled` emitted, the tip counted. */
  perReader: 10_000n,
  /** A creator credited for the first time in the batch: cold load, zero-to-nonzero store, event. */
  perCreator: 30_000n,
  /** The keeper's tip transferred, once per batch (a simulation that settled no one transferred none). */
  perBatch: 50_000n,
} as const;

/**
 * A rough gas figure for one reader, to pack batches before anything is estimated (from
 * `npm run bench:gas`: budget slot, event and calldata per reader, a signature and hashing per tally, a
 * check, a share and a possibly new creator balance per click entry). The settler scales it by what the
 * node's estimates say.
 */
export const HINT_GAS = { perReader: 10_000, perTally: 5_000, perCreator: 3_000, perSession: 4_000 } as const;

export function readerGasHint(entry: ReaderEntry): number {
  let gas = HINT_GAS.perReader;
  for (const tally of entry.tallies) {
    gas += HINT_GAS.perTally + tally.creators.length * HINT_GAS.perCreator;
    if (tally.session !== null) gas += HINT_GAS.perSession;
  }
  return gas;
}

/**
 * Gas a wallet reader may cost on chain beyond what an estimate saw (0 for a reader whose signatures
 * are all ECDSA by its own key: the pool never calls its code).
 */
export function walletWorstCaseGas(entry: ReaderEntry, wallet: WalletCheckGas): bigint {
  if (entry.walletChecks === 0) return 0n;
  const creators = new Set<string>();
  let entries = 0;
  for (const tally of entry.tallies) {
    entries += tally.creators.length;
    for (const creator of tally.creators) creators.add(creator.toLowerCase());
  }
  return (
    BigInt(entry.walletChecks) * (wallet.stipend + wallet.overhead) +
    BigInt(entry.tallies.length) * WORST_CASE_GAS.perTally +
    BigInt(entries) * WORST_CASE_GAS.perEntry +
    WORST_CASE_GAS.perReader +
    BigInt(creators.size) * WORST_CASE_GAS.perCreator
  );
}

/** The gas limit of a batch whose estimate is `estimate`: margin on the estimate, worst case on wallets. */
export function batchGasLimit(estimate: bigint, batch: readonly ReaderEntry[], wallet: WalletCheckGas): bigint {
  const margin =
    (estimate * ESTIMATE_MARGIN_NUMERATOR + ESTIMATE_MARGIN_DENOMINATOR - 1n) / ESTIMATE_MARGIN_DENOMINATOR;
  const wallets = batch.filter((e) => e.walletChecks > 0);
  if (wallets.length === 0) return margin;
  return wallets.reduce((sum, e) => sum + walletWorstCaseGas(e, wallet), margin + WORST_CASE_GAS.perBatch);
}
