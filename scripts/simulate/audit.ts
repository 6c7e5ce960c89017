/**
 * The independent check of the books: every expected amount is recomputed from the simulation's own
 * ledger with protocol's `splitBudget`, never taken from the contract, and compared with what the chain
 * and the keeper report. Pure: the same ledger and facts give the same verdict.
 */
import type { Address } from "viem";

import { splitBudget, type ReaderSplit } from "@plaudit/protocol";
import type { ChainFacts } from "./facts.js";
import { expectedBudget, talliesOf, type Ledger, type ReaderLedger } from "./ledger.js";

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was checked, or the first problems found. */
  detail: string;
}

export type SplitFunction = typeof splitBudget;

const MAX_PROBLEMS = 5;

function check(name: string, what: string, problems: string[]): CheckResult {
  if (problems.length === 0) return { name, ok: true, detail: what };
  const more = problems.length > MAX_PROBLEMS ? ` (and ${problems.length - MAX_PROBLEMS} more)` : "";
  return { name, ok: false, detail: problems.slice(0, MAX_PROBLEMS).join("; ") + more };
}

const totalOf = (reader: ReaderLedger, epoch: number) =>
  talliesOf(reader, epoch).reduce((sum, t) => sum + t.counts.reduce((s, n) => s + BigInt(n), 0n), 0n);

/** Whether the ledger expects `reader` to be settled in `epoch`: a budget and at least one click. */
function expectsSettlement(reader: ReaderLedger, epoch: number): boolean {
  return expectedBudget(reader, epoch) > 0n && totalOf(reader, epoch) > 0n;
}

export function auditBooks(ledger: Ledger, facts: ChainFacts, split: SplitFunction = splitBudget): CheckResult[] {
  const readers = new Map(ledger.readers.map((r) => [r.reader, r]));
  const splits = new Map<string, ReaderSplit>();
  const splitOf = (reader: ReaderLedger, epoch: number): ReaderSplit => {
    const id = `${reader.reader}:${epoch}`;
    let s = splits.get(id);
    if (s === undefined) {
      s = split(expectedBudget(reader, epoch), ledger.keeperTipBps, talliesOf(reader, epoch));
      splits.set(id, s);
    }
    return s;
  };
  const results: CheckResult[] = [];

  // 1. The keeper holds each device's latest tally.
  {
    const problems: string[] = [];
    let devices = 0;
    for (const reader of ledger.readers) {
      for (const [epoch, byKey] of reader.tallies) {
        const held = facts.keeperTallies.get(`${reader.reader}:${epoch}`) ?? new Map<Address, bigint>();
        for (const tally of byKey.values()) {
          devices++;
          const seq = held.get(tally.signer);
          if (seq !== tally.seq)
            problems.push(
              `keeper holds seq ${seq ?? "none"} for ${tally.signer} of ${reader.reader} in epoch ${epoch}, the device signed ${tally.seq}`,
            );
        }
      }
    }
    results.push(check("keeper-holds-latest-tallies", `${devices} device tallies held at their latest seq`, problems));
  }

  // 2. Exactly the readers with a budget and clicks were settled, each once, none skipped.
  {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const tx of facts.settleTransactions) {
      for (const s of tx.skipped) problems.push(`${s.reader} skipped in epoch ${tx.epoch} (reason ${s.reason})`);
      for (const s of tx.settled) {
        const id = `${s.reader}:${s.epoch}`;
        if (seen.has(id)) problems.push(`${s.reader} settled twice in epoch ${s.epoch}`);
        seen.add(id);
        const reader = readers.get(s.reader);
        if (reader === undefined || !expectsSettlement(reader, s.epoch))
          problems.push(`${s.reader} settled in epoch ${s.epoch} without budget or clicks`);
      }
    }
    let expected = 0;
    for (const reader of ledger.readers) {
      for (let epoch = 0; epoch < ledger.epochs; epoch++) {
        if (!expectsSettlement(reader, epoch)) continue;
        expected++;
        if (!seen.has(`${reader.reader}:${epoch}`)) problems.push(`${reader.reader} not settled in epoch ${epoch}`);
      }
    }
    results.push(check("readers-settled", `${expected} reader-epochs settled, none skipped`, problems));
  }

  // 3. Each settled reader's budget split exactly as recomputed off chain.
  {
    const problems: string[] = [];
    let checked = 0;
    for (const tx of facts.settleTransactions) {
      const expectedCredits = new Map<Address, bigint>();
      let expectedTip = 0n;
      for (const s of tx.settled) {
        const reader = readers.get(s.reader);
        if (reader === undefined) continue;
        checked++;
        const budget = expectedBudget(reader, s.epoch);
        const clicks = totalOf(reader, s.epoch);
        const { tip, shares } = splitOf(reader, s.epoch);
        const sharesSum = [...shares.values()].reduce((a, b) => a + b, 0n);
        if (s.budget !== budget)
          problems.push(`${s.reader} epoch ${s.epoch}: settled budget ${s.budget}, funded ${budget}`);
        if (s.tip !== tip) problems.push(`${s.reader} epoch ${s.epoch}: tip ${s.tip}, expected ${tip}`);
        if (s.clicks !== clicks)
          problems.push(`${s.reader} epoch ${s.epoch}: ${s.clicks} clicks settled, ${clicks} signed`);
        if (tip + sharesSum !== budget)
          problems.push(`${s.reader} epoch ${s.epoch}: shares ${sharesSum} + tip ${tip} != budget ${budget}`);
        expectedTip += tip;
        for (const [creator, share] of shares)
          expectedCredits.set(creator, (expectedCredits.get(creator) ?? 0n) + share);
      }
      for (const creator of new Set([...expectedCredits.keys(), ...tx.credits.keys()])) {
        const want = expectedCredits.get(creator) ?? 0n;
        const got = tx.credits.get(creator) ?? 0n;
        if (want !== got)
          problems.push(`tx ${tx.hash.slice(0, 10)}: ${creator} credited ${got}, off-chain split says ${want}`);
      }
      if (tx.tip !== expectedTip)
        problems.push(`tx ${tx.hash.slice(0, 10)}: keeper tip ${tx.tip}, expected ${expectedTip}`);
    }
    results.push(check("reader-budget-split", `${checked} readers' splits match splitBudget per batch`, problems));
  }

  // 4. Each creator's claimable equals the sum of its shares computed off chain.
  const expectedEarnings = new Map<Address, bigint>(ledger.creators.map((c) => [c, 0n]));
  let expectedTips = 0n;
  for (const reader of ledger.readers) {
    for (let epoch = 0; epoch < ledger.epochs; epoch++) {
      if (!expectsSettlement(reader, epoch)) continue;
      const { tip, shares } = splitOf(reader, epoch);
      expectedTips += tip;
      for (const [creator, share] of shares)
        expectedEarnings.set(creator, (expectedEarnings.get(creator) ?? 0n) + share);
    }
  }
  {
    const problems: string[] = [];
    for (const [creator, want] of expectedEarnings) {
      const got = facts.claimableBeforeClaims.get(creator) ?? 0n;
      if (got !== want) problems.push(`${creator}: claimable ${got}, off-chain shares sum to ${want}`);
    }
    results.push(
      check(
        "creator-claimable",
        `${expectedEarnings.size} creators' claimables equal their off-chain shares`,
        problems,
      ),
    );
  }

  // 5. Claims paid creators exactly what they had earned; the keeper got exactly the tips.
  {
    const problems: string[] = [];
    for (const [creator, amount] of facts.claimed) {
      const want = expectedEarnings.get(creator) ?? 0n;
      if (amount !== want) problems.push(`${creator} claimed ${amount}, earned ${want}`);
      const balance = facts.creatorBalances.get(creator) ?? 0n;
      if (balance !== want) problems.push(`${creator} holds ${balance} after claiming, earned ${want}`);
    }
    if (facts.keeperBalance !== expectedTips)
      problems.push(`keeper holds ${facts.keeperBalance}, tips sum to ${expectedTips}`);
    results.push(
      check("claims-and-tips-paid", `${facts.claimed.size} claims and the keeper's tips paid exactly`, problems),
    );
  }

  // 6. Every budget not settled went back to its reader: cancelled at once, expired by withdraw.
  {
    const problems: string[] = [];
    for (const reader of ledger.readers) {
      let cancelled = 0n;
      let unsettled = 0n;
      let spent = 0n;
      for (let epoch = 0; epoch < reader.fundedEpochs; epoch++) {
        const budget = expectedBudget(reader, epoch);
        if (budget === 0n) cancelled += reader.budgetPerEpoch;
        else if (expectsSettlement(reader, epoch)) spent += budget;
        else unsettled += budget;
      }
      const refunded = facts.refunded.get(reader.reader) ?? 0n;
      const returned = facts.returned.get(reader.reader) ?? 0n;
      const balance = facts.readerBalances.get(reader.reader) ?? 0n;
      if (refunded !== cancelled)
        problems.push(`${reader.reader}: refunded ${refunded} on cancel, cancelled budgets ${cancelled}`);
      if (returned !== unsettled)
        problems.push(`${reader.reader}: withdrew ${returned}, unsettled budgets ${unsettled}`);
      if (balance !== reader.minted - spent)
        problems.push(`${reader.reader}: holds ${balance}, expected ${reader.minted} - ${spent} spent`);
    }
    results.push(
      check(
        "unsettled-budgets-returned",
        `${ledger.readers.length} readers hold exactly what they did not spend`,
        problems,
      ),
    );
  }

  // 7. The pool holds exactly what it owes, at every snapshot; in the end no budget is left open.
  {
    const problems: string[] = [];
    for (const s of facts.snapshots) {
      if (s.poolBalance !== s.openBudgets + s.claimables) {
        problems.push(
          `${s.label}: pool holds ${s.poolBalance}, owes ${s.openBudgets} open budgets + ${s.claimables} claimable`,
        );
      }
    }
    const last = facts.snapshots[facts.snapshots.length - 1];
    if (last === undefined) problems.push("no snapshot taken");
    else if (last.openBudgets !== 0n) problems.push(`${last.label}: ${last.openBudgets} of budgets still open`);
    results.push(check("pool-balance-equals-liabilities", `${facts.snapshots.length} snapshots balance`, problems));
  }
  return results;
}
