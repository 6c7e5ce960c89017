/**
 * The relay's published policy and the decisions that need no chain: what a request must carry to be
 * relayed. Pure: the relayer (relayer.ts) performs, this decides.
 */
import type { Address } from "viem";

import {
  FEE_BEARING_ACTIONS,
  RELAY_ACTIONS,
  relayFeeOf,
  type RelayAction,
  type RelayPolicyResponse,
  type RelayRequest,
} from "@plaudit/protocol";
import type { RelayConfig } from "./config.js";

export interface RelayPolicyFacts {
  chainId: number;
  pool: Address;
  token: Address;
  /** The relay's sender, or undefined when the relay is off. */
  relayer: Address | undefined;
}

/** `GET /v1/relay/policy`. */
export function relayPolicy(config: RelayConfig, facts: RelayPolicyFacts): RelayPolicyResponse {
  const enabled = facts.relayer !== undefined;
  return {
    enabled,
    relayer: facts.relayer ?? null,
    chainId: facts.chainId,
    pool: facts.pool,
    token: facts.token,
    actions: enabled ? [...RELAY_ACTIONS] : [],
    minRelayerFee: config.relayMinFee.toString(),
    maxFeePerGas: config.relayMaxGasPrice.toString(),
    limits: { perAccountPerHour: config.relayAccountRate, perIpPerHour: config.relayIpRate },
  };
}

export function isFeeBearing(action: RelayAction): boolean {
  return (FEE_BEARING_ACTIONS as readonly RelayAction[]).includes(action);
}

/** Why a fee-bearing request is below the policy, or undefined when its fee is enough. */
export function feeShortfall<A extends RelayAction>(
  action: A,
  request: RelayRequest<A>,
  minRelayerFee: bigint,
): string | undefined {
  if (!isFeeBearing(action)) return undefined;
  const fee = relayFeeOf(request);
  if (fee >= minRelayerFee) return undefined;
  return `relayerFee ${fee} is below this keeper's minimum of ${minRelayerFee} token units (GET /v1/relay/policy)`;
}

/** Whether the chain's fee is above the ceiling, in words, or undefined when the relay may send. */
export function gasPriceRefusal(maxFeePerGas: bigint, ceiling: bigint): string | undefined {
  if (maxFeePerGas <= ceiling) return undefined;
  return `the chain's max fee per gas (${maxFeePerGas} wei) is above this keeper's relay ceiling (${ceiling} wei); retry later`;
}
