/**
 * One-click mode: on, off, or off and revoked on chain. Turning it on asks for a budget first: with no
 * budget for this month it says plainly that clicks will not count, and only turns on when asked to anyway.
 */
import { useState } from "react";
import type { Address } from "viem";

import { TxStatus } from "../../components/TxStatus.js";
import type { ChainClock } from "../../hooks/useChainClock.js";
import { budgetCoverage, oneClickMonthsProblem, useOneClick, type BudgetCoverage } from "../../hooks/useOneClick.js";
import type { EpochBudget } from "../../hooks/useReader.js";
import { formatTime, shortAddress } from "../../lib/format.js";
import { SUBSCRIBE_AMOUNT_ID } from "./SubscribeSection.js";

/** What a reader without a budget this month must know before clicking. */
function noBudgetWords(coverage: BudgetCoverage, epoch: bigint): string | undefined {
  switch (coverage.kind) {
    case "funded":
      return undefined;
    case "later":
      return `You have no budget for this month (${epoch}); yours starts in month ${coverage.from}. Clicks you make this month will not count: no creator is paid for them.`;
    case "none":
      return `You have no budget for this month (${epoch}). Clicks will not count: no creator is paid for them unless you subscribe for this month before it ends.`;
  }
}

export function OneClickSection({
  reader,
  clock,
  budgets,
}: {
  reader: Address;
  clock: ChainClock;
  budgets: readonly EpochBudget[];
}) {
  const { status, state, enable, turnOff, revoke, revokeTx, revokeRoute } = useOneClick(reader, clock);
  const [months, setMonths] = useState("3");
  const monthsProblem = oneClickMonthsProblem(months);
  const coverage = budgetCoverage(budgets, clock.epoch);
  const warning = noBudgetWords(coverage, clock.epoch);
  const signing = state.phase === "signing";

  return (
    <section aria-labelledby="one-click-title">
      <h2 id="one-click-title">One-click mode</h2>
      {warning !== undefined && (
        <p className="banner warn" data-testid="one-click-no-budget">
          {warning}
        </p>
      )}
      {status.kind === "on" ? (
        <>
          <p data-testid="one-click-status" className="ok">
            On: key <code>{shortAddress(status.session.key)}</code> signs your clicks until{" "}
            {formatTime(BigInt(status.session.expiry))}. It stays in this browser only.
          </p>
          <div className="row">
            <button type="button" className="secondary" onClick={turnOff}>
              Turn off
            </button>
            <button
              type="button"
              className="secondary"
              data-testid="revoke-sessions"
              disabled={revokeTx.busy}
              onClick={() => void revoke()}
            >
              Turn off and revoke every key on chain
            </button>
          </div>
          {revokeRoute === "relay" && (
            <p className="note">You hold no coin for gas: you sign the revocation and the keeper sends it, for free.</p>
          )}
        </>
      ) : (
        <>
          <p className="note">
            {status.kind === "expired" ? "Your one-click key expired. " : ""}
            {status.kind === "revoked" ? "Your one-click keys were revoked on chain. " : ""}
            Sign once, then Plaudit buttons count your clicks without a wallet pop-up. The key can only sign clicks,
            never move funds.
          </p>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (monthsProblem === undefined && !signing) void enable(Number(months));
            }}
          >
            <label>
              For months
              <input
                value={months}
                onChange={(e) => setMonths(e.target.value)}
                inputMode="numeric"
                autoComplete="off"
                aria-invalid={monthsProblem === undefined ? undefined : true}
                aria-describedby={monthsProblem === undefined ? undefined : "one-click-months-problem"}
              />
            </label>
            {warning !== undefined && (
              <button type="button" onClick={() => document.getElementById(SUBSCRIBE_AMOUNT_ID)?.focus()}>
                Subscribe first
              </button>
            )}
            <button
              type="submit"
              className={coverage.kind === "funded" ? undefined : "secondary"}
              data-testid="enable-one-click"
              disabled={signing || monthsProblem !== undefined}
            >
              {coverage.kind === "funded"
                ? "Enable one-click mode"
                : coverage.kind === "later"
                  ? "Enable anyway (this month's clicks will not count)"
                  : "Enable anyway (clicks will not count)"}
            </button>
          </form>
          {monthsProblem !== undefined && (
            <p id="one-click-months-problem" className="note error">
              {monthsProblem}
            </p>
          )}
        </>
      )}
      {/* Outside the "on" view: a finished revocation turns one-click mode off and still says it is done. */}
      <TxStatus state={revokeTx.state} label="Revoke" />
      {state.message !== undefined && (
        <p className={state.phase === "error" ? "error" : state.phase === "done" ? "ok" : "note"} role="status">
          {state.message}
        </p>
      )}
    </section>
  );
}
