/**
 * When to read an account's live state and history again: on new events, not on a timer per query.
 * With an indexer, the protocol's `watchAccountActivity` polls the indexer (HTTP, no RPC) for the last
 * block naming the account and for a new epoch, and checks now and then that it keeps up with the chain.
 * Without one, every new block the page's clock sees (useChainClock's read of the latest block, every
 * 12 s) is the signal. A refresh invalidates the history queries (keys starting with "history"), and
 * calls `onRefresh` for the caller's wagmi reads; the indexer's signal, which names the account, also
 * invalidates the account's other live reads (keys starting with "account-state": on every block without
 * an indexer they would cost more than their own slow polls).
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import type { Address } from "viem";

import { watchAccountActivity } from "@plaudit/protocol";
import { useServices } from "./services.js";
import { chainTimeQuery } from "./useChainClock.js";

/** The first key part of every history query (lib/history.ts reads). */
export const HISTORY_QUERY_KEY = "history";
/** The first key part of an account's live reads outside wagmi that change only with its activity. */
export const ACCOUNT_STATE_QUERY_KEY = "account-state";

export function useLiveRefresh(address: Address | undefined, onRefresh: () => void) {
  const { indexer, client, schedule } = useServices();
  const queryClient = useQueryClient();
  const latest = useRef(onRefresh);
  useEffect(() => {
    latest.current = onRefresh;
  }, [onRefresh]);

  // Without an indexer: the latest block, as the clock reads it anyway.
  const head = useQuery({
    ...chainTimeQuery({ client, indexer: undefined, schedule }, queryClient),
    enabled: indexer === undefined,
  }).data?.number;
  const seen = useRef<bigint | undefined>(undefined);
  useEffect(() => {
    if (indexer !== undefined || head === undefined) return;
    const before = seen.current;
    seen.current = head;
    if (before !== undefined && head > before) {
      void queryClient.invalidateQueries({ queryKey: [HISTORY_QUERY_KEY] });
      latest.current();
    }
  }, [head, indexer, queryClient]);

  // With an indexer: its activity feed.
  useEffect(() => {
    if (indexer === undefined || address === undefined) return;
    const watcher = watchAccountActivity({
      address,
      schedule,
      indexer,
      chainHead: () => client.getBlockNumber({ cacheTime: 0 }),
      onRefresh: (reason) => {
        if (reason === "start") return;
        void queryClient.invalidateQueries({ queryKey: [HISTORY_QUERY_KEY] });
        void queryClient.invalidateQueries({ queryKey: [ACCOUNT_STATE_QUERY_KEY] });
        latest.current();
      },
    });
    return () => watcher.stop();
  }, [address, client, indexer, queryClient, schedule]);
}
