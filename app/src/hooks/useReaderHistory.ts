/**
 * The one place the dApp reads a reader's settlement history: the pool's `ReaderSettled` and
 * `ReaderSkipped` logs of the reader, and the `settle` call of each settled month's transaction (read
 * once: a mined transaction never changes). Pages see only `ReaderHistory` (lib/payments.ts), so an
 * indexer can replace these raw log scans here without touching them.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { Address, Hash, Hex } from "viem";

import { plauditPoolAbi } from "@plaudit/protocol";
import { readerHistory, type ReaderHistory, type SettledLog, type SkippedLog } from "../lib/payments.js";
import { useServices } from "./services.js";

const REFRESH_MS = 8000;

export function useReaderHistory(reader: Address) {
  const { client, deployment } = useServices();
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: ["reader-history", reader],
    refetchInterval: REFRESH_MS,
    queryFn: async (): Promise<ReaderHistory> => {
      const pool = { address: deployment.pool, abi: plauditPoolAbi } as const;
      const fromBlock = BigInt(deployment.deployBlock);
      const [settledLogs, skippedLogs] = await Promise.all([
        client.getContractEvents({ ...pool, eventName: "ReaderSettled", args: { reader }, fromBlock }),
        client.getContractEvents({ ...pool, eventName: "ReaderSkipped", args: { reader }, fromBlock }),
      ]);
      const settled: SettledLog[] = settledLogs.flatMap(({ args, transactionHash, blockNumber, logIndex }) =>
        args.epoch === undefined ||
        args.budget === undefined ||
        args.tip === undefined ||
        args.clicks === undefined ||
        transactionHash === null ||
        blockNumber === null ||
        logIndex === null
          ? []
          : [
              {
                epoch: args.epoch,
                budget: args.budget,
                tip: args.tip,
                clicks: args.clicks,
                transactionHash,
                blockNumber,
                logIndex,
              },
            ],
      );
      const skipped: SkippedLog[] = skippedLogs.flatMap(({ args, transactionHash, blockNumber, logIndex }) =>
        args.epoch === undefined ||
        args.reason === undefined ||
        transactionHash === null ||
        blockNumber === null ||
        logIndex === null
          ? []
          : [{ epoch: args.epoch, reason: args.reason, transactionHash, blockNumber, logIndex }],
      );
      const hashes = [...new Set(settled.map((log) => log.transactionHash))];
      const inputs = new Map<Hash, Hex>();
      await Promise.all(
        hashes.map(async (hash) => {
          try {
            const input = await queryClient.fetchQuery({
              queryKey: ["transaction-input", hash],
              staleTime: Infinity,
              queryFn: async () => (await client.getTransaction({ hash })).input,
            });
            inputs.set(hash, input);
          } catch {
            // The month still shows its totals from the event; only the split per creator is missing.
          }
        }),
      );
      return readerHistory(reader, settled, skipped, inputs);
    },
  });
}
