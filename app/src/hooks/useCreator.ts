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
