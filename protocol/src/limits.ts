/**
 * Limits the contract enforces (PlauditPool constants), mirrored so off-chain code can check before
 * submitting. test/protocol/limits.test.ts reads them from the contract and fails when they drift.
 */
export const MAX_TALLIES_PER_READER = 8;
export const MAX_CREATORS_PER_TALLY = 256;
export const MAX_SUBSCRIPTION_EPOCHS = 120;
export const MAX_KEEPER_TIP_BPS = 100;
export const BPS = 10_000;
/** Largest click count per creator in one tally (uint32). */
export const MAX_CLICK_COUNT = 2 ** 32 - 1;
