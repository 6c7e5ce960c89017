/**
 * How a reader funds a subscription or a tip with a given token, found once here from what the token itself
 * answers, with no token named in code: EIP-3009 `receiveWithAuthorization` where the token has it (one
 * signature, relayable), else an EIP-2612 permit or DAI's permit plus a signed `Subscription` (relayable),
 * else `approve` and `subscribe` (a transaction each, or one atomic EIP-5792 batch when the wallet says it
 * can). `detectFunding` reads the token; `choosePlan` (`chooseSubscribePlan`, `chooseTipPlan`) decides, purely,
 * what the dApp does for a reader; the builders give each path's calls.
 */
import {
  encodeFunctionData,
  erc20Abi,
  zeroHash,
  type Address,
  type Client,
  type Hex,
  type TypedDataDomain,
} from "viem";
import { getChainId, readContract } from "viem/actions";

import { plauditPoolAbi } from "./generated/abis.js";
import {
  PROBE_ADDRESS,
  readTokenDomain,
  tokenProbeAbi,
  tryRead,
  type KnownTokenDomain,
  type TokenDomainSource,
} from "./token-domain.js";

/** keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"), EIP-2612. */
export const EIP2612_PERMIT_TYPEHASH: Hex = "0x6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9";
/** keccak256("Permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed)"), DAI's. */
export const DAI_PERMIT_TYPEHASH: Hex = "0xea2aa0a1be11a07ed86d755c93467f4f82362b452371d1ba94d1715123511acb";

/** The ways a reader can fund a subscription, best first. */
export const FUNDING_PATHS = ["authorization", "permit", "daiPermit", "approve"] as const;
export type FundingPath = (typeof FUNDING_PATHS)[number];

export type PermitFlavour = "eip2612" | "dai";

/** What a token supports, as read from the token. */
export interface TokenFunding {
  token: Address;
  chainId: number;
  /** The token's EIP-712 domain, when one could be established; every signed path needs it. */
  domain: TypedDataDomain | undefined;
  domainSource: TokenDomainSource | undefined;
  /** EIP-3009 `receiveWithAuthorization` (`authorizationState` answers). */
  authorization: boolean;
  /** Which permit the token has (`nonces` answers; DAI's is told apart by its `PERMIT_TYPEHASH`). */
  permit: PermitFlavour | undefined;
  /** The best path: the first of `FUNDING_PATHS` the token supports. */
  path: FundingPath;
  /** Whether a reader holding no native coin can subscribe through a relayer (every path but approve). */
  gasless: boolean;
}

/** Reads what `token` supports. `knownDomains` adds domain shapes to the built-in table (token-domain.ts). */
export async function detectFunding(
  client: Client,
  token: Address,
  options: { knownDomains?: readonly KnownTokenDomain[] } = {},
): Promise<TokenFunding> {
  const [chainId, tokenDomain] = await Promise.all([getChainId(client), readTokenDomain(client, token, options)]);
  let authorization = false;
  let permit: PermitFlavour | undefined;
  if (tokenDomain !== undefined) {
    const [state, nonce, typehash] = await Promise.all([
      tryRead(() =>
        readContract(client, {
          address: token,
          abi: tokenProbeAbi,
          functionName: "authorizationState",
          args: [PROBE_ADDRESS, zeroHash],
        }),
      ),
      tryRead(() =>
        readContract(client, { address: token, abi: tokenProbeAbi, functionName: "nonces", args: [PROBE_ADDRESS] }),
      ),
      tryRead(() => readContract(client, { address: token, abi: tokenProbeAbi, functionName: "PERMIT_TYPEHASH" })),
    ]);
    authorization = typeof state === "boolean";
    permit = permitFlavour(nonce !== undefined, typehash);
  }
  const path = bestPath(authorization, permit);
  return {
    token,
    chainId,
    domain: tokenDomain?.domain,
    domainSource: tokenDomain?.source,
    authorization,
    permit,
    path,
    gasless: path !== "approve",
  };
}

/** Which permit a token with (or without) `nonces()` and this `PERMIT_TYPEHASH()` (if any) has. */
export function permitFlavour(hasNonces: boolean, typehash: Hex | undefined): PermitFlavour | undefined {
  if (!hasNonces) return undefined;
  if (typehash === undefined) return "eip2612"; // OpenZeppelin's ERC20Permit keeps its typehash private.
  const lower = typehash.toLowerCase();
  if (lower === DAI_PERMIT_TYPEHASH) return "dai";
  if (lower === EIP2612_PERMIT_TYPEHASH) return "eip2612";
  return undefined;
}

export function bestPath(authorization: boolean, permit: PermitFlavour | undefined): FundingPath {
  if (authorization) return "authorization";
  if (permit === "eip2612") return "permit";
  if (permit === "dai") return "daiPermit";
  return "approve";
}

// ------------------------------------------------------------------------------------------------
// Wallet batching (EIP-5792)
// ------------------------------------------------------------------------------------------------

/** What a wallet's `wallet_getCapabilities` (wagmi `useCapabilities`) answers, per chain. */
export type WalletCapabilities = Record<string | number, { atomic?: { status?: string } | undefined } | undefined>;

/**
 * Whether the wallet can send calls atomically on `chainId` (EIP-5792 `atomic` capability "supported", or
 * "ready": the wallet can upgrade the account, e.g. by EIP-7702, when the reader agrees). A wallet that
 * answers nothing (`undefined`: `methodNotFound`, as Rabby does) cannot.
 */
export function canBatchAtomically(capabilities: WalletCapabilities | undefined, chainId: number): boolean {
  if (capabilities === undefined) return false;
  const status = (capabilities[chainId] ?? capabilities[`0x${chainId.toString(16)}`])?.atomic?.status;
  return status === "supported" || status === "ready";
}

// ------------------------------------------------------------------------------------------------
// The plan for one reader and one pool action
// ------------------------------------------------------------------------------------------------

/** The pool actions a reader funds from its token: a subscription, or a one-off tip to a creator. */
export const FUNDED_ACTIONS = ["subscribe", "tip"] as const;
export type FundedAction = (typeof FUNDED_ACTIONS)[number];

/**
 * What the dApp does to fund `action` (`subscribe` or `tip`) for a reader; every path exists for both:
 * - `relay-authorization`: sign the EIP-3009 authorization whose nonce is the intent's digest
 *   (`subscriptionAuthorizationTypedData`, `tipAuthorizationTypedData`), POST it to the keeper's relay;
 * - `relay-permit`: sign the permit (`permitTypedData` or `daiPermitTypedData`) and the intent
 *   (`subscriptionTypedData`, `tipTypedData`), POST them to the relay (`permit` says which);
 * - `authorization`: sign the authorization, send `subscribeWithAuthorization` / `tipWithAuthorization`
 *   with a zero relayer fee;
 * - `permit`: sign an EIP-2612 permit, send `subscribeWithPermit` / `tipWithPermit`;
 * - `dai-permit`: sign DAI's permit and the intent, send `subscribeBySignature` / `tipBySignature` (zero fee);
 * - `subscribe` / `tip` (the action's name): the allowance is in place, send the plain call;
 * - `approve-batch`: send `approveAndCall`'s calls as one atomic EIP-5792 batch;
 * - `approve-then-subscribe` / `approve-then-tip`: send the same calls one transaction after the other
 *   (say so on screen);
 * - `needs-gas`: nothing works without native coin for this token (approve only) and no relay.
 */
export type FundingPlan<A extends FundedAction> =
  | { kind: "relay-authorization" }
  | { kind: "relay-permit"; permit: PermitFlavour }
  | { kind: "authorization" }
  | { kind: "permit" }
  | { kind: "dai-permit" }
  | { kind: A }
  | { kind: "approve-batch" }
  | { kind: `approve-then-${A}`; transactions: number }
  | { kind: "needs-gas" };
export type SubscribePlan = FundingPlan<"subscribe">;
export type TipPlan = FundingPlan<"tip">;

export interface ReaderSituation {
  /** Whether the reader can pay gas (holds native coin, or its wallet sponsors it). */
  hasNativeGas: boolean;
  /** Whether a keeper's relay is there (GET /v1/relay/policy answered `enabled`) and relays the action. */
  relayAvailable: boolean;
  /** `canBatchAtomically` for the reader's wallet on the pool's chain. */
  atomicBatch: boolean;
  /** The reader's allowance to the pool now. */
  allowance: bigint;
  /** What the action pulls: the subscription's total, or the tip. */
  total: bigint;
}

/** Decides how to fund `action` for a reader, from what the token supports and the reader's situation. */
export function choosePlan<A extends FundedAction>(
  action: A,
  funding: TokenFunding,
  reader: ReaderSituation,
): FundingPlan<A> {
  if (!reader.hasNativeGas) {
    if (!reader.relayAvailable) return { kind: "needs-gas" };
    if (funding.path === "authorization") return { kind: "relay-authorization" };
    if (funding.permit !== undefined) return { kind: "relay-permit", permit: funding.permit };
    return { kind: "needs-gas" };
  }
  if (reader.allowance >= reader.total) return { kind: action };
  if (funding.path === "authorization") return { kind: "authorization" };
  if (funding.path === "permit") return { kind: "permit" };
  if (funding.path === "daiPermit") return { kind: "dai-permit" };
  if (reader.atomicBatch) return { kind: "approve-batch" };
  const kind = `approve-then-${action}` as const;
  return { kind, transactions: approvalsNeeded(reader.allowance, reader.total) + 1 };
}

/** `choosePlan("subscribe", …)`: how to subscribe a reader. */
export function chooseSubscribePlan(funding: TokenFunding, reader: ReaderSituation): SubscribePlan {
  return choosePlan("subscribe", funding, reader);
}

/** `choosePlan("tip", …)`: how a reader sends a one-off tip. */
export function chooseTipPlan(funding: TokenFunding, reader: ReaderSituation): TipPlan {
  return choosePlan("tip", funding, reader);
}

/** Whether `plan` has the keeper's relay send the action (the reader pays the relay's fee on top). */
export function isRelayedPlan(plan: FundingPlan<FundedAction>): boolean {
  return plan.kind === "relay-authorization" || plan.kind === "relay-permit";
}

/** One call of a batch, as EIP-5792 `wallet_sendCalls` (wagmi `useSendCalls`) and `sendTransaction` take it. */
export interface Call {
  to: Address;
  data: Hex;
}

/**
 * How many `approve` calls come before the pool call: none when the allowance suffices, else one, or two
 * when a smaller non-zero allowance must first be set to zero (tokens such as USDT refuse to change one
 * non-zero allowance into another).
 */
export function approvalsNeeded(allowance: bigint, total: bigint): number {
  if (allowance >= total) return 0;
  return allowance === 0n ? 1 : 2;
}

/**
 * The approve path's calls, in order: the `approvalsNeeded` approvals of `total` (zero first, then `total`),
 * then `call`, the pool call that pulls `total`.
 */
export function approveAndCall(request: {
  token: Address;
  pool: Address;
  allowance: bigint;
  total: bigint;
  call: Call;
}): Call[] {
  const { token, pool, allowance, total, call } = request;
  const approve = (value: bigint): Call => ({
    to: token,
    data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [pool, value] }),
  });
  const approvals = approvalsNeeded(allowance, total);
  const calls: Call[] = approvals === 2 ? [approve(0n), approve(total)] : approvals === 1 ? [approve(total)] : [];
  calls.push(call);
  return calls;
}

/** The approve path's calls for `subscribe(args)`. */
export function approveAndSubscribeCalls(request: {
  token: Address;
  pool: Address;
  allowance: bigint;
  args: readonly [amountPerEpoch: bigint, epochs: bigint, firstEpoch: bigint];
}): Call[] {
  const { args, pool } = request;
  return approveAndCall({
    ...request,
    total: args[0] * args[1],
    call: { to: pool, data: encodeFunctionData({ abi: plauditPoolAbi, functionName: "subscribe", args }) },
  });
}

/** The approve path's calls for `tip(creator, amount)`. */
export function approveAndTipCalls(request: {
  token: Address;
  pool: Address;
  allowance: bigint;
  creator: Address;
  amount: bigint;
}): Call[] {
  const { pool, creator, amount } = request;
  return approveAndCall({
    ...request,
    total: amount,
    call: { to: pool, data: encodeFunctionData({ abi: plauditPoolAbi, functionName: "tip", args: [creator, amount] }) },
  });
}
