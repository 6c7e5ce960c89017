/**
 * A one-off tip to one creator: the amount in the token's units, checked as it is typed, the funding path
 * and the keeper's relay fee said in words before anything is signed, then every phase of the transaction
 * (a relayed one followed to its outcome). The tip is credited to the creator at once and never touches the
 * reader's monthly budget.
 */
import { useReadContract, useConnection } from "wagmi";
import type { Address } from "viem";

import { tokenAbi } from "../contracts/pool.js";
import { useServices } from "../hooks/services.js";
import { useChainClock } from "../hooks/useChainClock.js";
import { useTip } from "../hooks/useTip.js";
import { formatToken } from "../lib/format.js";
import { AsyncState } from "./AsyncState.js";
import { TxStatus } from "./TxStatus.js";

export function TipForm({ creator }: { creator: Address }) {
  const { address } = useConnection();
  const { deployment } = useServices();
  const { clock, isLoading, error } = useChainClock();
  const balance = useReadContract({
    address: deployment.token,
    abi: tokenAbi,
    functionName: "balanceOf",
    args: [address ?? deployment.pool],
    query: { enabled: address !== undefined },
  });
  if (address === undefined) return <p data-testid="tip-connect">Connect a wallet to send a tip.</p>;
  return (
    <AsyncState
      loading={isLoading || balance.isLoading}
      error={error ?? balance.error ?? undefined}
      what="your balance"
    >
      {clock !== undefined && balance.data !== undefined && (
        <TipFields reader={address} creator={creator} now={clock.now} balance={balance.data} />
      )}
    </AsyncState>
  );
}

function TipFields({
  reader,
  creator,
  now,
  balance,
}: {
  reader: Address;
  creator: Address;
  now: bigint;
  balance: bigint;
}) {
  const { deployment } = useServices();
  const { amount, setAmount, plan, route, relayerFee, words, tx, tip } = useTip(reader, creator, now, balance);
  const fmt = (v: bigint) => formatToken(v, deployment.tokenDecimals, deployment.tokenSymbol);
  const problemId = "tip-problem";
  return (
    <section aria-labelledby="tip-title">
      <h2 id="tip-title">Send a tip</h2>
      <p className="note">
        To <code data-testid="tip-creator">{creator}</code>. A tip is a one-off amount, credited to the creator at once;
        your monthly budget is not touched.
      </p>
      <p className="note" data-testid="tip-path" data-path={route?.kind}>
        {words ?? (plan.ok ? "Reading what your token and wallet support…" : "")}
      </p>
      <p className="note">
        Balance: <span data-testid="tip-balance">{fmt(balance)}</span>.
        {route?.kind.startsWith("relay-") ? (
          <>
            {" "}
            Keeper&apos;s relay fee: <span data-testid="tip-relay-fee">{fmt(relayerFee)}</span>.
          </>
        ) : null}
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (plan.ok && !tx.busy && route !== undefined) void tip();
        }}
      >
        <label>
          Amount ({deployment.tokenSymbol})
          <input
            data-testid="tip-amount"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            inputMode="decimal"
            autoComplete="off"
            aria-invalid={plan.ok ? undefined : true}
            aria-describedby={problemId}
          />
        </label>
        <button
          type="submit"
          data-testid="tip-send"
          disabled={!plan.ok || tx.busy || route === undefined || route.kind === "needs-gas"}
        >
          Tip{plan.total !== undefined ? ` (${fmt(plan.total)})` : ""}
        </button>
      </form>
      <p id={problemId} className="note error" role="status" aria-live="polite">
        {plan.ok ? "" : plan.problem}
      </p>
      <TxStatus state={tx.state} label="Tip" />
    </section>
  );
}
