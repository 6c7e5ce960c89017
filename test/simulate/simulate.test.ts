/**
 * A small simulation inside `npm test`: a few readers click through the real keeper's HTTP API, its
 * loop settles on the in-process chain, and the independent audit of the books passes. The audit must
 * also be able to fail: fed a split that is off by one unit, it names the broken checks.
 */
import { expect } from "chai";
import type { Address } from "viem";

import { splitBudget } from "@plaudit/protocol";
import { auditBooks, type SplitFunction } from "../../scripts/simulate/audit.js";
import { runSimulation, type SimulationResult } from "../../scripts/simulate/run.js";

describe("simulation", function () {
  this.timeout(300_000);
  let result: SimulationResult;

  before(async () => {
    result = await runSimulation({ readers: 6, creators: 4, epochs: 2, clicks: 5, seed: 11 });
  });

  it("passes every check of the books after settling each epoch through the keeper", () => {
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed, JSON.stringify(failed)).to.deep.equal([]);
    expect(result.ok).to.equal(true);
    expect(result.checks.map((c) => c.name)).to.include.members([
      "keeper-accepted-every-tally",
      "keeper-settled-every-epoch",
      "reader-budget-split",
      "creator-claimable",
      "unsettled-budgets-returned",
      "pool-balance-equals-liabilities",
    ]);
  });

  it("exercises idle readers, cancelling readers and readers with several devices", () => {
    const { stats } = result;
    expect(stats.idleReaders).to.be.greaterThan(0);
    expect(stats.cancellingReaders).to.be.greaterThan(0);
    expect(stats.devices).to.be.greaterThan(stats.readers);
    expect(stats.settledReaders).to.be.greaterThan(0);
    expect(stats.settleGas > 0n).to.equal(true);
  });

  it("leaves the pool holding exactly its liabilities, with no budget open in the end", () => {
    const { snapshots } = result.facts;
    expect(snapshots.length).to.be.greaterThan(2);
    for (const s of snapshots) expect(s.poolBalance, s.label).to.equal(s.openBudgets + s.claimables);
    expect(snapshots[snapshots.length - 1]?.openBudgets).to.equal(0n);
    // Some creators claimed and some did not: the pool still holds the unclaimed earnings.
    const unclaimed = [...result.facts.claimableBeforeClaims].filter(([c]) => !result.facts.claimed.has(c));
    const owed = unclaimed.reduce((sum, [, amount]) => sum + amount, 0n);
    expect(snapshots[snapshots.length - 1]?.poolBalance).to.equal(owed);
  });

  it("reports a failed split and claimable check when the expected split is wrong by one unit", () => {
    // Moves one unit of every reader's split from its first creator to its last: still conserving.
    const skewed: SplitFunction = (budget, tipBps, tallies) => {
      const split = splitBudget(budget, tipBps, tallies);
      const creators = [...split.shares.keys()];
      const first = creators[0] as Address | undefined;
      const last = creators[creators.length - 1] as Address | undefined;
      if (first !== undefined && last !== undefined && first !== last) {
        split.shares.set(first, (split.shares.get(first) ?? 0n) - 1n);
        split.shares.set(last, (split.shares.get(last) ?? 0n) + 1n);
      }
      return split;
    };
    const checks = auditBooks(result.ledger, result.facts, skewed);
    const failed = checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed).to.include("reader-budget-split");
    expect(failed).to.include("creator-claimable");
    expect(checks.find((c) => c.name === "reader-budget-split")?.detail).to.match(
      /credited \d+, off-chain split says \d+/,
    );
  });

  it("reports unreturned budgets when the ledger says a reader funded more than it did", () => {
    const ledger = structuredClone(result.ledger);
    const reader = ledger.readers[0];
    if (reader === undefined) throw new Error("no reader");
    reader.budgetPerEpoch += 1n;
    const failed = auditBooks(ledger, result.facts)
      .filter((c) => !c.ok)
      .map((c) => c.name);
    expect(failed).to.include("unsettled-budgets-returned");
  });
});
