/**
 * Subscribe: an amount per month for some months, by the best path the token and the wallet allow, said in
 * words before anything is signed (with the keeper's fee when it relays for a reader without gas).
 */
import type { Address } from "viem";

import { TxStatus } from "../../components/TxStatus.js";
import { useServices } from "../../hooks/services.js";
import type { ChainClock } from "../../hooks/useChainClock.js";
import { useSubscribe } from "../../hooks/useSubscribe.js";
import { formatToken } from "../../lib/format.js";

/** The amount field's id: the one-click section moves the focus here when a budget is missing. */
export const SUBSCRIBE_AMOUNT_ID = "subscribe-amount";

export function SubscribeSection({ reader, clock, balance }: { reader: Address; clock: ChainClock; balance: bigint }) {
  const { deployment } = useServices();
  const { form, setForm, plan, route, relayerFee, words, tx, subscribe } = useSubscribe(reader, clock, balance);
  const fmt = (v: bigint) => formatToken(v, deployment.tokenDecimals, deployment.tokenSymbol);
  const problemId = "subscribe-problem";
  const invalid = (field: "amount" | "months") => (!plan.ok && plan.field === field ? true : undefined);
  return (
    <section aria-labelledby="subscribe-title">
      <h2 id="subscribe-title">Subscribe</h2>
      <p className="note" data-testid="subscribe-path" data-path={route?.kind}>
        {words ?? "Reading what your token and wallet support…"}
      </p>
      <p className="note">
        Balance: <span data-testid="balance">{fmt(balance)}</span>.
        {relayerFee > 0n || route?.kind.startsWith("relay-") ? (
          <>
            {" "}
            Keeper&apos;s relay fee: <span data-testid="relay-fee">{fmt(relayerFee)}</span>.
          </>
        ) : null}
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (plan.ok && !tx.busy && route !== undefined) void subscribe();
        }}
      >
        <label>
          Amount per month ({deployment.tokenSymbol})
          <input
            id={SUBSCRIBE_AMOUNT_ID}
            data-testid="sub-amount"
            value={form.amount}
            onChange={(e) => setForm({ amount: e.target.value })}
            inputMode="decimal"
            autoComplete="off"
            aria-invalid={invalid("amount")}
            aria-describedby={problemId}
          />
        </label>
        <label>
          Months
          <input
            data-testid="sub-months"
            value={form.months}
            onChange={(e) => setForm({ months: e.target.value })}
            inputMode="numeric"
            autoComplete="off"
            aria-invalid={invalid("months")}
            aria-describedby={problemId}
          />
        </label>
        <label>
          Starting
          <select
            value={form.startNext ? "next" : "this"}
            onChange={(e) => setForm({ startNext: e.target.value === "next" })}
          >
            <option value="this">this month ({clock.epoch.toString()})</option>
            <option value="next">next month ({(clock.epoch + 1n).toString()})</option>
          </select>
        </label>
        <button
          type="submit"
          data-testid="subscribe"
          disabled={!plan.ok || tx.busy || route === undefined || route.kind === "needs-gas"}
        >
          Subscribe{plan.total !== undefined ? ` (${fmt(plan.total + relayerFee)})` : ""}
        </button>
      </form>
      <p id={problemId} className="note error" role="status" aria-live="polite">
        {plan.ok ? "" : plan.problem}
      </p>
      <TxStatus state={tx.state} label="Subscribe" />
    </section>
  );
}
