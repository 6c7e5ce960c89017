/**
 * The relay's settings: part of the keeper's configuration (config.ts spreads them in), parsed with the rest
 * of it at start. The relay is off unless it has a key of its own: it never shares the settlement signer,
 * so relayed transactions and settle transactions never race for one nonce.
 */
import { parseGwei, type Hex } from "viem";
import { z } from "zod";

export const RELAY_SETTINGS = {
  relayKey: {
    flag: "relay-key",
    env: "PLAUDIT_RELAY_KEY",
    help: "signer key (0x + 64 hex) of the relay; the relay is off without one",
  },
  relayMinFee: {
    flag: "relay-min-fee",
    env: "PLAUDIT_RELAY_MIN_FEE",
    help: "least relayer fee, in token units, a relayed subscribe/cancel/withdraw must carry (default 0)",
  },
  relayMaxGasPrice: {
    flag: "relay-max-gas-price",
    env: "PLAUDIT_RELAY_MAX_GAS_PRICE",
    help: "gwei: the relay sends nothing while the max fee per gas is above it (default 50)",
  },
  relayAccountRate: {
    flag: "relay-account-rate",
    env: "PLAUDIT_RELAY_ACCOUNT_RATE",
    help: "relayed requests per reader (or creator) per hour (default 12)",
  },
  relayIpRate: {
    flag: "relay-ip-rate",
    env: "PLAUDIT_RELAY_IP_RATE",
    help: "relayed requests per client IP per hour (default 60)",
  },
} as const;

const GWEI_PATTERN = /^[0-9]{1,9}(\.[0-9]{1,9})?$/;

/** The relay's fields of the keeper's config schema. */
export const relayConfigShape = {
  relayKey: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits")
    .transform((value) => value.toLowerCase() as Hex)
    .optional(),
  relayMinFee: z
    .union([
      z.bigint().nonnegative(),
      z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      z.string().regex(/^[0-9]{1,78}$/, "must be a whole number of token units"),
    ])
    .transform((value) => BigInt(value))
    .default(0n),
  // A bigint is wei (a configuration parsed before); a number or a string is gwei, as an operator gives it.
  relayMaxGasPrice: z
    .union([
      z.bigint().nonnegative(),
      z.number().nonnegative(),
      z.string().regex(GWEI_PATTERN, "must be a number of gwei"),
    ])
    .transform((value) => (typeof value === "bigint" ? value : parseGwei(String(value))))
    .default(parseGwei("50")),
  relayAccountRate: z.coerce.number().positive().default(12),
  relayIpRate: z.coerce.number().positive().default(60),
};

export interface RelayConfig {
  relayKey?: Hex | undefined;
  relayMinFee: bigint;
  /** Wei. */
  relayMaxGasPrice: bigint;
  relayAccountRate: number;
  relayIpRate: number;
}
