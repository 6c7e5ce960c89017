/**
 * A creator's earnings per month and claims (history: the indexer, or bounded log reads) and what it can
 * claim now (live state, through wagmi), refreshed when the creator's account sees activity.
 */
import { useQuery } from "@tanstack/react-query";
import { useCallback } from "react";
import type { Address } from "viem";
import { useReadContract } from "wagmi";

import { plauditPoolAbi } from "@plaudit/protocol";
import { useServices } from "./services.js";
import { HISTORY_QUERY_KEY, useLiveRefresh } from "./useLiveRefresh.js";

/** A creator's earnings per month and claims (history: the indexer, or bounded log reads), shared by every page. */
export function useCreatorEarnings(creator: Address) {
  const { history } = useServices();
  return useQuery({
    queryKey: [HISTORY_QUERY_KEY, history.kind, "creator", creator],
    placeholderData: (previous) => previous,
    queryFn: () => history.creator(creator),
  });
}

/** The tips a creator received, per month (history, like its earnings). */
export function useCreatorTips(creator: Address) {
  const { history } = useServices();
  return useQuery({
    queryKey: [HISTORY_QUERY_KEY, history.kind, "creator-tips", creator],
    placeholderData: (previous) => previous,
    queryFn: () => history.creatorTips(creator),
  });
}

/** A month's earnings from settlements and from tips, oldest month first. */
export interface MonthIncome {
  epoch: bigint;
  settled: bigint;
  tips: bigint;
}

/** Settlement earnings and tips side by side per month, with every month that has either. */
export function incomeByMonth(
  settled: readonly { epoch: bigint; amount: bigint }[],
  tips: readonly { epoch: bigint; amount: bigint }[],
): MonthIncome[] {
  const months = new Map<bigint, MonthIncome>();
  const month = (epoch: bigint) => {
    let entry = months.get(epoch);
    if (entry === undefined) months.set(epoch, (entry = { epoch, settled: 0n, tips: 0n }));
    return entry;
  };
  for (const { epoch, amount } of settled) month(epoch).settled += amount;
  for (const { epoch, amount } of tips) month(epoch).tips += amount;
  return [...months.values()].sort((a, b) => (a.epoch < b.epoch ? -1 : a.epoch > b.epoch ? 1 : 0));
}

export function useCreator(creator: Address) {
  const { deployment } = useServices();
  const claimable = useReadContract({
    address: deployment.pool,
    abi: plauditPoolAbi,
    functionName: "claimableOf",
    args: [creator],
  });
  const past = useCreatorEarnings(creator);
  const { refetch } = claimable;
  useLiveRefresh(
    creator,
    useCallback(() => void refetch(), [refetch]),
  );
  const data =
    claimable.data !== undefined && past.data !== undefined
      ? {
          claimable: claimable.data,
          earnings: past.data.months.map(({ epoch, amount }) => [epoch, amount] as const),
          totalClaimed: past.data.claimed,
        }
      : undefined;
  const error = claimable.error ?? past.error;
  return { data, isLoading: data === undefined && error === null, error };
}
