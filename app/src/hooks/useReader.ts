/**
 * A reader's budgets and balances: live state read through wagmi (`useReadContracts`, one multicall per
 * read), refreshed when the reader's account sees activity (useLiveRefresh); which epochs to show comes
 * from the reader's history (its first subscription). Its settlement history: useReaderHistory.
 */
import { useQuery } from "@tanstack/react-query";
import { useCallback, useRef } from "react";
import type { Address } from "viem";
import { useReadContracts } from "wagmi";

import { budgetStatusNames, plauditPoolAbi } from "@plaudit/protocol";
import { tokenAbi } from "../contracts/pool.js";
import { useServices } from "./services.js";
import { HISTORY_QUERY_KEY, useLiveRefresh } from "./useLiveRefresh.js";

const MAX_EPOCHS_SHOWN = 36n;

export interface EpochBudget {
  epoch: bigint;
  amount: bigint;
  status: (typeof budgetStatusNames)[number];
  /** The session nonce tallies of this epoch must be delegated with. */
  sessionNonce: number;
}

/** The reader's past (settled and skipped months, first funded epoch), from the history source. */
export function useReaderPast(reader: Address | undefined) {
  const { history } = useServices();
  return useQuery({
    queryKey: [HISTORY_QUERY_KEY, history.kind, "reader", reader],
    enabled: reader !== undefined,
    placeholderData: (previous) => previous,
    queryFn: () => {
      if (reader === undefined) throw new Error("no reader");
      return history.reader(reader);
    },
  });
}

/** The epochs to show: from the first funded one (or the first not swept yet) up to the funded end. */
export function epochsShown(first: bigint | undefined, sweepFrom: bigint, fundedUntil: bigint): bigint[] {
  let from = first ?? sweepFrom;
  if (fundedUntil - from > MAX_EPOCHS_SHOWN) from = fundedUntil - MAX_EPOCHS_SHOWN;
  const epochs: bigint[] = [];
  for (let e = from; e < fundedUntil; e++) epochs.push(e);
  return epochs;
}

export function useReader(reader: Address | undefined) {
  const { deployment } = useServices();
  const pool = { address: deployment.pool, abi: plauditPoolAbi } as const;
  const account = reader ?? deployment.pool;
  const live = useReadContracts({
    allowFailure: false,
    contracts: [
      { ...pool, functionName: "readerEpochs", args: [account] },
      { ...pool, functionName: "withdrawableOf", args: [account] },
      { address: deployment.token, abi: tokenAbi, functionName: "balanceOf", args: [account] },
    ],
    query: { enabled: reader !== undefined },
  });
  const past = useReaderPast(reader);
  const epochs =
    live.data === undefined || past.data === undefined
      ? []
      : epochsShown(past.data.firstFundedEpoch, live.data[0][0], live.data[0][1]);
  const budgets = useReadContracts({
    allowFailure: false,
    contracts: epochs.map((epoch) => ({ ...pool, functionName: "budgetOf", args: [account, epoch] }) as const),
    query: { enabled: reader !== undefined && live.data !== undefined && past.data !== undefined },
  });
  const { refetch: refetchLive } = live;
  const { refetch: refetchBudgets } = budgets;
  useLiveRefresh(
    reader,
    useCallback(() => {
      void refetchLive();
      void refetchBudgets();
    }, [refetchLive, refetchBudgets]),
  );

  const ready = live.data !== undefined && past.data !== undefined && budgets.data !== undefined;
  const data =
    ready && live.data !== undefined && budgets.data !== undefined
      ? {
          sweepFrom: live.data[0][0],
          fundedUntil: live.data[0][1],
          withdrawable: live.data[1],
          balance: live.data[2],
          budgets: budgets.data.map(([amount, status, sessionNonce], i): EpochBudget => ({
            epoch: epochs[i] as bigint,
            amount,
            sessionNonce,
            status: budgetStatusNames[status] ?? "Open",
          })),
        }
      : undefined;
  // A refresh that changes the months shown (a subscription, a cancellation) reads them under new keys:
  // keep showing the last complete answer meanwhile, so the page (and a transaction's "done" in it)
  // does not fall back to "loading".
  const last = useRef<{ reader: Address; data: NonNullable<typeof data> } | undefined>(undefined);
  if (reader !== undefined && data !== undefined) last.current = { reader, data };
  const shown = data ?? (last.current !== undefined && last.current.reader === reader ? last.current.data : undefined);
  return {
    data: shown,
    isLoading: reader !== undefined && shown === undefined && (live.error ?? past.error ?? budgets.error) === null,
    error: live.error ?? past.error ?? budgets.error,
  };
}
