/**
 * The reader's budgets per month, cancelling future months, and withdrawing budgets that came back: from
 * the wallet, or (a reader without gas) by signed intents the keeper relays, its fee shown first.
 */
import { useState } from "react";
import type { Address } from "viem";

import { epochBounds, type EpochSchedule } from "@plaudit/protocol";
import { TxStatus } from "../../components/TxStatus.js";
import { useServices } from "../../hooks/services.js";
import type { ChainClock } from "../../hooks/useChainClock.js";
import type { EpochBudget } from "../../hooks/useReader.js";
import { useReaderIntents } from "../../hooks/useIntents.js";
import { formatToken } from "../../lib/format.js";

/** A month's budget state in words, at chain time `now`. */
function statusWords(schedule: EpochSchedule, budget: EpochBudget, current: bigint, now: bigint): string {
  if (budget.status === "Settled") return "settled: paid to creators";
  if (budget.status === "Returned") return "came back to you";
  if (budget.epoch > current) return "to come";
  if (budget.epoch === current) return "this month";
  return now < epochBounds(schedule, budget.epoch).deadline ? "waiting for settlement" : "expired: withdraw it";
}

export function BudgetsSection(props: {
  reader: Address;
  budgets: EpochBudget[];
  clock: ChainClock;
  withdrawable: bigint;
  fundedUntil: bigint;
}) {
  const { reader, budgets, clock, withdrawable, fundedUntil } = props;
  const { deployment, schedule } = useServices();
  const fmt = (v: bigint) => formatToken(v, deployment.tokenDecimals, deployment.tokenSymbol);
  const { routes, cancel, withdraw, cancelTx, withdrawTx } = useReaderIntents(reader, clock);
  const relayed = routes.route("withdraw") === "relay" || routes.route("cancel") === "relay";
  const future = budgets.filter((b) => b.epoch > clock.epoch && b.amount > 0n);
  const [from, setFrom] = useState<string>("");
  const fromEpoch = from === "" ? future[0]?.epoch : BigInt(from);
  return (
    <section aria-labelledby="budgets-title">
      <h2 id="budgets-title">Budgets</h2>
      {budgets.length === 0 ? (
        <p className="note">No budgets yet: subscribe above.</p>
      ) : (
        <table data-testid="budgets">
          <caption className="visually-hidden">Your budget for each month</caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col" className="amount">
                Budget
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {budgets.map((b) => (
              <tr key={b.epoch.toString()}>
                <th scope="row">
                  {b.epoch.toString()}
                  {b.epoch === clock.epoch ? " (now)" : ""}
                </th>
                <td className="amount">{fmt(b.amount)}</td>
                <td>{statusWords(schedule, b, clock.epoch, clock.now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row" style={{ marginTop: 10 }}>
        {future.length > 0 && (
          <>
            <label>
              Cancel from month
              <select value={fromEpoch?.toString() ?? ""} onChange={(e) => setFrom(e.target.value)}>
                {future.map((b) => (
                  <option key={b.epoch.toString()} value={b.epoch.toString()}>
                    {b.epoch.toString()} to {(fundedUntil - 1n).toString()}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              className="secondary"
              disabled={cancelTx.busy || fromEpoch === undefined}
              data-testid="cancel"
              onClick={() => fromEpoch !== undefined && void cancel(fromEpoch)}
            >
              Cancel future months
            </button>
          </>
        )}
        <button
          type="button"
          className="secondary"
          data-testid="withdraw"
          disabled={withdrawTx.busy || withdrawable === 0n}
          onClick={() => void withdraw()}
        >
          Withdraw budgets that came back ({fmt(withdrawable)})
        </button>
      </div>
      {relayed && (
        <p className="note" data-testid="intent-relay-note">
          You hold no coin for gas: you sign, and the keeper sends the transaction for you. Its fee,{" "}
          <span data-testid="intent-relay-fee">{fmt(routes.fee)}</span>, is taken from what comes back to you.
        </p>
      )}
      <TxStatus state={cancelTx.state} label="Cancel" />
      <TxStatus state={withdrawTx.state} label="Withdraw" />
    </section>
  );
}
