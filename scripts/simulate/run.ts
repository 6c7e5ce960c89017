/**
 * `runSimulation`: readers subscribe, click on several devices and post signed tallies to a real keeper
 * over HTTP; the keeper's own loop settles each epoch as chain time passes; idle and cancelled budgets
 * go back to their readers; creators claim. Then the books are audited off chain (audit.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { Address } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { z } from "zod";

import { startKeeper, type RunningKeeper } from "../../keeper/src/index.js";
import { epochBounds, mockStablecoinAbi, plauditDomain, plauditPoolAbi } from "@plaudit/protocol";
import { auditBooks, type CheckResult } from "./audit.js";
import { clickAndPost, Device } from "./devices.js";
import {
  claimableOf,
  keeperTalliesOf,
  poolEvents,
  solvencySnapshot,
  tokenBalance,
  type ChainFacts,
  type SolvencySnapshot,
} from "./facts.js";
import type { Ledger, ReaderLedger } from "./ledger.js";
import { startSimulationChain, type SimulationChain } from "./local-chain.js";
import { parseOptions, type SimulationOptions, type SimulationOptionsInput } from "./options.js";
import { keyFor, planPopulation, type ReaderPlan } from "./population.js";
import { startProgress, status, type ProgressStream } from "./progress.js";
import type { SimulationStats } from "./summary.js";

export const EPOCH_LENGTH = 3600n;
export const KEEPER_TIP_BPS = 50;
/** Seconds after an epoch's end that the keeper waits for late tallies before settling. */
export const GRACE_SECONDS = 60n;
const SETTLEMENT_TIMEOUT_MS = 180_000;
const INGEST_CONCURRENCY = 8;

export interface SimulationResult {
  options: SimulationOptions;
  ok: boolean;
  checks: CheckResult[];
  stats: SimulationStats;
  ledger: Ledger;
  facts: ChainFacts;
}

export interface SimulationIo {
  /** Where progress goes (stderr in the CLI); none when omitted. */
  progress?: ProgressStream;
  /** The keeper's log level (default silent). */
  keeperLogLevel?: "silent" | "error" | "warn" | "info" | "debug";
}

interface SimReader {
  plan: ReaderPlan;
  ledger: ReaderLedger;
  devices: Device[];
}

const epochStatusBody = z.object({ status: z.string(), readers: z.number(), settledReaders: z.number() });

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** Polls the keeper's GET /v1/epochs/:epoch until it reports the epoch settled. */
async function waitForSettlement(
  keeperUrl: string,
  epoch: number,
): Promise<{ settled: boolean; ms: number; last: string }> {
  const started = Date.now();
  let last = "no answer";
  while (Date.now() - started < SETTLEMENT_TIMEOUT_MS) {
    const res = await fetch(`${keeperUrl}/v1/epochs/${epoch}`);
    const parsed = epochStatusBody.safeParse(await res.json());
    if (parsed.success) {
      last = JSON.stringify(parsed.data);
      if (parsed.data.status === "settled") return { settled: true, ms: Date.now() - started, last };
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { settled: false, ms: Date.now() - started, last };
}

export async function runSimulation(
  input: SimulationOptionsInput = {},
  io: SimulationIo = {},
): Promise<SimulationResult> {
  const options = parseOptions(input);
  const out = io.progress;
  const wallStart = Date.now();
  const population = planPopulation(options);
  const chain = await startSimulationChain({
    epochLength: EPOCH_LENGTH,
    keeperTipBps: KEEPER_TIP_BPS,
    startDelay: 600n,
    token: options.token,
  });
  status(out, `chain ${chain.chainId}: pool ${chain.pool}, token ${chain.token}, epochs of ${EPOCH_LENGTH}s`);

  const keeperAccount = privateKeyToAccount(keyFor(options.seed, "keeper"));
  const relayer = privateKeyToAccount(keyFor(options.seed, "relayer"));
  await chain.fund(keeperAccount.address);
  await chain.fund(relayer.address);
  const dataDir = mkdtempSync(join(tmpdir(), "plaudit-simulation-"));
  let keeper: RunningKeeper | undefined;
  try {
    keeper = await startKeeper({
      transport: chain.transport,
      pool: chain.pool,
      chainId: chain.chainId,
      privateKey: keyFor(options.seed, "keeper"),
      dataDir,
      port: 0,
      settle: true,
      pollIntervalMs: 50,
      graceSeconds: Number(GRACE_SECONDS),
      chainTimeTtlMs: 0,
      // Every simulated reader posts from 127.0.0.1: lift the per-IP and per-reader rate limits.
      ipRate: 1_000_000,
      readerRate: 1_000_000,
      logLevel: io.keeperLogLevel ?? "silent",
    });
    return await simulate(options, chain, keeper, population, { keeperAccount, relayer, out, wallStart });
  } finally {
    await keeper?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await chain.close();
  }
}

async function simulate(
  options: SimulationOptions,
  chain: SimulationChain,
  keeper: RunningKeeper,
  population: ReturnType<typeof planPopulation>,
  ctx: {
    keeperAccount: PrivateKeyAccount;
    relayer: PrivateKeyAccount;
    out: ProgressStream | undefined;
    wallStart: number;
  },
): Promise<SimulationResult> {
  const { out } = ctx;
  const runChecks: CheckResult[] = [];
  const schedule = { startTime: chain.startTime, epochLength: chain.epochLength };
  const domain = plauditDomain(chain.chainId, chain.pool);
  const sessionExpiry = epochBounds(schedule, BigInt(options.epochs + 1)).end;
  const K = BigInt(options.epochs);

  // Readers: gas, stablecoin, approval, a subscription for every epoch, and their devices' delegations.
  const readers: SimReader[] = [];
  const funding = startProgress(out, "funding readers", population.readers.length);
  for (const plan of population.readers) {
    const reader = plan.account.address;
    const minted = plan.budgetPerEpoch * K;
    await chain.fund(reader);
    await chain.write(plan.account, {
      address: chain.token,
      abi: mockStablecoinAbi,
      functionName: "mint",
      args: [reader, minted],
    });
    await chain.write(plan.account, {
      address: chain.token,
      abi: mockStablecoinAbi,
      functionName: "approve",
      args: [chain.pool, minted],
    });
    await chain.write(plan.account, {
      address: chain.pool,
      abi: plauditPoolAbi,
      functionName: "subscribe",
      args: [plan.budgetPerEpoch, K, 0n],
    });
    const nonce = await chain.client.readContract({
      address: chain.pool,
      abi: plauditPoolAbi,
      functionName: "sessionNonceOf",
      args: [reader],
    });
    const devices = plan.devices.map((d) => new Device(domain, plan.account, d.account));
    for (const device of devices) await device.delegate(sessionExpiry, nonce);
    readers.push({
      plan,
      devices,
      ledger: {
        reader,
        minted,
        budgetPerEpoch: plan.budgetPerEpoch,
        fundedEpochs: options.epochs,
        cancelledFrom: undefined,
        tallies: new Map(),
      },
    });
    funding.tick();
  }
  funding.done();
  const readerAddresses = readers.map((r) => r.ledger.reader);
  const snapshots: SolvencySnapshot[] = [];
  const snapshot = async (label: string) => {
    snapshots.push(await solvencySnapshot(chain, label, readerAddresses, population.creators, options.epochs));
  };
  await snapshot("after subscriptions");

  const cancel = async (reader: SimReader, fromEpoch: number) => {
    await chain.write(reader.plan.account, {
      address: chain.pool,
      abi: plauditPoolAbi,
      functionName: "cancel",
      args: [BigInt(fromEpoch)],
    });
    reader.ledger.cancelledFrom = fromEpoch;
  };
  for (const reader of readers) if (reader.plan.cancelDuring === -1) await cancel(reader, 0);

  const rejections: string[] = [];
  const settlementMs: number[] = [];
  let talliesPosted = 0;
  let ingestMs = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const bounds = epochBounds(schedule, BigInt(epoch));
    if (epoch === 0) await chain.setTime(bounds.start + 1n);
    for (const reader of readers) if (reader.plan.cancelDuring === epoch) await cancel(reader, epoch + 1);

    const clicks = readers.reduce((n, r) => n + (r.plan.clicks[epoch]?.length ?? 0), 0);
    const ingest = startProgress(out, `epoch ${epoch}: clicks`, clicks);
    const ingestStart = performance.now();
    await forEachLimited(readers, INGEST_CONCURRENCY, async (reader) => {
      for (const click of reader.plan.clicks[epoch] ?? []) {
        try {
          await clickAndPost(reader.devices[click.device] as Device, reader.ledger, keeper.url, epoch, click.creator);
          talliesPosted++;
        } catch (error) {
          rejections.push((error as Error).message);
        }
        ingest.tick();
      }
    });
    ingestMs += performance.now() - ingestStart;
    ingest.done();

    // Chain time moves past the epoch's end and the keeper's grace period: its loop settles the epoch.
    await chain.setTime(bounds.end + GRACE_SECONDS + 1n);
    status(out, `epoch ${epoch}: ended; waiting for the keeper to settle it`);
    const settled = await waitForSettlement(keeper.url, epoch);
    settlementMs.push(settled.ms);
    if (!settled.settled) {
      runChecks.push({
        name: `keeper-settled-epoch-${epoch}`,
        ok: false,
        detail: `not settled after ${settled.ms} ms; last status ${settled.last}`,
      });
    }
    status(out, `epoch ${epoch}: settled in ${(settled.ms / 1000).toFixed(2)}s`);
    await snapshot(`after settling epoch ${epoch}`);
  }
  runChecks.unshift({
    name: "keeper-accepted-every-tally",
    ok: rejections.length === 0,
    detail:
      rejections.length === 0
        ? `${talliesPosted} tallies stored (201)`
        : `${rejections.length} rejected: ${rejections.slice(0, 3).join("; ")}`,
  });
  if (!runChecks.some((c) => c.name.startsWith("keeper-settled-epoch-"))) {
    runChecks.push({
      name: "keeper-settled-every-epoch",
      ok: true,
      detail: `${options.epochs} epochs settled by the keeper's loop`,
    });
  }

  // The hold-back: after the last deadline, every unsettled budget is withdrawn by its reader.
  const holdTallies = new Map<string, Map<Address, bigint>>();
  for (const reader of readers) {
    for (const epoch of reader.ledger.tallies.keys()) {
      holdTallies.set(
        `${reader.ledger.reader}:${epoch}`,
        await keeperTalliesOf(keeper.url, reader.ledger.reader, epoch),
      );
    }
  }
  await chain.setTime(epochBounds(schedule, K - 1n).deadline + 1n);
  const withdrawing = startProgress(out, "withdrawing unsettled", readers.length);
  for (const reader of readers) {
    const withdrawable = await chain.client.readContract({
      address: chain.pool,
      abi: plauditPoolAbi,
      functionName: "withdrawableOf",
      args: [reader.ledger.reader],
    });
    if (withdrawable > 0n)
      await chain.write(reader.plan.account, {
        address: chain.pool,
        abi: plauditPoolAbi,
        functionName: "withdraw",
        args: [],
      });
    withdrawing.tick();
  }
  withdrawing.done();
  await snapshot("after withdrawals");

  // Creators: every other one is claimed for by a relayer (claim is open to anyone).
  const claimableBeforeClaims = new Map<Address, bigint>();
  for (const creator of population.creators) claimableBeforeClaims.set(creator, await claimableOf(chain, creator));
  for (const [i, creator] of population.creators.entries()) {
    if (i % 2 === 0 && (claimableBeforeClaims.get(creator) ?? 0n) > 0n) {
      await chain.write(ctx.relayer, {
        address: chain.pool,
        abi: plauditPoolAbi,
        functionName: "claim",
        args: [creator],
      });
    }
  }
  await snapshot("after claims");

  const events = await poolEvents(chain);
  const balances = async (accounts: readonly Address[]) =>
    new Map(await Promise.all(accounts.map(async (a) => [a, await tokenBalance(chain, a)] as const)));
  const facts: ChainFacts = {
    ...events,
    claimableBeforeClaims,
    readerBalances: await balances(readerAddresses),
    creatorBalances: await balances(population.creators),
    keeperBalance: await tokenBalance(chain, ctx.keeperAccount.address),
    snapshots,
    keeperTallies: holdTallies,
  };
  const ledger: Ledger = {
    epochs: options.epochs,
    keeperTipBps: chain.keeperTipBps,
    keeper: ctx.keeperAccount.address,
    creators: population.creators,
    readers: readers.map((r) => r.ledger),
  };
  const checks = [...runChecks, ...auditBooks(ledger, facts)];
  const settled = events.settleTransactions.flatMap((t) => t.settled);
  const stats: SimulationStats = {
    readers: readers.length,
    clickingReaders: readers.filter((r) => r.plan.role === "clicker").length,
    idleReaders: readers.filter((r) => r.plan.role === "idle").length,
    cancellingReaders: readers.filter((r) => r.plan.role === "canceller").length,
    devices: readers.reduce((n, r) => n + r.devices.length, 0),
    creators: population.creators.length,
    epochs: options.epochs,
    clicks: readers.reduce((n, r) => n + r.plan.clicks.reduce((m, c) => m + c.length, 0), 0),
    talliesPosted,
    ingestSeconds: ingestMs / 1000,
    settleTransactions: events.settleTransactions.length,
    settleGas: events.settleTransactions.reduce((sum, t) => sum + t.gasUsed, 0n),
    settledReaders: settled.length,
    settledClicks: settled.reduce((sum, s) => sum + s.clicks, 0n),
    settlementMs,
    wallSeconds: (Date.now() - ctx.wallStart) / 1000,
  };
  return { options, ok: checks.every((c) => c.ok), checks, stats, ledger, facts };
}
