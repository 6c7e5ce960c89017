/**
 * The indexer's tables: the pool's history as the pages read it. Amounts are token units (bigint),
 * epochs are the pool's epoch numbers, every row names the block and transaction it came from. Ponder
 * rolls every table back on a reorg, so nothing here needs undoing by hand.
 */
import { index, onchainEnum, onchainTable, primaryKey, type PgColumnsBuilders } from "ponder";

import { INDEXED_BUDGET_STATES, skipReasonNames } from "@plaudit/protocol";

export const budgetState = onchainEnum("budget_state", INDEXED_BUDGET_STATES);
export const skipReason = onchainEnum("skip_reason", skipReasonNames);

/** Where an event came from, on every event row. */
const origin = (t: PgColumnsBuilders) => ({
  block: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
  transaction: t.hex().notNull(),
  logIndex: t.integer().notNull(),
});

/** One reader's budget of one epoch: funded by subscriptions, then settled, returned or cancelled. */
export const readerEpoch = onchainTable(
  "reader_epoch",
  (t) => ({
    reader: t.hex().notNull(),
    epoch: t.bigint().notNull(),
    /** What the reader funded for the epoch (before any cancellation). */
    funded: t.bigint().notNull(),
    /** What is left of it: 0 once cancelled; the settled or returned budget afterwards. */
    budget: t.bigint().notNull(),
    state: budgetState("state").notNull(),
    /** The settlement (ReaderSettled): the keeper's tip, clicks, and where. */
    tip: t.bigint(),
    clicks: t.bigint(),
    /** Whether `reader_payment` holds the split (the settle call's batch could be read). */
    paymentsKnown: t.boolean().notNull(),
    settledBlock: t.bigint(),
    settledTimestamp: t.bigint(),
    settledTransaction: t.hex(),
    returnedTransaction: t.hex(),
    returnedBlock: t.bigint(),
    skips: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.reader, table.epoch] }),
    epochIdx: index().on(table.epoch),
  }),
);

/** What one settled reader's budget paid one creator (recomputed from the settle call's batch). */
export const readerPayment = onchainTable(
  "reader_payment",
  (t) => ({
    reader: t.hex().notNull(),
    epoch: t.bigint().notNull(),
    creator: t.hex().notNull(),
    amount: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.reader, table.epoch, table.creator] }),
    creatorIdx: index().on(table.creator, table.epoch),
  }),
);

/** A reader skipped by a batch (ReaderSkipped). */
export const readerSkip = onchainTable(
  "reader_skip",
  (t) => ({
    id: t.text().primaryKey(),
    reader: t.hex().notNull(),
    epoch: t.bigint().notNull(),
    reason: skipReason("reason").notNull(),
    ...origin(t),
  }),
  (table) => ({ readerIdx: index().on(table.reader, table.epoch), epochIdx: index().on(table.epoch) }),
);

export const subscription = onchainTable(
  "subscription",
  (t) => ({
    id: t.text().primaryKey(),
    reader: t.hex().notNull(),
    firstEpoch: t.bigint().notNull(),
    epochs: t.bigint().notNull(),
    amountPerEpoch: t.bigint().notNull(),
    total: t.bigint().notNull(),
    ...origin(t),
  }),
  (table) => ({ readerIdx: index().on(table.reader) }),
);

export const cancellation = onchainTable(
  "cancellation",
  (t) => ({
    id: t.text().primaryKey(),
    reader: t.hex().notNull(),
    fromEpoch: t.bigint().notNull(),
    untilEpoch: t.bigint().notNull(),
    refund: t.bigint().notNull(),
    ...origin(t),
  }),
  (table) => ({ readerIdx: index().on(table.reader) }),
);

/** A `withdraw` (BudgetsReturned): expired unsettled budgets back to their reader. */
export const budgetReturn = onchainTable(
  "budget_return",
  (t) => ({
    id: t.text().primaryKey(),
    reader: t.hex().notNull(),
    epochs: t.bigint().notNull(),
    amount: t.bigint().notNull(),
    ...origin(t),
  }),
  (table) => ({ readerIdx: index().on(table.reader) }),
);

export const sessionRevocation = onchainTable(
  "session_revocation",
  (t) => ({
    id: t.text().primaryKey(),
    reader: t.hex().notNull(),
    nonce: t.bigint().notNull(),
    ...origin(t),
  }),
  (table) => ({ readerIdx: index().on(table.reader) }),
);

/** A one-off tip (Tipped), credited to the creator at once; `epoch` is the one its block's timestamp falls in. */
export const tip = onchainTable(
  "tip",
  (t) => ({
    id: t.text().primaryKey(),
    reader: t.hex().notNull(),
    creator: t.hex().notNull(),
    amount: t.bigint().notNull(),
    epoch: t.bigint().notNull(),
    ...origin(t),
  }),
  (table) => ({ readerIdx: index().on(table.reader, table.epoch), creatorIdx: index().on(table.creator, table.epoch) }),
);

/** A creator's earnings of one epoch: the sum of its CreatorCredited events. */
export const creatorEpoch = onchainTable(
  "creator_epoch",
  (t) => ({
    creator: t.hex().notNull(),
    epoch: t.bigint().notNull(),
    amount: t.bigint().notNull(),
    credits: t.integer().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.creator, table.epoch] }) }),
);

export const claim = onchainTable(
  "claim",
  (t) => ({
    id: t.text().primaryKey(),
    creator: t.hex().notNull(),
    recipient: t.hex().notNull(),
    amount: t.bigint().notNull(),
    ...origin(t),
  }),
  (table) => ({ creatorIdx: index().on(table.creator) }),
);

/** A settle transaction's batch (BatchSettled). */
export const batch = onchainTable(
  "batch",
  (t) => ({
    id: t.text().primaryKey(),
    epoch: t.bigint().notNull(),
    keeper: t.hex().notNull(),
    settled: t.bigint().notNull(),
    skipped: t.bigint().notNull(),
    tip: t.bigint().notNull(),
    ...origin(t),
  }),
  (table) => ({ epochIdx: index().on(table.epoch) }),
);

/** Readers met so far in a settle transaction: the next ReaderSettled/ReaderSkipped is the batch's next reader. */
export const settleCursor = onchainTable("settle_cursor", (t) => ({
  transaction: t.hex().primaryKey(),
  readers: t.integer().notNull(),
}));

/** Totals per epoch: funding, settlement progress, credits, returns. */
export const epochTotals = onchainTable("epoch_totals", (t) => ({
  epoch: t.bigint().primaryKey(),
  fundedReaders: t.integer().notNull(),
  funded: t.bigint().notNull(),
  settledReaders: t.integer().notNull(),
  settled: t.bigint().notNull(),
  tips: t.bigint().notNull(),
  clicks: t.bigint().notNull(),
  skips: t.integer().notNull(),
  returnedReaders: t.integer().notNull(),
  returned: t.bigint().notNull(),
  credited: t.bigint().notNull(),
  creators: t.integer().notNull(),
  batches: t.integer().notNull(),
}));

/** Per address: totals and the last block that touched it (what a page polls to know when to refresh). */
export const account = onchainTable("account", (t) => ({
  address: t.hex().primaryKey(),
  earned: t.bigint().notNull(),
  claimed: t.bigint().notNull(),
  lastActivityBlock: t.bigint().notNull(),
  lastActivityTimestamp: t.bigint().notNull(),
}));
