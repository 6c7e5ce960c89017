/**
 * The one transaction lifecycle of the dApp: preparing (and any signatures the call needs), a
 * simulation that surfaces the pool's custom errors before the wallet opens, the wallet prompt, the
 * pending transaction and its receipt. Every failure becomes a sentence via `describeError`.
 * `run` sends one pool call from the reader's wallet. `track` follows any flow through the same states
 * with the senders it is given: `sendPoolCall` (the wallet), `relay` (the keeper's relay, for a reader
 * without gas: the relayed transaction is followed to its outcome), `sendCalls` (the approve path: one
 * atomic EIP-5792 batch, or one transaction after the other).
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import type { ContractFunctionArgs, ContractFunctionName, Hash, TransactionReceipt } from "viem";
import { useConfig, useConnection } from "wagmi";
import { getWalletClient, sendCalls as sendWalletCalls, waitForCallsStatus } from "wagmi/actions";

import type { Call, plauditPoolAbi, RelayAction, RelayRequestInput } from "@plaudit/protocol";
import { poolAbiWithTokenErrors } from "../contracts/pool.js";
import { describeError } from "../lib/errors.js";
import { relayAndFollow } from "../lib/relay.js";
import { useServices } from "./services.js";

type PoolWrite = ContractFunctionName<typeof plauditPoolAbi, "nonpayable">;

export interface PoolCall<F extends PoolWrite = PoolWrite> {
  functionName: F;
  args: ContractFunctionArgs<typeof plauditPoolAbi, "nonpayable", F>;
}

/** Who sent the transaction being followed: the reader's wallet, or the keeper's relay for the reader. */
export type Sender = "wallet" | "keeper";

export type TxState =
  | { phase: "idle" }
  | { phase: "preparing"; note: string }
  | { phase: "wallet"; note: string }
  | { phase: "pending"; hash: Hash; sender: Sender }
  | { phase: "batch"; note: string }
  | { phase: "success"; hash: Hash | undefined; sender: Sender }
  | { phase: "error"; message: string };

/** Progress callback for steps before the transaction (e.g. "sign the permit"). */
export type Step = (note: string, phase?: "preparing" | "wallet" | "batch") => void;

/** What a tracked flow reports as it goes. */
export interface Progress {
  step: Step;
  /** A transaction was sent and is being followed. */
  pending(hash: Hash, sender: Sender): void;
}

/** The transaction a flow ends with, shown as done. */
export interface Sent {
  hash: Hash | undefined;
  sender: Sender;
  /** The receipt, when the reader's wallet sent one pool call. */
  receipt?: TransactionReceipt;
}

/** Names what each call of a sequence does, for the on-screen steps ("allow the pool to take the amount"). */
export type CallWords = (call: Call, index: number, calls: readonly Call[]) => string;

/**
 * What a funded action (a subscription, a tip) comes to once planned and signed: a request the keeper
 * relays (one of the relay actions `A`), one pool call from the wallet, or calls the wallet sends.
 */
export type FundedAction<A extends RelayAction> =
  | (A extends RelayAction ? { via: "relay"; action: A; request: RelayRequestInput<A> } : never)
  | { via: "wallet"; call: PoolCall }
  | { via: "calls"; calls: Call[]; atomic: boolean };

export function useTx() {
  const config = useConfig();
  const { deployment, client, errorContext, keeper } = useServices();
  const { address, chainId } = useConnection();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TxState>({ phase: "idle" });

  /** Runs `flow` through the lifecycle's states; the transaction it returns is shown as done. */
  const track = useCallback(
    async (flow: (progress: Progress) => Promise<Sent>): Promise<Sent | undefined> => {
      try {
        setState({ phase: "preparing", note: "Preparing…" });
        const sent = await flow({
          step: (note, phase = "wallet") => setState({ phase, note }),
          pending: (hash, sender) => setState({ phase: "pending", hash, sender }),
        });
        setState({ phase: "success", hash: sent.hash, sender: sent.sender });
        await queryClient.invalidateQueries();
        return sent;
      } catch (error) {
        setState({ phase: "error", message: describeError(error, errorContext) });
        return undefined;
      }
    },
    [errorContext, queryClient],
  );

  const walletAccount = useCallback(() => {
    if (address === undefined) throw new Error("Connect a wallet first.");
    if (chainId !== deployment.chainId)
      throw new Error("Your wallet is on the wrong network: switch to the pool's network first.");
    return address;
  }, [address, chainId, deployment.chainId]);

  /** Simulates `call` (the pool's errors in words before the wallet opens), has the wallet send it, waits. */
  const sendPoolCall = useCallback(
    async (call: PoolCall, { step, pending }: Progress): Promise<Sent> => {
      const account = walletAccount();
      step("Checking the transaction…", "preparing");
      const { request } = await client.simulateContract({
        address: deployment.pool,
        abi: poolAbiWithTokenErrors,
        functionName: call.functionName,
        args: call.args,
        account,
      } as Parameters<typeof client.simulateContract>[0]);
      step("Confirm the transaction in your wallet…");
      const wallet = await getWalletClient(config, { chainId: deployment.chainId, account });
      const hash = await wallet.writeContract(request as Parameters<typeof wallet.writeContract>[0]);
      pending(hash, "wallet");
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error("The transaction was reverted on chain.");
      return { hash, sender: "wallet", receipt };
    },
    [client, config, deployment, walletAccount],
  );

  /** Has the keeper relay a signed request (it simulates first), then follows the transaction it sent. */
  const relay = useCallback(
    async <A extends RelayAction>(action: A, request: RelayRequestInput<A>, { step, pending }: Progress) => {
      if (keeper === undefined) throw new Error("This deployment names no keeper to relay through.");
      step("Sending your signed request to the keeper…", "preparing");
      const transaction = await relayAndFollow(keeper, action, request, (hash) => pending(hash, "keeper"));
      return { hash: transaction.hash, sender: "keeper" } satisfies Sent;
    },
    [keeper],
  );

  /**
   * Sends `calls` as one atomic EIP-5792 batch (`atomic`), or one transaction after the other, each
   * announced with its number and what it does (`words`).
   */
  const sendCalls = useCallback(
    async (calls: readonly Call[], atomic: boolean, words: CallWords, { step, pending }: Progress): Promise<Sent> => {
      const account = walletAccount();
      if (atomic) {
        step(
          `Confirm the ${calls.length} calls (${calls.map((c, i) => words(c, i, calls)).join(", then ")}) in your wallet: it sends them together…`,
        );
        const { id } = await sendWalletCalls(config, {
          account,
          chainId: deployment.chainId,
          calls: calls.map((call) => ({ to: call.to, data: call.data })),
          forceAtomic: true,
        });
        step("Your wallet sent the batch; waiting for it to be mined…", "batch");
        const result = await waitForCallsStatus(config, { id });
        if (result.status !== "success") throw new Error("The batch failed on chain: nothing was done.");
        return { hash: result.receipts?.at(-1)?.transactionHash, sender: "wallet" };
      }
      const wallet = await getWalletClient(config, { chainId: deployment.chainId, account });
      let hash: Hash | undefined;
      for (const [index, call] of calls.entries()) {
        step(`Transaction ${index + 1} of ${calls.length}: ${words(call, index, calls)}. Confirm it in your wallet…`);
        hash = await wallet.sendTransaction({ account, chain: wallet.chain, to: call.to, data: call.data });
        pending(hash, "wallet");
        const receipt = await client.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success")
          throw new Error(`Transaction ${index + 1} of ${calls.length} was reverted on chain.`);
      }
      return { hash, sender: "wallet" };
    },
    [client, config, deployment.chainId, walletAccount],
  );

  const run = useCallback(
    async (build: (step: Step) => Promise<PoolCall>): Promise<TransactionReceipt | undefined> =>
      (
        await track(async (progress) => {
          walletAccount();
          return sendPoolCall(await build(progress.step), progress);
        })
      )?.receipt,
    [sendPoolCall, track, walletAccount],
  );

  const busy =
    state.phase === "preparing" || state.phase === "wallet" || state.phase === "pending" || state.phase === "batch";
  /** Sends a funded action by whichever way it was planned: the keeper's relay, a pool call or calls. */
  const sendAction = useCallback(
    async <A extends RelayAction>(action: FundedAction<A>, words: CallWords, progress: Progress): Promise<Sent> => {
      switch (action.via) {
        case "relay":
          return relay(action.action, action.request, progress);
        case "wallet":
          return sendPoolCall(action.call, progress);
        case "calls":
          return sendCalls(action.calls, action.atomic, words, progress);
      }
    },
    [relay, sendPoolCall, sendCalls],
  );

  return {
    state,
    run,
    track,
    sendPoolCall,
    relay,
    sendCalls,
    sendAction,
    busy,
    reset: () => setState({ phase: "idle" }),
  };
}
