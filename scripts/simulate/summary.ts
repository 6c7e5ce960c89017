/** The simulation's summary: a table of what ran and what it cost, then the checks. */
import type { CheckResult } from "./audit.js";

export interface SimulationStats {
  readers: number;
  clickingReaders: number;
  idleReaders: number;
  cancellingReaders: number;
  devices: number;
  creators: number;
  epochs: number;
  clicks: number;
  talliesPosted: number;
  ingestSeconds: number;
  settleTransactions: number;
  settleGas: bigint;
  settledReaders: number;
  settledClicks: bigint;
  /** Wall time from an epoch's settlement opening (chain time) to the keeper reporting it settled. */
  settlementMs: number[];
  wallSeconds: number;
}

const group = (n: bigint | number) => n.toLocaleString("en-US");

export function summaryRows(stats: SimulationStats): [string, string][] {
  const perReader = stats.settledReaders === 0 ? "-" : group(stats.settleGas / BigInt(stats.settledReaders));
  const perClick = stats.settledClicks === 0n ? "-" : group(stats.settleGas / stats.settledClicks);
  const rate = stats.ingestSeconds === 0 ? "-" : `${(stats.talliesPosted / stats.ingestSeconds).toFixed(0)} tallies/s`;
  return [
    [
      "readers",
      `${stats.readers} (${stats.clickingReaders} clicking, ${stats.idleReaders} idle, ${stats.cancellingReaders} cancelling)`,
    ],
    ["devices (signing keys)", String(stats.devices)],
    ["creators", String(stats.creators)],
    ["epochs", String(stats.epochs)],
    ["clicks", group(stats.clicks)],
    ["tallies posted to the keeper", group(stats.talliesPosted)],
    ["ingest rate (sign + HTTP POST)", rate],
    ["settle transactions", String(stats.settleTransactions)],
    ["settled reader-epochs", String(stats.settledReaders)],
    ["settle gas, total", group(stats.settleGas)],
    ["gas per settled reader", perReader],
    ["gas per settled click", perClick],
    ["settlement time per epoch", stats.settlementMs.map((ms) => `${(ms / 1000).toFixed(2)}s`).join(", ")],
    ["wall time", `${stats.wallSeconds.toFixed(1)}s`],
  ];
}

export function formatSummary(stats: SimulationStats, checks: readonly CheckResult[]): string {
  const rows = summaryRows(stats);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    "",
    "Simulation summary",
    "",
    `| ${"measure".padEnd(width)} | value |`,
    `| ${"-".repeat(width)} | --- |`,
  ];
  for (const [key, value] of rows) lines.push(`| ${key.padEnd(width)} | ${value} |`);
  lines.push("", "Checks");
  for (const c of checks) lines.push(`  ${c.ok ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`);
  const failed = checks.filter((c) => !c.ok);
  lines.push(
    "",
    failed.length === 0 ? `all ${checks.length} checks passed` : `FAILED: ${failed.map((c) => c.name).join(", ")}`,
  );
  return lines.join("\n");
}
