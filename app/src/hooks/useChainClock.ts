/** Chain time (latest block) and the current epoch, refreshed every few seconds and ticked locally. */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { PublicClient } from "viem";

import { epochAt, epochBounds, type EpochBounds } from "@plaudit/protocol";
import { useServices } from "./services.js";

export interface ChainClock {
  /** Seconds, extrapolated from the latest block with the local clock. */
  now: bigint;
  epoch: bigint;
  bounds: EpochBounds;
  started: boolean;
}

/** How often the latest block is read: the page's clock, and its new-block signal when there is no indexer. */
const CHAIN_TIME_REFRESH_MS = 4000;

/** The latest block's time and number (one `eth_getBlockByNumber`), shared by every hook that asks. */
export function chainTimeQuery(client: Pick<PublicClient, "getBlock">) {
  return {
    queryKey: ["chain-time"],
    queryFn: async () => {
      const latest = await client.getBlock({ blockTag: "latest" });
      return { time: latest.timestamp, number: latest.number, seenAt: Date.now() };
    },
    refetchInterval: CHAIN_TIME_REFRESH_MS,
  } as const;
}

export function useChainClock() {
  const { client, schedule } = useServices();
  const block = useQuery(chainTimeQuery(client));
  const [tick, setTick] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setTick(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  let clock: ChainClock | undefined;
  if (block.data !== undefined) {
    const elapsed = BigInt(Math.max(0, Math.floor((tick - block.data.seenAt) / 1000)));
    const now = block.data.time + elapsed;
    // The epoch follows the chain's latest block, as the pool does; the countdown runs on locally.
    const epoch = epochAt(schedule, block.data.time);
    clock = { now, epoch, bounds: epochBounds(schedule, epoch), started: block.data.time >= schedule.startTime };
  }
  return { clock, isLoading: block.isLoading, error: block.error };
}
