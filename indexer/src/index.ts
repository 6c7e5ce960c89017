/**
 * The pool's events into the indexer's tables (ponder.schema.ts). Ponder calls these in chain order and
 * undoes their writes on a reorg. Every handler also stamps the addresses it names with the block, so a
 * page can poll `/v1/accounts/:address/activity` and read again only when something happened.
 */
import { epochAt, skipReasonNames } from "@plaudit/protocol";
import { and, asc, eq, gt, lte } from "ponder";
import { ponder, type Context } from "ponder:registry";
import {
  account,
  batch,
  budgetReturn,
  cancellation,
  claim,
  creatorEpoch,
  epochTotals,
  readerEpoch,
  readerPayment,
  readerSkip,
  sessionRevocation,
  settleCursor,
  subscription,
  tip,
} from "ponder:schema";
import type { Address, Hex } from "viem";

import { indexerConfigFromEnv } from "../lib/config";
import { readerPayments } from "../lib/settlement";

const { deployment } = indexerConfigFromEnv();
const schedule = { startTime: BigInt(deployment.startTime), epochLength: BigInt(deployment.epochLength) };

type Db = Context["db"];
interface Origin {
  block: bigint;
  timestamp: bigint;
  transaction: Hex;
  logIndex: number;
}

function originOf(event: {
  block: { number: bigint; timestamp: bigint };
  transaction: { hash: Hex };
  log: { logIndex: number };
}): Origin {
  return {
    block: event.block.number,
    timestamp: event.block.timestamp,
    transaction: event.transaction.hash,
    logIndex: event.log.logIndex,
  };
}

const idOf = (origin: Origin) => `${origin.transaction}-${origin.logIndex}`;

async function touch(db: Db, address: Address, origin: Origin, earned = 0n, claimed = 0n): Promise<void> {
  await db
    .insert(account)
    .values({
      address,
      earned,
      claimed,
      lastActivityBlock: origin.block,
      lastActivityTimestamp: origin.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      earned: row.earned + earned,
      claimed: row.claimed + claimed,
      lastActivityBlock: origin.block,
      lastActivityTimestamp: origin.timestamp,
    }));
}

type TotalsChange = Partial<Omit<typeof epochTotals.$inferInsert, "epoch">>;
const ZERO_TOTALS = {
  fundedReaders: 0,
  funded: 0n,
  settledReaders: 0,
  settled: 0n,
  tips: 0n,
  clicks: 0n,
  skips: 0,
  returnedReaders: 0,
  returned: 0n,
  credited: 0n,
  creators: 0,
  batches: 0,
} satisfies Required<TotalsChange>;

/** Adds `change` (counts and amounts, possibly negative) to an epoch's totals. */
async function addToTotals(db: Db, epoch: bigint, change: TotalsChange): Promise<void> {
  const row = { ...((await db.find(epochTotals, { epoch })) ?? { epoch, ...ZERO_TOTALS }) };
  const next = { ...row };
  for (const [key, value] of Object.entries(change) as [keyof TotalsChange, number | bigint][]) {
    (next as Record<string, number | bigint>)[key] = (row[key] as never) + (value as never);
  }
  await db.insert(epochTotals).values(next).onConflictDoUpdate(next);
}

/** The readers' records met so far in a settle transaction; returns this record's 0-based position. */
async function nextRecordPosition(db: Db, transaction: Hex): Promise<number> {
  const row = await db
    .insert(settleCursor)
    .values({ transaction, readers: 1 })
    .onConflictDoUpdate((cursor) => ({ readers: cursor.readers + 1 }));
  return row.readers - 1;
}

ponder.on("PlauditPool:Subscribed", async ({ event, context }) => {
  const { reader, firstEpoch, epochs, amountPerEpoch, total } = event.args;
  const origin = originOf(event);
  await context.db
    .insert(subscription)
    .values({ id: idOf(origin), reader, firstEpoch, epochs, amountPerEpoch, total, ...origin });
  for (let epoch = firstEpoch; epoch < firstEpoch + epochs; epoch++) {
    // Rows found are Ponder's cached objects, which an update changes in place: read what is needed first.
    const row = await context.db.find(readerEpoch, { reader, epoch });
    const newReader = row === null || row.budget === 0n;
    if (row === null) {
      await context.db.insert(readerEpoch).values({
        reader,
        epoch,
        funded: amountPerEpoch,
        budget: amountPerEpoch,
        state: "Open",
        paymentsKnown: false,
        skips: 0,
      });
    } else {
      await context.db
        .update(readerEpoch, { reader, epoch })
        .set({ funded: row.funded + amountPerEpoch, budget: row.budget + amountPerEpoch, state: "Open" });
    }
    await addToTotals(context.db, epoch, { fundedReaders: newReader ? 1 : 0, funded: amountPerEpoch });
  }
  await touch(context.db, reader, origin);
});

ponder.on("PlauditPool:Cancelled", async ({ event, context }) => {
  const { reader, fromEpoch, untilEpoch, refund } = event.args;
  const origin = originOf(event);
  await context.db.insert(cancellation).values({ id: idOf(origin), reader, fromEpoch, untilEpoch, refund, ...origin });
  for (let epoch = fromEpoch; epoch < untilEpoch; epoch++) {
    const row = await context.db.find(readerEpoch, { reader, epoch });
    const budget = row?.budget ?? 0n;
    if (budget === 0n) continue;
    await context.db.update(readerEpoch, { reader, epoch }).set({ budget: 0n, state: "Cancelled" });
    await addToTotals(context.db, epoch, { fundedReaders: -1, funded: -budget });
  }
  await touch(context.db, reader, origin);
});

ponder.on("PlauditPool:SessionsRevoked", async ({ event, context }) => {
  const origin = originOf(event);
  const { reader, nonce } = event.args;
  await context.db.insert(sessionRevocation).values({ id: idOf(origin), reader, nonce: BigInt(nonce), ...origin });
  await touch(context.db, reader, origin);
});

ponder.on("PlauditPool:ReaderSettled", async ({ event, context }) => {
  const { epoch, reader, budget, tip, clicks } = event.args;
  const origin = originOf(event);
  const position = await nextRecordPosition(context.db, origin.transaction);
  const payments = readerPayments({
    input: event.transaction.input,
    to: event.transaction.to,
    transaction: origin.transaction,
    pool: deployment.pool,
    position,
    reader,
    budget,
    tip,
    keeperTipBps: deployment.keeperTipBps,
  });
  const settled = {
    budget,
    state: "Settled" as const,
    tip,
    clicks,
    paymentsKnown: payments !== null,
    settledBlock: origin.block,
    settledTimestamp: origin.timestamp,
    settledTransaction: origin.transaction,
  };
  const row = await context.db.find(readerEpoch, { reader, epoch });
  if (row === null) {
    // Only a budget the indexer saw funded can settle; keep the settlement even so.
    await context.db.insert(readerEpoch).values({ reader, epoch, funded: budget, skips: 0, ...settled });
  } else {
    await context.db.update(readerEpoch, { reader, epoch }).set(settled);
  }
  for (const [creator, amount] of payments ?? []) {
    await context.db.insert(readerPayment).values({ reader, epoch, creator, amount });
  }
  await addToTotals(context.db, epoch, { settledReaders: 1, settled: budget, tips: tip, clicks });
  await touch(context.db, reader, origin);
});

ponder.on("PlauditPool:ReaderSkipped", async ({ event, context }) => {
  const { epoch, reader, reason } = event.args;
  const origin = originOf(event);
  await nextRecordPosition(context.db, origin.transaction);
  const reasonName = skipReasonNames[reason];
  if (reasonName === undefined) throw new Error(`ReaderSkipped in ${origin.transaction}: unknown reason ${reason}`);
  await context.db.insert(readerSkip).values({ id: idOf(origin), reader, epoch, reason: reasonName, ...origin });
  const row = await context.db.find(readerEpoch, { reader, epoch });
  if (row !== null) await context.db.update(readerEpoch, { reader, epoch }).set({ skips: row.skips + 1 });
  await addToTotals(context.db, epoch, { skips: 1 });
  await touch(context.db, reader, origin);
});

ponder.on("PlauditPool:CreatorCredited", async ({ event, context }) => {
  const { epoch, creator, amount } = event.args;
  const origin = originOf(event);
  const row = await context.db.find(creatorEpoch, { creator, epoch });
  await context.db
    .insert(creatorEpoch)
    .values({ creator, epoch, amount, credits: 1 })
    .onConflictDoUpdate((current) => ({ amount: current.amount + amount, credits: current.credits + 1 }));
  await addToTotals(context.db, epoch, { credited: amount, creators: row === null ? 1 : 0 });
  await touch(context.db, creator, origin, amount);
});

ponder.on("PlauditPool:BatchSettled", async ({ event, context }) => {
  const { epoch, keeper, settled, skipped, tip } = event.args;
  const origin = originOf(event);
  await context.db.insert(batch).values({ id: idOf(origin), epoch, keeper, settled, skipped, tip, ...origin });
  await addToTotals(context.db, epoch, { batches: 1 });
  await touch(context.db, keeper, origin);
});

ponder.on("PlauditPool:BudgetsReturned", async ({ event, context }) => {
  const { reader, epochs, amount } = event.args;
  const origin = originOf(event);
  await context.db.insert(budgetReturn).values({ id: idOf(origin), reader, epochs, amount, ...origin });
  // `withdraw` returns every open, funded, expired budget of its sweep range, and none before it is left:
  // the ones returned are the reader's first `epochs` open funded budgets of expired epochs.
  const current = epochAt(schedule, origin.timestamp);
  if (current >= 2n && epochs > 0n) {
    const returned = await context.db.sql
      .select()
      .from(readerEpoch)
      .where(
        and(
          eq(readerEpoch.reader, reader),
          eq(readerEpoch.state, "Open"),
          gt(readerEpoch.budget, 0n),
          lte(readerEpoch.epoch, current - 2n),
        ),
      )
      .orderBy(asc(readerEpoch.epoch))
      .limit(Number(epochs));
    let sum = 0n;
    for (const row of returned) {
      sum += row.budget;
      await context.db
        .update(readerEpoch, { reader, epoch: row.epoch })
        .set({ state: "Returned", returnedTransaction: origin.transaction, returnedBlock: origin.block });
      await addToTotals(context.db, row.epoch, { returnedReaders: 1, returned: row.budget });
    }
    if (sum !== amount || returned.length !== Number(epochs)) {
      console.warn(
        `BudgetsReturned in ${origin.transaction}: the pool returned ${amount} over ${epochs} epochs, the index has ${sum} over ${returned.length}`,
      );
    }
  }
  await touch(context.db, reader, origin);
});

ponder.on("PlauditPool:Claimed", async ({ event, context }) => {
  const { creator, recipient, amount } = event.args;
  const origin = originOf(event);
  await context.db.insert(claim).values({ id: idOf(origin), creator, recipient, amount, ...origin });
  await touch(context.db, creator, origin, 0n, amount);
  if (recipient.toLowerCase() !== creator.toLowerCase()) await touch(context.db, recipient, origin);
});

ponder.on("PlauditPool:Tipped", async ({ event, context }) => {
  const { reader, creator, amount } = event.args;
  const origin = originOf(event);
  const epoch = epochAt(schedule, origin.timestamp);
  await context.db.insert(tip).values({ id: idOf(origin), reader, creator, amount, epoch, ...origin });
  // A tip is credited to the creator's claimable balance at once: it counts in what the creator earned.
  await touch(context.db, creator, origin, amount);
  await touch(context.db, reader, origin);
});
