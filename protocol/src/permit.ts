/**
 * The token-side messages a reader signs so that the pool can take its funds: EIP-2612 `Permit`
 * (`subscribeWithPermit`, `subscribeBySignature`), DAI's older `Permit` and EIP-3009's
 * `ReceiveWithAuthorization` (`subscribeWithAuthorization`). These are the standards' own types, not
 * Plaudit's; the token's domain is read from the token itself (token-domain.ts `readTokenDomain`: ERC-5267
 * where the token has it, else `name()` / `version()` checked against `DOMAIN_SEPARATOR()`, as on USDC),
 * never assumed.
 */
import type { Address, Hex, TypedDataDomain } from "viem";

import { plauditDomain, type PlauditDomain } from "./eip712.js";
import {
  subscriptionDigest,
  subscriptionValue,
  tipDigest,
  tipValue,
  type SubscriptionMessage,
  type TipMessage,
} from "./intents.js";
import { domainFromEip712Domain, type Eip712DomainResult } from "./token-domain.js";

export const permitTypes = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** DAI's permit (mainnet DAI, before EIP-2612): all or nothing, `expiry` 0 never expires. */
export const daiPermitTypes = {
  Permit: [
    { name: "holder", type: "address" },
    { name: "spender", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "expiry", type: "uint256" },
    { name: "allowed", type: "bool" },
  ],
} as const;

/** EIP-3009's authorization that only the payee (`to`) may submit. */
export const receiveWithAuthorizationTypes = {
  ReceiveWithAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" },
    { name: "validBefore", type: "uint256" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

/** EIP-3009's cancellation of an unused authorization nonce (the reader withdraws an authorization it signed). */
export const cancelAuthorizationTypes = {
  CancelAuthorization: [
    { name: "authorizer", type: "address" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

export interface PermitRequest {
  owner: Address;
  spender: Address;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
}

export interface DaiPermitRequest {
  holder: Address;
  spender: Address;
  nonce: bigint;
  expiry: bigint;
  allowed: boolean;
}

export interface ReceiveWithAuthorizationRequest {
  from: Address;
  to: Address;
  value: bigint;
  validAfter: bigint;
  validBefore: bigint;
  nonce: Hex;
}

/** A token domain as `readTokenDomain` gives it, or an `eip712Domain()` answer. */
export type TokenDomainInput = TypedDataDomain | Eip712DomainResult;

function asDomain(domain: TokenDomainInput): TypedDataDomain {
  return Array.isArray(domain) ? domainFromEip712Domain(domain as Eip712DomainResult) : (domain as TypedDataDomain);
}

export function permitTypedData(domain: TokenDomainInput, request: PermitRequest) {
  return { domain: asDomain(domain), types: permitTypes, primaryType: "Permit", message: request } as const;
}

export function daiPermitTypedData(domain: TokenDomainInput, request: DaiPermitRequest) {
  return { domain: asDomain(domain), types: daiPermitTypes, primaryType: "Permit", message: request } as const;
}

export function receiveWithAuthorizationTypedData(domain: TokenDomainInput, request: ReceiveWithAuthorizationRequest) {
  return {
    domain: asDomain(domain),
    types: receiveWithAuthorizationTypes,
    primaryType: "ReceiveWithAuthorization",
    message: request,
  } as const;
}

export function cancelAuthorizationTypedData(domain: TokenDomainInput, request: { authorizer: Address; nonce: Hex }) {
  return {
    domain: asDomain(domain),
    types: cancelAuthorizationTypes,
    primaryType: "CancelAuthorization",
    message: request,
  } as const;
}

/** The pool takes EIP-3009 authorizations valid from the start of time (PlauditFunding's `AUTHORIZATION_VALID_AFTER`). */
export const AUTHORIZATION_VALID_AFTER = 0n;

/**
 * The `ReceiveWithAuthorization` a reader signs for `subscribeWithAuthorization(terms, signature)`: from the
 * reader to the pool, the budgets plus the relayer's fee, valid before `terms.deadline`, with the digest of
 * `terms` under the pool's domain as its nonce, so that the authorization is good for these terms only.
 */
export function subscriptionAuthorizationTypedData(
  tokenDomain: TokenDomainInput,
  pool: PlauditDomain | { chainId: number; pool: Address },
  terms: SubscriptionMessage,
) {
  const domain = "verifyingContract" in pool ? pool : plauditDomain(pool.chainId, pool.pool);
  return receiveWithAuthorizationTypedData(tokenDomain, {
    from: terms.reader,
    to: domain.verifyingContract,
    value: subscriptionValue(terms),
    validAfter: AUTHORIZATION_VALID_AFTER,
    validBefore: terms.deadline,
    nonce: subscriptionDigest(domain, terms),
  });
}

/**
 * The `ReceiveWithAuthorization` a reader signs for `tipWithAuthorization(terms, signature)`: from the reader
 * to the pool, the tip plus the relayer's fee, valid before `terms.deadline`, with the tip's digest under the
 * pool's domain as its nonce.
 */
export function tipAuthorizationTypedData(
  tokenDomain: TokenDomainInput,
  pool: PlauditDomain | { chainId: number; pool: Address },
  terms: TipMessage,
) {
  const domain = "verifyingContract" in pool ? pool : plauditDomain(pool.chainId, pool.pool);
  return receiveWithAuthorizationTypedData(tokenDomain, {
    from: terms.reader,
    to: domain.verifyingContract,
    value: tipValue(terms),
    validAfter: AUTHORIZATION_VALID_AFTER,
    validBefore: terms.deadline,
    nonce: tipDigest(domain, terms),
  });
}
