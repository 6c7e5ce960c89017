/**
 * The keeper's relay, once: the wire formats of `POST /v1/relay/…` (a reader's signed intents, a creator's
 * claim), of the relay's answers and of its published policy, and the pool calls each request becomes.
 * Integers that may exceed 2^53 travel as decimal strings. docs/keeper-api.md describes the routes in words.
 */
import { encodeFunctionData, type Address, type Hex } from "viem";
import { z } from "zod";

import { PermitKind, plauditPoolAbi } from "./generated/abis.js";
import {
  NO_PERMIT,
  tokenPermit,
  type CancellationMessage,
  type RevocationMessage,
  type SubscriptionMessage,
  type TipMessage,
  type TokenPermitStruct,
  type WithdrawalMessage,
} from "./intents.js";
import { MAX_SUBSCRIPTION_EPOCHS } from "./limits.js";
import { addressSchema, signatureSchema } from "./schemas.js";

/** Every relay action, as its route names it: `POST /v1/relay/<action>`. */
export const RELAY_ACTIONS = [
  "subscribe-with-authorization",
  "subscribe-by-signature",
  "cancel",
  "withdraw",
  "revoke-sessions",
  "claim",
  "tip-with-authorization",
  "tip-by-signature",
] as const;
export type RelayAction = (typeof RELAY_ACTIONS)[number];

/** The actions that carry a relayer fee the reader signed (the others pay none). */
export const FEE_BEARING_ACTIONS = [
  "subscribe-with-authorization",
  "subscribe-by-signature",
  "cancel",
  "withdraw",
  "tip-with-authorization",
  "tip-by-signature",
] as const satisfies readonly RelayAction[];

/** Every `error.code` the relay answers with, beside the keeper's own (`KEEPER_ERROR_CODES`). */
export const RELAY_ERROR_CODES = [
  // 403: the relay is switched off on this keeper (no relay key configured)
  "relay_disabled",
  // 409: the reader (or creator) already has a relayed transaction pending
  "relay_in_flight",
  // 422: the signed fee is below the keeper's published policy
  "fee_below_policy",
  // 422: the pool would revert the call (the message names the pool's error)
  "relay_reverts",
  // 503: the chain's gas price is above the keeper's ceiling; retry later
  "gas_price_above_ceiling",
] as const;
export type RelayErrorCode = (typeof RELAY_ERROR_CODES)[number];

const MAX_UINT256 = 2n ** 256n - 1n;

/** A uint256 as a decimal string (or a safe integer). */
const uint256Schema = z
  .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^[0-9]{1,78}$/)])
  .transform((value) => BigInt(value))
  .refine((value) => value <= MAX_UINT256, { message: "exceeds uint256" });

const uint64Schema = uint256Schema.refine((value) => value < 2n ** 64n, { message: "exceeds uint64" });

/** `Subscription`, as the reader signed it. */
export const subscriptionSchema = z.strictObject({
  reader: addressSchema,
  amountPerEpoch: uint256Schema.refine((value) => value > 0n, { message: "must be positive" }),
  epochs: uint64Schema.refine((value) => value >= 1n && value <= BigInt(MAX_SUBSCRIPTION_EPOCHS), {
    message: `must be 1 to ${MAX_SUBSCRIPTION_EPOCHS}`,
  }),
  firstEpoch: uint64Schema,
  relayerFee: uint256Schema,
  nonce: uint256Schema,
  deadline: uint256Schema,
});

/** `Cancellation`, as the reader signed it. */
export const cancellationSchema = z.strictObject({
  reader: addressSchema,
  fromEpoch: uint64Schema,
  relayerFee: uint256Schema,
  nonce: uint256Schema,
  deadline: uint256Schema,
});

/** `Withdrawal`, as the reader signed it. */
export const withdrawalSchema = z.strictObject({
  reader: addressSchema,
  relayerFee: uint256Schema,
  nonce: uint256Schema,
  deadline: uint256Schema,
});

/** `Revocation`, as the reader signed it. */
export const revocationSchema = z.strictObject({
  reader: addressSchema,
  nonce: uint256Schema,
  deadline: uint256Schema,
});

/** `Tip`, as the reader signed it. */
export const tipSchema = z.strictObject({
  reader: addressSchema,
  creator: addressSchema,
  amount: uint256Schema.refine((value) => value > 0n, { message: "must be positive" }),
  relayerFee: uint256Schema,
  nonce: uint256Schema,
  deadline: uint256Schema,
});

/** The reader's token permit for `subscribe-by-signature`: none (allowance in place), EIP-2612 or DAI's. */
export const relayPermitSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("none") }),
  z.strictObject({ kind: z.literal("eip2612"), deadline: uint256Schema, signature: signatureSchema }),
  z.strictObject({ kind: z.literal("dai"), nonce: uint256Schema, expiry: uint256Schema, signature: signatureSchema }),
]);

/** `POST /v1/relay/subscribe-with-authorization`: the terms and the reader's EIP-3009 authorization signature. */
export const relaySubscribeWithAuthorizationSchema = z.strictObject({
  subscription: subscriptionSchema,
  signature: signatureSchema,
});

/** `POST /v1/relay/subscribe-by-signature`: the terms, the reader's signature of them, and its token permit. */
export const relaySubscribeBySignatureSchema = z.strictObject({
  subscription: subscriptionSchema,
  permit: relayPermitSchema,
  signature: signatureSchema,
});

/** `POST /v1/relay/cancel`. */
export const relayCancelSchema = z.strictObject({ cancellation: cancellationSchema, signature: signatureSchema });
/** `POST /v1/relay/withdraw`. */
export const relayWithdrawSchema = z.strictObject({ withdrawal: withdrawalSchema, signature: signatureSchema });
/** `POST /v1/relay/revoke-sessions`. */
export const relayRevokeSessionsSchema = z.strictObject({
  revocation: revocationSchema,
  signature: signatureSchema,
});
/** `POST /v1/relay/tip-with-authorization`: the tip and the reader's EIP-3009 authorization signature. */
export const relayTipWithAuthorizationSchema = z.strictObject({ tip: tipSchema, signature: signatureSchema });
/** `POST /v1/relay/tip-by-signature`: the tip, the reader's signature of it, and its token permit. */
export const relayTipBySignatureSchema = z.strictObject({
  tip: tipSchema,
  permit: relayPermitSchema,
  signature: signatureSchema,
});
/** `POST /v1/relay/claim`: `claim(creator)`, which pays the creator's balance to the creator. */
export const relayClaimSchema = z.strictObject({ creator: addressSchema });

/** Each action's request body. */
export const RELAY_REQUEST_SCHEMAS = {
  "subscribe-with-authorization": relaySubscribeWithAuthorizationSchema,
  "subscribe-by-signature": relaySubscribeBySignatureSchema,
  cancel: relayCancelSchema,
  withdraw: relayWithdrawSchema,
  "revoke-sessions": relayRevokeSessionsSchema,
  claim: relayClaimSchema,
  "tip-with-authorization": relayTipWithAuthorizationSchema,
  "tip-by-signature": relayTipBySignatureSchema,
} as const satisfies Record<RelayAction, z.ZodType>;

export type RelayRequestInput<A extends RelayAction> = z.input<(typeof RELAY_REQUEST_SCHEMAS)[A]>;
export type RelayRequest<A extends RelayAction> = z.output<(typeof RELAY_REQUEST_SCHEMAS)[A]>;

const hashSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "not a transaction hash")
  .transform((value) => value.toLowerCase() as Hex);
const decimalSchema = z
  .union([z.number().int().nonnegative(), z.string().regex(/^[0-9]{1,78}$/)])
  .transform((value) => BigInt(value));

export const RELAY_STATUSES = ["pending", "confirmed", "failed"] as const;
export type RelayStatus = (typeof RELAY_STATUSES)[number];

/** `POST /v1/relay/<action>`: 202, the transaction the keeper sent; follow it with `GET /v1/relay/transactions/:hash`. */
export const relaySubmittedResponseSchema = z.strictObject({
  hash: hashSchema,
  action: z.enum(RELAY_ACTIONS),
  status: z.literal("pending"),
});
export type RelaySubmittedResponse = z.input<typeof relaySubmittedResponseSchema>;
export type RelaySubmitted = z.output<typeof relaySubmittedResponseSchema>;

/** `GET /v1/relay/transactions/:hash`: where a relayed transaction stands (`failed`: mined and reverted, or dropped). */
export const relayTransactionResponseSchema = z.strictObject({
  hash: hashSchema,
  action: z.enum(RELAY_ACTIONS),
  /** The reader (or, for a claim, the creator) the transaction acts for. */
  account: addressSchema,
  status: z.enum(RELAY_STATUSES),
  blockNumber: decimalSchema.nullable(),
  gasUsed: decimalSchema.nullable(),
});
export type RelayTransactionResponse = z.input<typeof relayTransactionResponseSchema>;
export type RelayTransaction = z.output<typeof relayTransactionResponseSchema>;

/**
 * `GET /v1/relay/policy`: what this keeper relays and for what fee, shown to the reader before it signs.
 * `minRelayerFee` is in token units, the least `relayerFee` a fee-bearing action must carry (zero: free).
 */
export const relayPolicyResponseSchema = z.strictObject({
  enabled: z.boolean(),
  /** The relay's sender: the `relayer` of `IntentExecuted`, who receives the fees. */
  relayer: addressSchema.nullable(),
  chainId: z.number().int().positive(),
  pool: addressSchema,
  token: addressSchema,
  actions: z.array(z.enum(RELAY_ACTIONS)),
  minRelayerFee: decimalSchema,
  /** The relay sends nothing while the chain's max fee per gas (wei) is above this. */
  maxFeePerGas: decimalSchema,
  limits: z.strictObject({
    /** Relayed requests per reader (or creator) per hour. */
    perAccountPerHour: z.number().nonnegative(),
    /** Relayed requests per client IP per hour. */
    perIpPerHour: z.number().nonnegative(),
  }),
});
export type RelayPolicyResponse = z.input<typeof relayPolicyResponseSchema>;
export type RelayPolicy = z.output<typeof relayPolicyResponseSchema>;

// ------------------------------------------------------------------------------------------------
// Wire to pool call
// ------------------------------------------------------------------------------------------------

/** The pool's `TokenPermit` for a parsed relay permit. */
export function tokenPermitOf(permit: z.output<typeof relayPermitSchema>): TokenPermitStruct {
  if (permit.kind === "eip2612")
    return tokenPermit(PermitKind.Eip2612, permit.signature, { deadline: permit.deadline });
  if (permit.kind === "dai")
    return tokenPermit(PermitKind.Dai, permit.signature, { deadline: permit.expiry, nonce: permit.nonce });
  return NO_PERMIT;
}

/** The wire form of signed messages (bigints as decimal strings), for a client to post. */
export function subscriptionToWire(terms: SubscriptionMessage): z.input<typeof subscriptionSchema> {
  return {
    reader: terms.reader,
    amountPerEpoch: terms.amountPerEpoch.toString(),
    epochs: terms.epochs.toString(),
    firstEpoch: terms.firstEpoch.toString(),
    relayerFee: terms.relayerFee.toString(),
    nonce: terms.nonce.toString(),
    deadline: terms.deadline.toString(),
  };
}

export function cancellationToWire(message: CancellationMessage): z.input<typeof cancellationSchema> {
  return {
    reader: message.reader,
    fromEpoch: message.fromEpoch.toString(),
    relayerFee: message.relayerFee.toString(),
    nonce: message.nonce.toString(),
    deadline: message.deadline.toString(),
  };
}

export function withdrawalToWire(message: WithdrawalMessage): z.input<typeof withdrawalSchema> {
  return {
    reader: message.reader,
    relayerFee: message.relayerFee.toString(),
    nonce: message.nonce.toString(),
    deadline: message.deadline.toString(),
  };
}

export function tipToWire(terms: TipMessage): z.input<typeof tipSchema> {
  return {
    reader: terms.reader,
    creator: terms.creator,
    amount: terms.amount.toString(),
    relayerFee: terms.relayerFee.toString(),
    nonce: terms.nonce.toString(),
    deadline: terms.deadline.toString(),
  };
}

export function revocationToWire(message: RevocationMessage): z.input<typeof revocationSchema> {
  return { reader: message.reader, nonce: message.nonce.toString(), deadline: message.deadline.toString() };
}

/** The account a relay request acts for: its reader, or the creator of a claim. */
export function relayAccountOf<A extends RelayAction>(action: A, request: RelayRequest<A>): Address {
  const body = request as RelayRequest<RelayAction>;
  if ("subscription" in body) return body.subscription.reader;
  if ("cancellation" in body) return body.cancellation.reader;
  if ("withdrawal" in body) return body.withdrawal.reader;
  if ("revocation" in body) return body.revocation.reader;
  if ("tip" in body) return body.tip.reader;
  if ("creator" in body) return body.creator;
  throw new Error(`no account in a ${action} request`);
}

/** The relayer fee a relay request carries (zero for actions without one). */
export function relayFeeOf<A extends RelayAction>(request: RelayRequest<A>): bigint {
  const body = request as RelayRequest<RelayAction>;
  if ("subscription" in body) return body.subscription.relayerFee;
  if ("cancellation" in body) return body.cancellation.relayerFee;
  if ("withdrawal" in body) return body.withdrawal.relayerFee;
  if ("tip" in body) return body.tip.relayerFee;
  return 0n;
}

/** The pool's calldata that carries out a parsed relay request. */
export function relayCalldataOf<A extends RelayAction>(action: A, request: RelayRequest<A>): Hex {
  const body = request as RelayRequest<RelayAction>;
  const abi = plauditPoolAbi;
  switch (action) {
    case "subscribe-with-authorization": {
      const { subscription, signature } = body as RelayRequest<"subscribe-with-authorization">;
      return encodeFunctionData({ abi, functionName: "subscribeWithAuthorization", args: [subscription, signature] });
    }
    case "subscribe-by-signature": {
      const { subscription, permit, signature } = body as RelayRequest<"subscribe-by-signature">;
      return encodeFunctionData({
        abi,
        functionName: "subscribeBySignature",
        args: [subscription, tokenPermitOf(permit), signature],
      });
    }
    case "cancel": {
      const { cancellation, signature } = body as RelayRequest<"cancel">;
      return encodeFunctionData({ abi, functionName: "cancelBySignature", args: [cancellation, signature] });
    }
    case "withdraw": {
      const { withdrawal, signature } = body as RelayRequest<"withdraw">;
      return encodeFunctionData({ abi, functionName: "withdrawBySignature", args: [withdrawal, signature] });
    }
    case "revoke-sessions": {
      const { revocation, signature } = body as RelayRequest<"revoke-sessions">;
      return encodeFunctionData({ abi, functionName: "revokeSessionsBySignature", args: [revocation, signature] });
    }
    case "tip-with-authorization": {
      const { tip, signature } = body as RelayRequest<"tip-with-authorization">;
      return encodeFunctionData({ abi, functionName: "tipWithAuthorization", args: [tip, signature] });
    }
    case "tip-by-signature": {
      const { tip, permit, signature } = body as RelayRequest<"tip-by-signature">;
      return encodeFunctionData({ abi, functionName: "tipBySignature", args: [tip, tokenPermitOf(permit), signature] });
    }
    default: {
      const { creator } = body as RelayRequest<"claim">;
      return encodeFunctionData({ abi, functionName: "claim", args: [creator] });
    }
  }
}
