/** The current epoch with a countdown, the keeper's health, and settlement progress of past epochs. */
import { useQuery } from "@tanstack/react-query";

import { epochBounds, settlementProgress } from "@plaudit/protocol";
import { AsyncState } from "../components/AsyncState.js";
import { Countdown } from "../components/Countdown.js";
import { useServices } from "../hooks/services.js";
import { useChainClock } from "../hooks/useChainClock.js";
import { HISTORY_QUERY_KEY } from "../hooks/useLiveRefresh.js";
import { describeError } from "../lib/errors.js";
import { formatTime } from "../lib/format.js";

const PAST_EPOCHS = 6n;

export function StatusPage() {
  const { clock, isLoading, error } = useChainClock();
  const { keeper, history, schedule, errorContext } = useServices();
  const health = useQuery({
    queryKey: ["keeper-health"],
    enabled: keeper !== undefined,
    refetchInterval: 10000,
    queryFn: () => keeper?.health() ?? false,
  });
  const current = clock?.epoch;
  const progress = useQuery({
    queryKey: [HISTORY_QUERY_KEY, history.kind, "settlement", current?.toString()],
    enabled: current !== undefined,
    refetchInterval: 10000,
    queryFn: async () => {
      const epochs: bigint[] = [];
      for (let e = current ?? 0n; e > 0n && epochs.length < PAST_EPOCHS;) epochs.push(--e);
      const onChain = await history.epochs(epochs);
      return Promise.all(
        onChain.map(async ({ epoch, settledReaders: settledOnChain, batches }) => {
          let keeperView: Awaited<ReturnType<NonNullable<typeof keeper>["epochStatus"]>> | undefined;
          let keeperError: string | undefined;
          if (keeper !== undefined) {
            try {
              keeperView = await keeper.epochStatus(epoch);
            } catch (error) {
              keeperError = describeError(error, errorContext);
            }
          }
          return { epoch, batches, settledOnChain, keeperView, keeperError };
        }),
      );
    },
  });
  return (
    <>
      <h1>Status</h1>
      <section aria-label="Current month and keeper">
        <AsyncState loading={isLoading} error={error} what="the chain time">
          {clock !== undefined && (
            <>
              <p data-testid="current-epoch">
                Current month (epoch) <strong>{clock.epoch.toString()}</strong>
                {clock.started ? "" : " — the pool has not started yet"} · chain time {formatTime(clock.now)}
              </p>
              <p>
                <Countdown now={clock.now} until={clock.bounds.end} label="Ends" /> ({formatTime(clock.bounds.end)});
                its settlement closes {formatTime(clock.bounds.deadline)}.
              </p>
            </>
          )}
        </AsyncState>
        <p>
          Keeper:{" "}
          {keeper === undefined ? (
            "none configured"
          ) : health.isLoading ? (
            "checking…"
          ) : health.data === true ? (
            <span className="ok">reachable ({keeper.url})</span>
          ) : (
            <span className="error">cannot be reached ({keeper.url})</span>
          )}
        </p>
      </section>
      <section aria-labelledby="settlement-title">
        <h2 id="settlement-title">Settlement of past months</h2>
        <AsyncState loading={progress.isLoading} error={progress.error} what="settlement progress">
          {progress.data !== undefined && progress.data.length === 0 && <p className="note">No month has ended yet.</p>}
          {progress.data !== undefined && progress.data.length > 0 && (
            <table data-testid="settlement">
              <caption className="visually-hidden">Settlement of each past month</caption>
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  <th scope="col">Keeper</th>
                  <th scope="col">Progress</th>
                  <th scope="col">On chain</th>
                  <th scope="col">Window closes</th>
                </tr>
              </thead>
              <tbody>
                {progress.data.map((row) => {
                  const v = row.keeperView;
                  return (
                    <tr key={row.epoch.toString()}>
                      <th scope="row">{row.epoch.toString()}</th>
                      <td>{v?.status ?? <span className="note">{row.keeperError ?? "—"}</span>}</td>
                      <td>
                        {v !== undefined && (
                          <>
                            <progress max={1} value={settlementProgress(v)} aria-label={`month ${row.epoch} settled`} />{" "}
                            {v.settledReaders}/{v.readers} readers
                            {v.skippedReaders > 0 ? `, ${v.skippedReaders} skipped` : ""}
                            {v.droppedReaders > 0 ? `, ${v.droppedReaders} left out by the keeper` : ""}
                          </>
                        )}
                      </td>
                      <td>
                        {row.settledOnChain.toString()} reader{row.settledOnChain === 1n ? "" : "s"} in {row.batches}{" "}
                        batch{row.batches === 1 ? "" : "es"}
                      </td>
                      <td>{formatTime(epochBounds(schedule, row.epoch).deadline)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </AsyncState>
      </section>
    </>
  );
}
