/**
 * Where the reader's money went, month by month: for a settled month each creator paid and how much,
 * the keeper's tip and the transaction; for an expired one that it came back; for one waiting for
 * settlement its projected split, when settlement is due, and "settle it yourself". Then the one-off tips
 * the reader sent, month by month: they were never part of a budget.
 */
import type { Address } from "viem";

import { epochBounds } from "@plaudit/protocol";
import { AsyncState } from "../../components/AsyncState.js";
import { Countdown } from "../../components/Countdown.js";
import { SplitTable } from "../../components/SplitTable.js";
import { TxStatus } from "../../components/TxStatus.js";
import { useServices } from "../../hooks/services.js";
import type { ChainClock } from "../../hooks/useChainClock.js";
import type { EpochBudget } from "../../hooks/useReader.js";
import { useReaderHistory } from "../../hooks/useReaderHistory.js";
import { useSelfSettle, type SettleOutcome } from "../../hooks/useSelfSettle.js";
import { formatTime, formatToken } from "../../lib/format.js";
import type { SentTip, SettledMonth, SkippedLog } from "../../lib/payments.js";
import { skipReasonWords } from "../../lib/skipReasons.js";
import { localItems } from "../../lib/tallyStore.js";
import { ProjectedSplit } from "./ProjectedSplit.js";

export function PastMonthsSection({
  reader,
  clock,
  budgets,
}: {
  reader: Address;
  clock: ChainClock;
  budgets: readonly EpochBudget[];
}) {
  const history = useReaderHistory(reader);
  const past = budgets.filter((b) => b.epoch < clock.epoch).reverse();
  return (
    <section aria-labelledby="past-title">
      <h2 id="past-title">Where your money went</h2>
      {past.length === 0 ? (
        <p className="note">No past months yet: after a month ends, this shows whom its budget paid.</p>
      ) : (
        <AsyncState loading={history.isLoading} error={history.error} what="your settlements">
          <div data-testid="history">
            {past.map((b) => (
              <PastMonth
                key={b.epoch.toString()}
                reader={reader}
                clock={clock}
                budget={b}
                settled={history.data?.settled.get(b.epoch)}
                skipped={history.data?.skipped.get(b.epoch) ?? []}
              />
            ))}
          </div>
        </AsyncState>
      )}
      {history.data !== undefined && history.data.tips.size > 0 && <TipsSent tips={history.data.tips} />}
    </section>
  );
}

/** The tips the reader sent, newest month first, each with its creator, amount and transaction. */
function TipsSent({ tips }: { tips: ReadonlyMap<bigint, readonly SentTip[]> }) {
  const { deployment } = useServices();
  const fmt = (v: bigint) => formatToken(v, deployment.tokenDecimals, deployment.tokenSymbol);
  const months = [...tips.entries()].sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0));
  return (
    <div data-testid="tips-sent">
      <h3>Tips you sent</h3>
      <p className="note">One-off amounts credited to the creator at once, apart from your monthly budgets.</p>
      {months.map(([epoch, sent]) => (
        <table key={epoch.toString()} data-testid={`tips-${epoch}`}>
          <caption>
            Month {epoch.toString()}: {fmt(sent.reduce((sum, t) => sum + t.amount, 0n))} in {sent.length} tip
            {sent.length === 1 ? "" : "s"}
          </caption>
          <thead>
            <tr>
              <th scope="col">Creator</th>
              <th scope="col">Amount</th>
              <th scope="col">Transaction</th>
            </tr>
          </thead>
          <tbody>
            {sent.map((t, i) => (
              <tr key={`${t.transactionHash}-${i}`}>
                <td>
                  <code>{t.creator}</code>
                </td>
                <td>{fmt(t.amount)}</td>
                <td>
                  <code>{t.transactionHash.slice(0, 10)}…</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}

function PastMonth({
  reader,
  clock,
  budget,
  settled,
  skipped,
}: {
  reader: Address;
  clock: ChainClock;
  budget: EpochBudget;
  settled: SettledMonth | undefined;
  skipped: readonly SkippedLog[];
}) {
  const { schedule, deployment } = useServices();
  // Held here, not in the unsettled view: the outcome stays in view when the month turns settled.
  const selfSettle = useSelfSettle(reader, budget);
  const fmt = (v: bigint) => formatToken(v, deployment.tokenDecimals, deployment.tokenSymbol);
  const { end, deadline } = epochBounds(schedule, budget.epoch);
  const titleId = `month-${budget.epoch}-title`;
  let body;
  if (settled !== undefined) body = <SettledView reader={reader} month={settled} />;
  else if (budget.status === "Settled") body = <p>Settled.</p>;
  else if (budget.amount === 0n) body = <p className="note">No budget this month.</p>;
  else if (budget.status === "Returned")
    body = (
      <p data-testid={`returned-${budget.epoch}`}>
        Nobody settled this month before {formatTime(deadline)}: its {fmt(budget.amount)} came back to you.
      </p>
    );
  else if (clock.now >= deadline)
    body = (
      <p data-testid={`returned-${budget.epoch}`}>
        Nobody settled this month before {formatTime(deadline)}: its {fmt(budget.amount)} comes back to you. Withdraw it
        under Budgets.
      </p>
    );
  else
    body = (
      <>
        <p>
          Not settled yet. Settlement was due at the month's end, {formatTime(end)}: a keeper settles it any time before{" "}
          {formatTime(deadline)} (<Countdown now={clock.now} until={deadline} label="closes" />
          ), or you settle it yourself. If nobody does, the budget comes back to you.
        </p>
        <ProjectedSplit
          reader={reader}
          epoch={budget.epoch}
          budget={budget.amount}
          caption={`Projected split of your ${fmt(budget.amount)} for month ${budget.epoch}`}
        />
        <button
          type="button"
          data-testid={`settle-${budget.epoch}`}
          disabled={selfSettle.tx.busy}
          onClick={() => void selfSettle.settle()}
        >
          Settle month {budget.epoch.toString()} yourself
        </button>
      </>
    );
  return (
    <article aria-labelledby={titleId} className="month" data-testid={`month-${budget.epoch}`}>
      <h3 id={titleId}>
        Month {budget.epoch.toString()}: {fmt(budget.amount)}
      </h3>
      {body}
      {skipped.map((s) => (
        <p key={`${s.transactionHash}-${s.logIndex}`} className="note">
          A settlement attempt skipped you ({skipReasonWords(s.reason)}) in transaction <code>{s.transactionHash}</code>
          .
        </p>
      ))}
      <TxStatus state={selfSettle.tx.state} label="Settle" />
      {selfSettle.outcome !== undefined && (
        <p className="tx" role="status" data-testid="settle-outcome">
          {outcomeWords(selfSettle.outcome, fmt)}
        </p>
      )}
    </article>
  );
}

function outcomeWords(outcome: SettleOutcome, fmt: (v: bigint) => string): string {
  switch (outcome.kind) {
    case "settled":
      return `Settled: ${outcome.clicks} click${outcome.clicks === 1n ? "" : "s"} shared ${fmt(outcome.budget - outcome.tip)} among creators; ${fmt(outcome.tip)} went to you as the keeper.`;
    case "skipped":
      return `The pool skipped you: ${outcome.reason}.`;
    case "unknown":
      return "The transaction went through but does not mention you: reload to see the month's state.";
  }
}

function SettledView({ reader, month }: { reader: Address; month: SettledMonth }) {
  const { deployment, store, scope } = useServices();
  const fmt = (v: bigint) => formatToken(v, deployment.tokenDecimals, deployment.tokenSymbol);
  const items = localItems(store, scope, reader, month.epoch);
  return (
    <>
      <p>
        Settled: {month.clicks.toString()} click{month.clicks === 1n ? "" : "s"}, in transaction{" "}
        <code data-testid={`settle-tx-${month.epoch}`}>{month.transactionHash}</code>.
      </p>
      {month.payments !== undefined ? (
        <SplitTable
          epoch={month.epoch}
          caption={`Where your ${fmt(month.budget)} of month ${month.epoch} went`}
          testId={`paid-${month.epoch}`}
          exact
          budget={month.budget}
          tip={month.tip}
          rows={month.payments.map((p) => ({ ...p, items: items.get(p.creator) ?? [] }))}
        />
      ) : (
        <p>
          {fmt(month.budget - month.tip)} went to the creators you applauded and {fmt(month.tip)} to the keeper who
          settled it. That transaction was not a plain call of the pool, so which creator got how much cannot be read
          from it here.
        </p>
      )}
    </>
  );
}
