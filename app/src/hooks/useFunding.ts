/**
 * What the protocol's `choosePlan` needs to know about a reader, for any funded action (a subscription, a
 * tip): what the token supports (`detectFunding`, read once), the reader's allowance to the pool, whether it
 * can pay gas, whether the keeper relays the action, and whether its wallet batches atomically (EIP-5792).
 * `context` gives lib/subscribeAction.ts and lib/tipAction.ts what they sign and send with.
 */
import { useQuery } from "@tanstack/react-query";
import { erc20Abi, type Address } from "viem";
import { useCapabilities, useConfig } from "wagmi";

import {
  canBatchAtomically,
  detectFunding,
  plauditPoolAbi,
  tokenProbeAbi,
  isRelayedPlan,
  type FundedAction,
  type FundingPlan,
  type ReaderSituation,
  type RelayAction,
  type RelayPolicy,
  type TokenFunding,
  type WalletCapabilities,
} from "@plaudit/protocol";
import { relays } from "../lib/relay.js";
import type { FundingContext } from "../lib/subscribeAction.js";
import { useServices } from "./services.js";
import { walletSigner } from "./useIntents.js";
import { useNativeGas } from "./useNativeGas.js";
import { useRelayPolicy } from "./useRelay.js";

/** The relay actions that carry a funded action: by EIP-3009 authorization, or by signature (with a permit). */
export interface RelayedActions {
  authorization: RelayAction;
  signature: RelayAction;
}

/** The relay action a token's best path takes. */
export function relayActionFor(funding: TokenFunding, actions: RelayedActions): RelayAction {
  return funding.path === "authorization" ? actions.authorization : actions.signature;
}

/** What is read about the token, the reader, its wallet and the keeper's relay. */
export interface FundingReads {
  funding: TokenFunding;
  allowance: bigint;
  hasNativeGas: boolean;
  atomicBatch: boolean;
  /** The keeper's relay policy when it serves this deployment. */
  policy: RelayPolicy | undefined;
}

/** The reader's situation for an action that pulls `total` and that the relay carries as `actions`. */
export function readerSituation(reads: FundingReads, actions: RelayedActions, total: bigint): ReaderSituation {
  return {
    hasNativeGas: reads.hasNativeGas,
    relayAvailable: relays(reads.policy, relayActionFor(reads.funding, actions)),
    atomicBatch: reads.atomicBatch,
    allowance: reads.allowance,
    total,
  };
}

/** The keeper's fee for `plan`: its policy's least fee when the relay sends it, else none. */
export function relayerFeeOf(plan: FundingPlan<FundedAction> | undefined, policy: RelayPolicy | undefined): bigint {
  return plan !== undefined && isRelayedPlan(plan) ? (policy?.minRelayerFee ?? 0n) : 0n;
}

export function useFunding(reader: Address) {
  const { deployment, client } = useServices();
  const config = useConfig();
  const funding = useQuery({
    queryKey: ["funding", deployment.chainId, deployment.token],
    staleTime: Infinity,
    queryFn: () => detectFunding(client, deployment.token),
  });
  const allowance = useQuery({
    queryKey: ["allowance", reader],
    queryFn: () =>
      client.readContract({
        address: deployment.token,
        abi: erc20Abi,
        functionName: "allowance",
        args: [reader, deployment.pool],
      }),
  });
  const { hasNativeGas } = useNativeGas(reader);
  const { policy } = useRelayPolicy();
  // A wallet without EIP-5792 (Rabby answers methodNotFound) has no capabilities: it cannot batch.
  const capabilities = useCapabilities({ account: reader, query: { retry: false } });
  const atomicBatch = canBatchAtomically(capabilities.data as WalletCapabilities | undefined, deployment.chainId);

  const reads: FundingReads | undefined =
    funding.data === undefined || allowance.data === undefined || hasNativeGas === undefined
      ? undefined
      : { funding: funding.data, allowance: allowance.data, hasNativeGas, atomicBatch, policy };

  const context = (relayerFee: bigint, now: bigint): FundingContext => ({
    reader,
    pool: deployment.pool,
    token: deployment.token,
    chainId: deployment.chainId,
    tokenDomain: funding.data?.domain,
    relayerFee,
    allowance: allowance.data ?? 0n,
    now,
    readIntentNonce: () =>
      client.readContract({
        address: deployment.pool,
        abi: plauditPoolAbi,
        functionName: "intentNonceOf",
        args: [reader],
      }),
    readPermitNonce: () =>
      client.readContract({ address: deployment.token, abi: tokenProbeAbi, functionName: "nonces", args: [reader] }),
    sign: walletSigner(config, reader),
  });

  return { reads, context };
}
