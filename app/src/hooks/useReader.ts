/** A reader's budgets and balances, from the chain (its settlement history: useReaderHistory). */
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";

import { budgetStatusNames, plauditPoolAbi } from "@plaudit/protocol";
import { tokenAbi } from "../contracts/pool.js";
import { useServices } from "./services.js";

const MAX_EPOCHS_SHOWN = 36n;

export interface EpochBudget {
  epoch: bigint;
  amount: bigint;
  status: (typeof budgetStatusNames)[number];
  /** The session nonce tallies of this epoch must be delegated with. */
  sessionNonce: number;
}

export function useReader(reader: Address | undefined) {
  const { client, deployment } = useServices();
  return useQuery({
    queryKey: ["reader", reader],
    enabled: reader !== undefined,
    refetchInterval: 8000,
    queryFn: async () => {
      if (reader === undefined) throw new Error("no reader");
      const pool = { address: deployment.pool, abi: plauditPoolAbi } as const;
      const fromBlock = BigInt(deployment.deployBlock);
      const [[sweepFrom, fundedUntil], withdrawable, balance, subscribed] = await Promise.all([
        client.readContract({ ...pool, functionName: "readerEpochs", args: [reader] }),
        client.readContract({ ...pool, functionName: "withdrawableOf", args: [reader] }),
        client.readContract({ address: deployment.token, abi: tokenAbi, functionName: "balanceOf", args: [reader] }),
        client.getContractEvents({ ...pool, eventName: "Subscribed", args: { reader }, fromBlock }),
      ]);
      const firstSubscribed = subscribed.reduce<bigint | undefined>((min, log) => {
        const e = log.args.firstEpoch;
        return e === undefined ? min : min === undefined || e < min ? e : min;
      }, undefined);
      let first = firstSubscribed ?? sweepFrom;
      if (fundedUntil - first > MAX_EPOCHS_SHOWN) first = fundedUntil - MAX_EPOCHS_SHOWN;
      const epochs: bigint[] = [];
      for (let e = first; e < fundedUntil; e++) epochs.push(e);
      const budgets: EpochBudget[] = await Promise.all(
        epochs.map(async (epoch) => {
          const [amount, status, sessionNonce] = await client.readContract({
            ...pool,
            functionName: "budgetOf",
            args: [reader, epoch],
          });
          return { epoch, amount, sessionNonce, status: budgetStatusNames[status] ?? "Open" };
        }),
      );
      return { sweepFrom, fundedUntil, withdrawable, balance, budgets };
    },
  });
}
