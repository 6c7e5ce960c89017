/**
 * The indexer's HTTP API (Hono, served by Ponder next to its own /health, /ready and /status): what the
 * reader, creator and status pages show of the past. Answers are built as protocol's indexer-api types;
 * docs/indexer-api.md describes them. Read-only and public, so any origin may read it.
 */
import {
  epochBounds,
  type AccountActivityResponse,
  type CreatorEarningsResponse,
  type EpochListResponse,
  type EpochProgressResponse,
  type EpochTotalsInput,
  type IndexedBlockResponse,
  type IndexerErrorBody,
  type IndexerErrorCode,
  type ReaderHistoryResponse,
  type TipsResponse,
  MAX_TIPS_LISTED,
} from "@plaudit/protocol";
import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import { asc, count, desc, eq, sql, sum } from "ponder";
import { db } from "ponder:api";
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
  subscription,
  tip,
} from "ponder:schema";
import { getAddress, isAddress, type Address } from "viem";

import { indexerConfigFromEnv } from "../../lib/config";

const { deployment } = indexerConfigFromEnv();
const schedule = { startTime: BigInt(deployment.startTime), epochLength: BigInt(deployment.epochLength) };
/** Epochs are uint64 in the pool. */
const MAX_EPOCH = 2n ** 64n - 1n;

/** Ponder's schema for this app (launch.ts sets it; Ponder reads the same variable). */
const databaseSchema = process.env.DATABASE_SCHEMA ?? "public";
/**
 * Ponder's checkpoint strings begin with the block's timestamp (10 digits), the chain id (16) and the
 * block number (16): ponder 0.16's src/utils/checkpoint.ts. The test of `/v1/status` pins this reading.
 */
const CHECKPOINT_FIELDS = { timestamp: [0, 10], chainId: [10, 26], blockNumber: [26, 42] } as const;

const app = new Hono();
app.use("/v1/*", cors({ origin: "*", allowMethods: ["GET"] }));

function fail(c: Context, status: 400 | 404, code: IndexerErrorCode, message: string) {
  return c.json({ error: { code, message } } satisfies IndexerErrorBody, status);
}

/** The route's address parameter, lowercased as stored, or null when it is not an address. */
function addressParam(c: Context, name: string): Address | null {
  const value = c.req.param(name) ?? "";
  return isAddress(value, { strict: false }) ? (value.toLowerCase() as Address) : null;
}

const origin = (row: { block: bigint; timestamp: bigint; transaction: `0x${string}` }) => ({
  block: row.block.toString(),
  timestamp: row.timestamp.toString(),
  transaction: row.transaction,
});

app.get("/v1/readers/:reader/history", async (c) => {
  const reader = addressParam(c, "reader");
  if (reader === null) return fail(c, 400, "invalid_address", "reader: not an address");
  const [months, payments, skips, subscriptions, cancellations, withdrawals, revocations] = await Promise.all([
    db.select().from(readerEpoch).where(eq(readerEpoch.reader, reader)).orderBy(asc(readerEpoch.epoch)),
    db
      .select()
      .from(readerPayment)
      .where(eq(readerPayment.reader, reader))
      .orderBy(asc(readerPayment.epoch), desc(readerPayment.amount), asc(readerPayment.creator)),
    db
      .select()
      .from(readerSkip)
      .where(eq(readerSkip.reader, reader))
      .orderBy(asc(readerSkip.block), asc(readerSkip.logIndex)),
    db
      .select()
      .from(subscription)
      .where(eq(subscription.reader, reader))
      .orderBy(asc(subscription.block), asc(subscription.logIndex)),
    db
      .select()
      .from(cancellation)
      .where(eq(cancellation.reader, reader))
      .orderBy(asc(cancellation.block), asc(cancellation.logIndex)),
    db
      .select()
      .from(budgetReturn)
      .where(eq(budgetReturn.reader, reader))
      .orderBy(asc(budgetReturn.block), asc(budgetReturn.logIndex)),
    db
      .select()
      .from(sessionRevocation)
      .where(eq(sessionRevocation.reader, reader))
      .orderBy(asc(sessionRevocation.block), asc(sessionRevocation.logIndex)),
  ]);
  const byEpoch = <T extends { epoch: bigint }>(rows: T[]) => {
    const map = new Map<bigint, T[]>();
    for (const row of rows) map.set(row.epoch, [...(map.get(row.epoch) ?? []), row]);
    return map;
  };
  const paymentsOf = byEpoch(payments);
  const skipsOf = byEpoch(skips);
  const body: ReaderHistoryResponse = {
    reader: getAddress(reader),
    months: months.map((month) => ({
      epoch: month.epoch.toString(),
      funded: month.funded.toString(),
      budget: month.budget.toString(),
      state: month.state,
      settlement:
        month.state === "Settled" && month.settledTransaction !== null
          ? {
              tip: (month.tip ?? 0n).toString(),
              clicks: (month.clicks ?? 0n).toString(),
              payments: month.paymentsKnown
                ? (paymentsOf.get(month.epoch) ?? []).map((p) => ({ creator: p.creator, amount: p.amount.toString() }))
                : null,
              block: (month.settledBlock ?? 0n).toString(),
              timestamp: (month.settledTimestamp ?? 0n).toString(),
              transaction: month.settledTransaction,
            }
          : null,
      skips: (skipsOf.get(month.epoch) ?? []).map((skip) => ({ reason: skip.reason, ...origin(skip) })),
      returned:
        month.state === "Returned" && month.returnedTransaction !== null
          ? {
              block: (month.returnedBlock ?? 0n).toString(),
              timestamp:
                withdrawals.find((w) => w.transaction === month.returnedTransaction)?.timestamp.toString() ?? "0",
              transaction: month.returnedTransaction,
            }
          : null,
    })),
    subscriptions: subscriptions.map((s) => ({
      firstEpoch: s.firstEpoch.toString(),
      epochs: s.epochs.toString(),
      amountPerEpoch: s.amountPerEpoch.toString(),
      total: s.total.toString(),
      ...origin(s),
    })),
    cancellations: cancellations.map((x) => ({
      fromEpoch: x.fromEpoch.toString(),
      untilEpoch: x.untilEpoch.toString(),
      refund: x.refund.toString(),
      ...origin(x),
    })),
    withdrawals: withdrawals.map((w) => ({ epochs: w.epochs.toString(), amount: w.amount.toString(), ...origin(w) })),
    sessionRevocations: revocations.map((r) => ({ nonce: Number(r.nonce), ...origin(r) })),
  };
  return c.json(body);
});

app.get("/v1/creators/:creator/earnings", async (c) => {
  const creator = addressParam(c, "creator");
  if (creator === null) return fail(c, 400, "invalid_address", "creator: not an address");
  const [totals, months, payers, claims] = await Promise.all([
    db.select().from(account).where(eq(account.address, creator)),
    db.select().from(creatorEpoch).where(eq(creatorEpoch.creator, creator)).orderBy(asc(creatorEpoch.epoch)),
    db
      .select({ epoch: readerPayment.epoch, readers: count() })
      .from(readerPayment)
      .where(eq(readerPayment.creator, creator))
      .groupBy(readerPayment.epoch),
    db.select().from(claim).where(eq(claim.creator, creator)).orderBy(asc(claim.block), asc(claim.logIndex)),
  ]);
  const readersOf = new Map(payers.map((row) => [row.epoch, Number(row.readers)]));
  const body: CreatorEarningsResponse = {
    creator: getAddress(creator),
    earned: (totals[0]?.earned ?? 0n).toString(),
    claimed: (totals[0]?.claimed ?? 0n).toString(),
    months: months.map((month) => ({
      epoch: month.epoch.toString(),
      amount: month.amount.toString(),
      readers: readersOf.get(month.epoch) ?? 0,
    })),
    claims: claims.map((x) => ({ recipient: x.recipient, amount: x.amount.toString(), ...origin(x) })),
  };
  return c.json(body);
});

/** The tips naming `address` as `side` (the reader who sent them, or the creator who received them). */
async function tipsAnswer(side: "reader" | "creator", address: Address): Promise<TipsResponse> {
  const column = side === "reader" ? tip.reader : tip.creator;
  const [months, newest] = await Promise.all([
    db
      .select({ epoch: tip.epoch, amount: sum(tip.amount), count: count() })
      .from(tip)
      .where(eq(column, address))
      .groupBy(tip.epoch)
      .orderBy(asc(tip.epoch)),
    db
      .select()
      .from(tip)
      .where(eq(column, address))
      .orderBy(desc(tip.block), desc(tip.logIndex))
      .limit(MAX_TIPS_LISTED + 1),
  ]);
  const monthly = months.map((m) => ({ epoch: m.epoch, amount: BigInt(m.amount ?? "0"), count: Number(m.count) }));
  return {
    account: getAddress(address),
    total: monthly.reduce((total, m) => total + m.amount, 0n).toString(),
    months: monthly.map((m) => ({ epoch: m.epoch.toString(), amount: m.amount.toString(), count: m.count })),
    tips: newest.slice(0, MAX_TIPS_LISTED).map((t) => ({
      reader: getAddress(t.reader),
      creator: getAddress(t.creator),
      amount: t.amount.toString(),
      epoch: t.epoch.toString(),
      ...origin(t),
    })),
    truncated: newest.length > MAX_TIPS_LISTED,
  };
}

app.get("/v1/creators/:creator/tips", async (c) => {
  const creator = addressParam(c, "creator");
  if (creator === null) return fail(c, 400, "invalid_address", "creator: not an address");
  return c.json(await tipsAnswer("creator", creator));
});

app.get("/v1/readers/:reader/tips", async (c) => {
  const reader = addressParam(c, "reader");
  if (reader === null) return fail(c, 400, "invalid_address", "reader: not an address");
  return c.json(await tipsAnswer("reader", reader));
});

function totalsAnswer(row: typeof epochTotals.$inferSelect): EpochTotalsInput {
  const bounds = epochBounds(schedule, row.epoch);
  return {
    epoch: row.epoch.toString(),
    start: bounds.start.toString(),
    end: bounds.end.toString(),
    deadline: bounds.deadline.toString(),
    fundedReaders: row.fundedReaders,
    funded: row.funded.toString(),
    settledReaders: row.settledReaders,
    settled: row.settled.toString(),
    tips: row.tips.toString(),
    clicks: row.clicks.toString(),
    skips: row.skips,
    returnedReaders: row.returnedReaders,
    returned: row.returned.toString(),
    credited: row.credited.toString(),
    creators: row.creators,
    batches: row.batches,
  };
}

app.get("/v1/epochs", async (c) => {
  const rows = await db.select().from(epochTotals).orderBy(asc(epochTotals.epoch));
  return c.json({ epochs: rows.map(totalsAnswer) } satisfies EpochListResponse);
});

app.get("/v1/epochs/:epoch", async (c) => {
  const text = c.req.param("epoch");
  if (!/^[0-9]{1,20}$/.test(text) || BigInt(text) > MAX_EPOCH) {
    return fail(c, 400, "invalid_epoch", "epoch: not a uint64 decimal number");
  }
  const epoch = BigInt(text);
  const [rows, batches] = await Promise.all([
    db.select().from(epochTotals).where(eq(epochTotals.epoch, epoch)),
    db.select().from(batch).where(eq(batch.epoch, epoch)).orderBy(asc(batch.block), asc(batch.logIndex)),
  ]);
  const row = rows[0] ?? {
    epoch,
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
  };
  const body: EpochProgressResponse = {
    ...totalsAnswer(row),
    settlementBatches: batches.map((b) => ({
      keeper: b.keeper,
      settled: b.settled.toString(),
      skipped: b.skipped.toString(),
      tip: b.tip.toString(),
      ...origin(b),
    })),
  };
  return c.json(body);
});

app.get("/v1/accounts/:address/activity", async (c) => {
  const address = addressParam(c, "address");
  if (address === null) return fail(c, 400, "invalid_address", "address: not an address");
  const rows = await db
    .select({ lastActivityBlock: account.lastActivityBlock })
    .from(account)
    .where(eq(account.address, address));
  const body: AccountActivityResponse = {
    address: getAddress(address),
    lastActivityBlock: rows[0]?.lastActivityBlock.toString() ?? null,
  };
  return c.json(body);
});

app.get("/v1/status", async (c) => {
  const result = await db.execute(
    sql`SELECT latest_checkpoint FROM ${sql.identifier(databaseSchema)}._ponder_checkpoint LIMIT 1`,
  );
  const checkpoint = (result.rows[0] as { latest_checkpoint?: unknown } | undefined)?.latest_checkpoint;
  const field = ([from, to]: readonly [number, number]) => BigInt(String(checkpoint).slice(from, to)).toString();
  const body: IndexedBlockResponse = {
    block:
      typeof checkpoint === "string"
        ? { number: field(CHECKPOINT_FIELDS.blockNumber), timestamp: field(CHECKPOINT_FIELDS.timestamp) }
        : null,
  };
  return c.json(body);
});

export default app;
