/**
 * EIP-2612 permits for the pool's stablecoin (`subscribeWithPermit`). `Permit` is the standard's own
 * type, not Plaudit's; the token's domain is read from the token itself (ERC-5267 `eip712Domain`),
 * never assumed.
 */
import type { Address, Hex } from "viem";

export const permitTypes = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** What `eip712Domain()` returns: fields bitmap, name, version, chainId, verifyingContract, salt, extensions. */
export type Eip712DomainResult = readonly [Hex, string, string, bigint, Address, Hex, readonly bigint[]];

export interface PermitRequest {
  owner: Address;
  spender: Address;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
}

export function permitTypedData(domain: Eip712DomainResult, request: PermitRequest) {
  const [, name, version, chainId, verifyingContract] = domain;
  return {
    domain: { name, version, chainId: Number(chainId), verifyingContract },
    types: permitTypes,
    primaryType: "Permit",
    message: request,
  } as const;
}
