/**
 * The one transaction lifecycle of the dApp: preparing (and any signatures the call needs), a
 * simulation that surfaces the pool's custom errors before the wallet opens, the wallet prompt, the
 * pending transaction and its receipt. Every failure becomes a sentence via `describeError`.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import type { ContractFunctionArgs, ContractFunctionName, Hash, TransactionReceipt } from "viem";
import { useConfig, useConnection } from "wagmi";
import { getWalletClient } from "wagmi/actions";

import type { plauditPoolAbi } from "@plaudit/protocol";
import { poolAbiWithTokenErrors } from "../contracts/pool.js";
import { describeError } from "../lib/errors.js";
import { useServices } from "./services.js";

type PoolWrite = ContractFunctionName<typeof plauditPoolAbi, "nonpayable">;

export interface PoolCall<F extends PoolWrite = PoolWrite> {
  functionName: F;
  args: ContractFunctionArgs<typeof plauditPoolAbi, "nonpayable", F>;
}

export type TxState =
  | { phase: "idle" }
  | { phase: "preparing"; note: string }
  | { phase: "wallet"; note: string }
  | { phase: "pending"; hash: Hash }
  | { phase: "success"; hash: Hash }
  | { phase: "error"; message: string };

/** Progress callback for steps before the transaction (e.g. "sign the permit"). */
export type Step = (note: string, phase?: "preparing" | "wallet") => void;

export function useTx() {
  const config = useConfig();
  const { deployment, client, errorContext } = useServices();
  const { address, chainId } = useConnection();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TxState>({ phase: "idle" });

  const run = useCallback(
    async (build: (step: Step) => Promise<PoolCall>): Promise<TransactionReceipt | undefined> => {
      try {
        if (address === undefined) throw new Error("Connect a wallet first.");
        if (chainId !== deployment.chainId)
          throw new Error("Your wallet is on the wrong network: switch to the pool's network first.");
        setState({ phase: "preparing", note: "Preparing…" });
        const call = await build((note, phase = "wallet") => setState({ phase, note }));
        setState({ phase: "preparing", note: "Checking the transaction…" });
        const { request } = await client.simulateContract({
          address: deployment.pool,
          abi: poolAbiWithTokenErrors,
          functionName: call.functionName,
          args: call.args,
          account: address,
        } as Parameters<typeof client.simulateContract>[0]);
        setState({ phase: "wallet", note: "Confirm the transaction in your wallet…" });
        const wallet = await getWalletClient(config, { chainId: deployment.chainId, account: address });
        const hash = await wallet.writeContract(request as Parameters<typeof wallet.writeContract>[0]);
        setState({ phase: "pending", hash });
        const receipt = await client.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") throw new Error("The transaction was reverted on chain.");
        setState({ phase: "success", hash });
        await queryClient.invalidateQueries();
        return receipt;
      } catch (error) {
        setState({ phase: "error", message: describeError(error, errorContext) });
        return undefined;
      }
    },
    [address, chainId, client, config, deployment, errorContext, queryClient],
  );

  const busy = state.phase === "preparing" || state.phase === "wallet" || state.phase === "pending";
  return { state, run, busy, reset: () => setState({ phase: "idle" }) };
}
