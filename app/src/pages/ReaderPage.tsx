/** The reader: subscribe with permit, budgets per epoch, one-click mode, this epoch's split, history. */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { parseEventLogs, parseSignature, parseUnits, type Address } from "viem";
import { useConfig, useConnection } from "wagmi";
import { signTypedData } from "wagmi/actions";

import {
  epochBounds,
  MAX_SUBSCRIPTION_EPOCHS,
  permitTypedData,
  plauditPoolAbi,
  selectTallies,
  settleArgsOf,
  skipReasonNames,
} from "@plaudit/protocol";
import { AsyncState } from "../components/AsyncState.js";
import { BarChart } from "../components/BarChart.js";
import { Countdown } from "../components/Countdown.js";
import { TxStatus } from "../components/TxStatus.js";
import { tokenAbi } from "../contracts/pool.js";
import { useServices } from "../hooks/services.js";
import { useChainClock, type ChainClock } from "../hooks/useChainClock.js";
import type { useOutbox } from "../hooks/useOutbox.js";
import { useReader, type EpochBudget } from "../hooks/useReader.js";
import { useStoreVersion } from "../hooks/useStoreVersion.js";
import { useTx } from "../hooks/useTx.js";
import { describeError } from "../lib/errors.js";
import { formatTime, formatToken, shortAddress } from "../lib/format.js";
import { projectSplit } from "../lib/projection.js";
import { clearSession, loadSession, newSessionKey, saveSession, sessionRequest } from "../lib/session.js";
import { localTallies, mergeTallies } from "../lib/tallyStore.js";

/** `ReaderSkipped` reasons in words, keyed by the pool's own enum (generated), so they cannot drift. */
const SKIP_REASON_WORDS: Record<(typeof skipReasonNames)[number], string> = {
  AlreadySettled: "already settled",
  NoBudget: "no budget",
  BadTallyList: "bad tally list",
  BadClicks: "bad clicks",
  BadSession: "bad session",
  BadSignature: "bad signature",
};

function skipReasonWords(reason: number): string {
  const name = skipReasonNames[reason];
  return name === undefined ? "unknown reason" : SKIP_REASON_WORDS[name];
}

export function ReaderPage({ outbox }: { outbox: ReturnType<typeof useOutbox> }) {
  const { address } = useConnection();
  const { clock, isLoading, error } = useChainClock();
  if (address === undefined) {
    return (
      <section>
        <h1>Reader</h1>
        <p>Connect a wallet to subscribe and applaud the things you read.</p>
      </section>
    );
  }
  return (
    <AsyncState loading={isLoading} error={error} what="the chain time">
      {clock !== undefined && <ReaderView reader={address} clock={clock} outbox={outbox} />}
    </AsyncState>
  );
}

function ReaderView({
  reader,
  clock,
  outbox,
}: {
  reader: Address;
  clock: ChainClock;
  outbox: ReturnType<typeof useOutbox>;
}) {
  const { deployment } = useServices();
  const data = useReader(reader);
  const fmt = (v: bigint) => formatToken(v, deployment.tokenDecimals, deployment.tokenSymbol);
  return (
    <>
      <h1>Reader</h1>
      <p className="note">
        Month (epoch) {clock.epoch.toString()} · <Countdown now={clock.now} until={clock.bounds.end} label="ends" />
      </p>
      <AsyncState loading={data.isLoading} error={data.error} what="your budgets">
        {data.data !== undefined && (
          <>
            <Subscribe reader={reader} clock={clock} balance={data.data.balance} />
            <Budgets
              budgets={data.data.budgets}
              clock={clock}
              withdrawable={data.data.withdrawable}
              fundedUntil={data.data.fundedUntil}
              fmt={fmt}
            />
            <OneClick reader={reader} clock={clock} />
            <ThisEpoch
              reader={reader}
              clock={clock}
              budget={data.data.budgets.find((b) => b.epoch === clock.epoch)?.amount ?? 0n}
              fmt={fmt}
            />
            <Outbox outbox={outbox} />
            <History reader={reader} clock={clock} budgets={data.data.budgets} fmt={fmt} />
          </>
        )}
      </AsyncState>
    </>
  );
}

function Subscribe({ reader, clock, balance }: { reader: Address; clock: ChainClock; balance: bigint }) {
  const { deployment, client } = useServices();
  const config = useConfig();
  const tx = useTx();
  const [amount, setAmount] = useState("10");
  const [months, setMonths] = useState("3");
  const [startNext, setStartNext] = useState(false);
  let perEpoch: bigint | undefined;
  try {
    perEpoch = parseUnits(amount, deployment.tokenDecimals);
  } catch {
    perEpoch = undefined;
  }
  const epochs = Number(months);
  const validMonths = Number.isInteger(epochs) && epochs >= 1 && epochs <= MAX_SUBSCRIPTION_EPOCHS;
  const total = perEpoch !== undefined && validMonths ? perEpoch * BigInt(epochs) : undefined;
  const tooLittle = total !== undefined && total > balance;
  const fmt = (v: bigint) => formatToken(v, deployment.tokenDecimals, deployment.tokenSymbol);
  const problem =
    perEpoch === undefined || perEpoch === 0n
      ? "Enter an amount per month."
      : !validMonths
        ? `Choose 1 to ${MAX_SUBSCRIPTION_EPOCHS} months.`
        : tooLittle
          ? `Too little balance: you have ${fmt(balance)} and need ${fmt(total)}.`
          : undefined;

  const subscribe = () =>
    tx.run(async (step) => {
      if (total === undefined || perEpoch === undefined) throw new Error("Enter an amount and months.");
      const firstEpoch = startNext ? clock.epoch + 1n : clock.epoch;
      const [domain, nonce] = await Promise.all([
        client.readContract({ address: deployment.token, abi: tokenAbi, functionName: "eip712Domain" }),
        client.readContract({ address: deployment.token, abi: tokenAbi, functionName: "nonces", args: [reader] }),
      ]);
      const deadline = clock.now + 3600n;
      step("Sign the permit in your wallet (no gas)…");
      const signature = await signTypedData(config, {
        account: reader,
        ...permitTypedData(domain, { owner: reader, spender: deployment.pool, value: total, nonce, deadline }),
      });
      const { r, s, v, yParity } = parseSignature(signature);
      return {
        functionName: "subscribeWithPermit",
        args: [perEpoch, BigInt(epochs), firstEpoch, deadline, Number(v ?? BigInt(yParity + 27)), r, s],
      };
    });

  return (
    <section>
      <h2>Subscribe</h2>
      <p className="note">
        One transaction: you sign a permit, then the pool takes the whole amount and budgets it month by month. Balance:{" "}
        {fmt(balance)}.
      </p>
      <div className="row">
        <label>
          Amount per month ({deployment.tokenSymbol})
          <input
            data-testid="sub-amount"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            inputMode="decimal"
          />
        </label>
        <label>
          Months
          <input
            data-testid="sub-months"
            value={months}
            onChange={(e) => setMonths(e.target.value)}
            inputMode="numeric"
          />
        </label>
        <label>
          Starting
          <select value={startNext ? "next" : "this"} onChange={(e) => setStartNext(e.target.value === "next")}>
            <option value="this">this month ({clock.epoch.toString()})</option>
            <option value="next">next month ({(clock.epoch + 1n).toString()})</option>
          </select>
        </label>
        <button
          type="button"
          data-testid="subscribe"
          disabled={problem !== undefined || tx.busy}
          onClick={() => void subscribe()}
        >
          Subscribe{total !== undefined ? ` (${fmt(total)})` : ""}
        </button>
      </div>
      {problem !== undefined && <p className="note error">{problem}</p>}
      <TxStatus state={tx.state} label="Subscribe" />
    </section>
  );
}

function Budgets(props: {
  budgets: EpochBudget[];
  clock: ChainClock;
  withdrawable: bigint;
  fundedUntil: bigint;
  fmt: (v: bigint) => string;
}) {
  const { budgets, clock, withdrawable, fundedUntil, fmt } = props;
  const cancelTx = useTx();
  const withdrawTx = useTx();
  const future = budgets.filter((b) => b.epoch > clock.epoch && b.amount > 0n);
  const [from, setFrom] = useState<string>("");
  const fromEpoch = from === "" ? future[0]?.epoch : BigInt(from);
  return (
    <section>
      <h2>Budgets</h2>
      {budgets.length === 0 ? (
        <p className="note">No budgets yet: subscribe above.</p>
      ) : (
        <table data-testid="budgets">
          <thead>
            <tr>
              <th>Month</th>
              <th>Budget</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {budgets.map((b) => (
              <tr key={b.epoch.toString()}>
                <td>
                  {b.epoch.toString()}
                  {b.epoch === clock.epoch ? " (now)" : ""}
                </td>
                <td>{fmt(b.amount)}</td>
                <td>{b.status}</td>
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
              onClick={() => void cancelTx.run(async () => ({ functionName: "cancel", args: [fromEpoch ?? 0n] }))}
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
          onClick={() => void withdrawTx.run(async () => ({ functionName: "withdraw", args: [] }))}
        >
          Withdraw returned budgets ({fmt(withdrawable)})
        </button>
      </div>
      <TxStatus state={cancelTx.state} label="Cancel" />
      <TxStatus state={withdrawTx.state} label="Withdraw" />
    </section>
  );
}

function OneClick({ reader, clock }: { reader: Address; clock: ChainClock }) {
  const { store, scope, schedule, errorContext, now, client, deployment } = useServices();
  const nonce = useQuery({
    queryKey: ["session-nonce", reader],
    refetchInterval: 10000,
    queryFn: () =>
      client.readContract({
        address: deployment.pool,
        abi: plauditPoolAbi,
        functionName: "sessionNonceOf",
        args: [reader],
      }),
  });
  const config = useConfig();
  const [version, bump] = useStoreVersion();
  const [months, setMonths] = useState("3");
  const [state, setState] = useState<{ phase: "idle" | "signing" | "done" | "error"; message?: string }>({
    phase: "idle",
  });
  const revokeTx = useTx();
  void version;
  const session = loadSession(store, scope, reader);
  const expired = session !== undefined && BigInt(session.expiry) < clock.bounds.end;
  const revoked = session !== undefined && nonce.data !== undefined && nonce.data !== session.nonce;

  const enable = async () => {
    try {
      setState({ phase: "signing", message: "Sign the one-click delegation in your wallet (no gas)…" });
      const current = await client.readContract({
        address: deployment.pool,
        abi: plauditPoolAbi,
        functionName: "sessionNonceOf",
        args: [reader],
      });
      const pending = newSessionKey(schedule, clock.epoch, Number(months), current);
      const signature = await signTypedData(config, { account: reader, ...sessionRequest(scope, reader, pending) });
      saveSession(store, scope, reader, pending, signature, now());
      setState({ phase: "done", message: "One-click mode is on." });
      bump();
    } catch (error) {
      setState({ phase: "error", message: describeError(error, errorContext) });
    }
  };

  return (
    <section>
      <h2>One-click mode</h2>
      {session !== undefined && !expired && !revoked ? (
        <>
          <p data-testid="one-click-status" className="ok">
            On: key {shortAddress(session.key)} signs your clicks until {formatTime(BigInt(session.expiry))}. It stays
            in this browser only.
          </p>
          <div className="row">
            <button
              type="button"
              className="secondary"
              onClick={() => {
                clearSession(store, scope, reader);
                bump();
                setState({ phase: "idle" });
              }}
            >
              Turn off
            </button>
            <button
              type="button"
              className="secondary"
              disabled={revokeTx.busy}
              onClick={() =>
                void revokeTx
                  .run(async () => ({ functionName: "revokeSessions", args: [] }))
                  .then((receipt) => {
                    if (receipt !== undefined) {
                      clearSession(store, scope, reader);
                      bump();
                    }
                  })
              }
            >
              Turn off and revoke every key on chain
            </button>
          </div>
          <TxStatus state={revokeTx.state} label="Revoke" />
        </>
      ) : (
        <>
          <p className="note">
            {expired ? "Your one-click key expired. " : ""}
            {revoked ? "Your one-click keys were revoked on chain. " : ""}Sign once, then Plaudit buttons count your
            clicks without a wallet pop-up. The key can only sign clicks, never move funds.
          </p>
          <div className="row">
            <label>
              For months
              <input value={months} onChange={(e) => setMonths(e.target.value)} inputMode="numeric" />
            </label>
            <button
              type="button"
              data-testid="enable-one-click"
              disabled={state.phase === "signing"}
              onClick={() => void enable()}
            >
              Enable one-click mode
            </button>
          </div>
        </>
      )}
      {state.message !== undefined && (
        <p className={state.phase === "error" ? "error" : state.phase === "done" ? "ok" : "note"} role="status">
          {state.message}
        </p>
      )}
      {session === undefined && clock.bounds.end > 0n && (
        <p className="note">Current month ends {formatTime(epochBounds(schedule, clock.epoch).end)}.</p>
      )}
    </section>
  );
}

function useReaderTallies(reader: Address, epoch: bigint) {
  const { store, scope, keeper } = useServices();
  const [version] = useStoreVersion();
  return useQuery({
    queryKey: ["tallies", reader, epoch.toString(), version],
    refetchInterval: 5000,
    queryFn: async () => {
      const local = localTallies(store, scope, reader, epoch);
      let remote: Awaited<ReturnType<NonNullable<typeof keeper>["readerTallies"]>>["tallies"] = [];
      let keeperError: unknown;
      if (keeper !== undefined) {
        try {
          remote = (await keeper.readerTallies(reader, epoch)).tallies;
        } catch (error) {
          keeperError = error;
        }
      }
      return { tallies: mergeTallies(scope, reader, epoch, local, remote), keeperError };
    },
  });
}

function ThisEpoch({
  reader,
  clock,
  budget,
  fmt,
}: {
  reader: Address;
  clock: ChainClock;
  budget: bigint;
  fmt: (v: bigint) => string;
}) {
  const { deployment, errorContext } = useServices();
  const tallies = useReaderTallies(reader, clock.epoch);
  return (
    <section>
      <h2>This month's clicks</h2>
      <AsyncState loading={tallies.isLoading} error={tallies.error} what="your clicks">
        {tallies.data !== undefined &&
          (() => {
            const projection = projectSplit(budget, deployment.keeperTipBps, tallies.data.tallies);
            return (
              <>
                {tallies.data.keeperError !== undefined && (
                  <p className="note error">
                    Only this browser's clicks: {describeError(tallies.data.keeperError, errorContext)}
                  </p>
                )}
                <p data-testid="epoch-clicks">
                  {projection.clicks} click{projection.clicks === 1 ? "" : "s"} this month; budget {fmt(budget)}
                  {budget === 0n ? " (no budget: subscribe so your clicks pay creators)" : ""}.
                </p>
                <BarChart
                  title="Projected split of this month's budget"
                  bars={projection.shares.map((s) => ({
                    label: shortAddress(s.creator),
                    value: Number(s.amount) || s.clicks,
                    text: `${s.clicks} · ${fmt(s.amount)}`,
                  }))}
                />
              </>
            );
          })()}
      </AsyncState>
    </section>
  );
}

function Outbox({ outbox }: { outbox: ReturnType<typeof useOutbox> }) {
  if (outbox.entries.length === 0) return null;
  return (
    <section>
      <h2>Clicks on their way</h2>
      <p data-testid="outbox">
        {outbox.waiting.length} waiting, {outbox.failed.length} refused by the keeper.
      </p>
      {outbox.failed.map((e) => (
        <p key={e.id} className="error note">
          Month {e.tally.epoch}, #{e.tally.seq}: {e.lastError}
        </p>
      ))}
      <div className="row">
        <button type="button" className="secondary" onClick={() => void outbox.flushNow()}>
          Send now
        </button>
        {outbox.failed.length > 0 && (
          <>
            <button type="button" className="secondary" onClick={() => void outbox.retryFailed()}>
              Retry refused
            </button>
            <button type="button" className="secondary" onClick={() => void outbox.discardFailed()}>
              Discard refused
            </button>
          </>
        )}
      </div>
    </section>
  );
}

function History({
  reader,
  clock,
  budgets,
  fmt,
}: {
  reader: Address;
  clock: ChainClock;
  budgets: EpochBudget[];
  fmt: (v: bigint) => string;
}) {
  const past = budgets.filter((b) => b.epoch < clock.epoch).reverse();
  return (
    <section>
      <h2>Past months</h2>
      {past.length === 0 ? (
        <p className="note">No past months yet.</p>
      ) : (
        <table data-testid="history">
          <thead>
            <tr>
              <th>Month</th>
              <th>Budget</th>
              <th>Status</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {past.map((b) => (
              <PastEpoch key={b.epoch.toString()} reader={reader} clock={clock} budget={b} fmt={fmt} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PastEpoch({
  reader,
  clock,
  budget,
  fmt,
}: {
  reader: Address;
  clock: ChainClock;
  budget: EpochBudget;
  fmt: (v: bigint) => string;
}) {
  const { schedule, store, scope, keeper } = useServices();
  const tx = useTx();
  const [outcome, setOutcome] = useState<string | undefined>();
  const bounds = epochBounds(schedule, budget.epoch);
  const inWindow = clock.now >= bounds.end && clock.now < bounds.deadline;
  const canSettle = budget.status === "Open" && budget.amount > 0n && inWindow;
  const settle = async () => {
    setOutcome(undefined);
    const receipt = await tx.run(async (step) => {
      step("Collecting the tallies this browser kept…", "preparing");
      const local = localTallies(store, scope, reader, budget.epoch);
      const remote =
        keeper === undefined
          ? []
          : await keeper.readerTallies(reader, budget.epoch).then(
              (r) => r.tallies,
              () => [],
            );
      const merged = mergeTallies(scope, reader, budget.epoch, local, remote);
      if (merged.length === 0)
        throw new Error("This browser kept no clicks for that month, and the keeper has none either.");
      // The keeper's rule: leave out tallies the pool would refuse (revoked or expired session keys).
      const chosen = selectTallies(merged, bounds.end, budget.sessionNonce);
      if (chosen.length === 0)
        throw new Error("Every tally of that month was signed by a session key that was revoked or expired.");
      return {
        functionName: "settle",
        args: settleArgsOf(budget.epoch, [{ reader, tallies: chosen }]),
      };
    });
    if (receipt === undefined) return;
    const events = parseEventLogs({
      abi: plauditPoolAbi,
      logs: receipt.logs,
      eventName: ["ReaderSettled", "ReaderSkipped"],
    });
    const mine = events.find((e) => e.args.reader.toLowerCase() === reader.toLowerCase());
    if (mine?.eventName === "ReaderSkipped") setOutcome(`The pool skipped you: ${skipReasonWords(mine.args.reason)}.`);
    else if (mine?.eventName === "ReaderSettled")
      setOutcome(`Settled: ${mine.args.clicks.toString()} clicks shared ${fmt(mine.args.budget)}.`);
  };
  return (
    <tr>
      <td>{budget.epoch.toString()}</td>
      <td>{fmt(budget.amount)}</td>
      <td>
        {budget.status}
        {budget.settledClicks !== undefined ? ` (${budget.settledClicks.toString()} clicks)` : ""}
        {budget.status === "Open" && budget.amount > 0n && !inWindow && clock.now >= bounds.deadline
          ? " — expired, withdraw it above"
          : ""}
      </td>
      <td>
        {canSettle && (
          <>
            <span className="note">
              <Countdown now={clock.now} until={bounds.deadline} label="Settlement closes" />{" "}
            </span>
            <button
              type="button"
              data-testid={`settle-${budget.epoch}`}
              disabled={tx.busy}
              onClick={() => void settle()}
            >
              Settle it yourself
            </button>
          </>
        )}
        <TxStatus state={tx.state} label="Settle" />
        {outcome !== undefined && (
          <p className="tx" data-testid="settle-outcome">
            {outcome}
          </p>
        )}
      </td>
    </tr>
  );
}
