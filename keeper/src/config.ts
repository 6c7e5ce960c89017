/**
 * Keeper configuration: parsed once from command-line flags and the environment with zod, then injected.
 * A missing or wrong setting fails at start with a message that names it (flag and variable).
 */
import { availableParallelism } from "node:os";

import { z } from "zod";
import type { Address, Hex } from "viem";

import { addressSchema } from "@plaudit/protocol";

import { CliOptionsError, optionRows, rawOptionsFromArgs, rawOptionsFromEnv } from "./cli-options.js";
import { RELAY_SETTINGS, relayConfigShape } from "./relay/config.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const privateKeySchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits")
  .transform((value) => value.toLowerCase() as Hex);

const intFrom = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int(`must be an integer`).min(min).max(max);

const boolFrom = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no"])])
  .transform((v) => (typeof v === "boolean" ? v : ["true", "1", "yes"].includes(v)));

/**
 * HTTP server timeouts: a slow client holds a connection at most this long (Node's own defaults are
 * 60 s for headers and 300 s for a request).
 */
export const HTTP_TIMEOUT_DEFAULTS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
} as const;

/** Blocks per `eth_getLogs` call: free RPC tiers cap a call at 10 blocks. */
export const DEFAULT_LOG_RANGE_BLOCKS = 10;

/** Every setting, with its flag, its environment variable and its default. */
export const SETTINGS = {
  rpcUrl: {
    flag: "rpc-url",
    env: "PLAUDIT_RPC_URL",
    help: "JSON-RPC endpoint of the chain (required); several, comma-separated, are tried in order (viem fallback)",
  },
  pool: { flag: "pool", env: "PLAUDIT_POOL", help: "PlauditPool address (required)" },
  chainId: { flag: "chain-id", env: "PLAUDIT_CHAIN_ID", help: "expected chain id; start fails if the RPC differs" },
  privateKey: {
    flag: "private-key",
    env: "PLAUDIT_KEEPER_KEY",
    help: "signer key (0x + 64 hex) for settle transactions",
  },
  keystore: { flag: "keystore", env: "PLAUDIT_KEYSTORE", help: "V3 keystore file of the signer (instead of a key)" },
  keystorePassword: { flag: "keystore-password", env: "PLAUDIT_KEYSTORE_PASSWORD", help: "password of the keystore" },
  databaseUrl: { flag: "database-url", env: "DATABASE_URL", help: "PostgreSQL URL; SQLite in --data-dir when unset" },
  dataDir: {
    flag: "data-dir",
    env: "PLAUDIT_DATA_DIR",
    help: "directory of the SQLite database (default ./keeper-data)",
  },
  host: { flag: "host", env: "PLAUDIT_HOST", help: "HTTP listen address (default 127.0.0.1)" },
  port: { flag: "port", env: "PORT", help: "HTTP port, 0 = any free port (default 8787)" },
  corsOrigins: {
    flag: "cors-origins",
    env: "PLAUDIT_CORS_ORIGINS",
    help: "comma-separated allowed origins; * only if given",
  },
  settle: { flag: "settle", env: "PLAUDIT_SETTLE", help: "run the settlement loop with serve (default true)" },
  graceSeconds: {
    flag: "grace",
    env: "PLAUDIT_GRACE_SECONDS",
    help: "seconds after an epoch's end that late tallies are accepted and settlement waits (default 300)",
  },
  pollIntervalMs: {
    flag: "poll-ms",
    env: "PLAUDIT_POLL_MS",
    help: "settlement loop and receipt poll interval in ms (default 5000)",
  },
  stuckAfterMs: {
    flag: "stuck-ms",
    env: "PLAUDIT_STUCK_MS",
    help: "replace a settle transaction unmined after this many ms (default 120000)",
  },
  batchGasLimit: {
    flag: "batch-gas",
    env: "PLAUDIT_BATCH_GAS",
    help: "gas limit of one settle transaction (default 12000000)",
  },
  chainTimeTtlMs: {
    flag: "chain-time-ttl-ms",
    env: "PLAUDIT_CHAIN_TIME_TTL_MS",
    help: "how long a read chain time is reused (default 1000)",
  },
  maxBodyBytes: {
    flag: "max-body",
    env: "PLAUDIT_MAX_BODY_BYTES",
    help: "largest accepted request body (default 65536)",
  },
  ipRate: { flag: "ip-rate", env: "PLAUDIT_IP_RATE", help: "requests per second per IP, burst x3 (default 50)" },
  readerRate: {
    flag: "reader-rate",
    env: "PLAUDIT_READER_RATE",
    help: "stored tallies per second per reader (signed ones only), burst x3 (default 10)",
  },
  headersTimeoutMs: {
    flag: "headers-timeout-ms",
    env: "PLAUDIT_HEADERS_TIMEOUT_MS",
    help: `ms a client has to send a request's headers, else 408 (default ${HTTP_TIMEOUT_DEFAULTS.headersTimeoutMs})`,
  },
  requestTimeoutMs: {
    flag: "request-timeout-ms",
    env: "PLAUDIT_REQUEST_TIMEOUT_MS",
    help: `ms a client has to send a whole request, else 408 (default ${HTTP_TIMEOUT_DEFAULTS.requestTimeoutMs})`,
  },
  keepAliveTimeoutMs: {
    flag: "keep-alive-timeout-ms",
    env: "PLAUDIT_KEEP_ALIVE_TIMEOUT_MS",
    help: `ms an idle keep-alive connection stays open (default ${HTTP_TIMEOUT_DEFAULTS.keepAliveTimeoutMs})`,
  },
  popularTtlMs: {
    flag: "popular-ttl-ms",
    env: "PLAUDIT_POPULAR_TTL_MS",
    help: "ms a popular items/creators ranking is reused before it is computed again (default 30000)",
  },
  discoverRate: {
    flag: "discover-rate",
    env: "PLAUDIT_DISCOVER_RATE",
    help: "page discoveries (POST /v1/discover) per second per IP, burst x3 (default 0.2)",
  },
  discoverAllowHosts: {
    flag: "discover-allow-hosts",
    env: "PLAUDIT_DISCOVER_ALLOW_HOSTS",
    help: "comma-separated IP addresses discovery may fetch although private or loopback (default none)",
  },
  logRangeBlocks: {
    flag: "log-range",
    env: "PLAUDIT_LOG_RANGE",
    help: `most blocks per eth_getLogs when following revocations (default ${DEFAULT_LOG_RANGE_BLOCKS}, free RPC tiers' cap)`,
  },
  verifyWorkers: {
    flag: "verify-workers",
    env: "PLAUDIT_VERIFY_WORKERS",
    help: "worker threads for a posted tally's parse and signature checks, 0 = in the main thread (default 1 on more than 2 cores, else 0)",
  },
  logLevel: { flag: "log-level", env: "PLAUDIT_LOG_LEVEL", help: `one of ${LOG_LEVELS.join(", ")} (default info)` },
  ...RELAY_SETTINGS,
} as const;

export type SettingName = keyof typeof SETTINGS;

/** The URLs of an `rpcUrl` setting: one, or several separated by commas (tried in order). */
export function rpcUrlList(value: string): string[] {
  return value
    .split(",")
    .map((url) => url.trim())
    .filter((url) => url !== "");
}

export const keeperConfigSchema = z
  .strictObject({
    rpcUrl: z
      .string()
      .refine(
        (value) => rpcUrlList(value).length > 0 && rpcUrlList(value).every((url) => z.url().safeParse(url).success),
        "must be an http(s) or ws(s) URL, or several separated by commas",
      )
      .optional(),
    pool: addressSchema,
    chainId: intFrom(1).optional(),
    privateKey: privateKeySchema.optional(),
    keystore: z.string().min(1).optional(),
    keystorePassword: z.string().optional(),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
      .optional(),
    dataDir: z.string().min(1).default("./keeper-data"),
    host: z.string().min(1).default("127.0.0.1"),
    port: intFrom(0, 65535).default(8787),
    corsOrigins: z
      .union([z.array(z.string()), z.string()])
      .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter((s) => s.length > 0))
      .pipe(z.array(z.union([z.literal("*"), z.string().url("must be an origin like https://app.example")])))
      .default([]),
    settle: boolFrom.default(true),
    graceSeconds: intFrom(0).default(300),
    pollIntervalMs: intFrom(10).default(5000),
    stuckAfterMs: intFrom(100).default(120_000),
    batchGasLimit: intFrom(200_000).default(12_000_000),
    chainTimeTtlMs: intFrom(0).default(1000),
    maxBodyBytes: intFrom(1024, 10_000_000).default(65_536),
    ipRate: z.coerce.number().positive().default(50),
    readerRate: z.coerce.number().positive().default(10),
    headersTimeoutMs: intFrom(10).default(HTTP_TIMEOUT_DEFAULTS.headersTimeoutMs),
    requestTimeoutMs: intFrom(10).default(HTTP_TIMEOUT_DEFAULTS.requestTimeoutMs),
    keepAliveTimeoutMs: intFrom(10).default(HTTP_TIMEOUT_DEFAULTS.keepAliveTimeoutMs),
    popularTtlMs: intFrom(0, 3_600_000).default(30_000),
    discoverRate: z.coerce.number().positive().default(0.2),
    discoverAllowHosts: z
      .union([z.array(z.string()), z.string()])
      .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter((s) => s.length > 0))
      .pipe(z.array(z.union([z.ipv4("must be an IP address"), z.ipv6("must be an IP address")])))
      .default([]),
    logRangeBlocks: intFrom(1, 100_000).default(DEFAULT_LOG_RANGE_BLOCKS),
    verifyWorkers: intFrom(0, 64).default(availableParallelism() > 2 ? 1 : 0),
    logLevel: z.enum(LOG_LEVELS).default("info"),
    ...relayConfigShape,
  })
  .superRefine((c, ctx) => {
    if (c.privateKey !== undefined && c.keystore !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["keystore"],
        message: "give either a private key or a keystore, not both",
      });
    }
    if (c.headersTimeoutMs > c.requestTimeoutMs) {
      ctx.addIssue({ code: "custom", path: ["headersTimeoutMs"], message: "must not exceed the request timeout" });
    }
    if (c.keystore !== undefined && c.keystorePassword === undefined) {
      ctx.addIssue({ code: "custom", path: ["keystorePassword"], message: "required with a keystore" });
    }
  });

export type KeeperConfigInput = z.input<typeof keeperConfigSchema>;
export type KeeperConfig = z.output<typeof keeperConfigSchema> & { pool: Address };

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Names a setting the way a user sets it: flag and environment variable. */
export function describeSetting(name: string): string {
  const setting = (SETTINGS as Record<string, { flag: string; env: string } | undefined>)[name];
  return setting === undefined ? name : `--${setting.flag} (${setting.env})`;
}

/** Parses a raw config, throwing a ConfigError that names every bad setting. */
export function parseConfig(raw: Record<string, unknown>): KeeperConfig {
  const result = keeperConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "config");
      const missing = issue.code === "invalid_type" && raw[name] === undefined;
      return `${describeSetting(name)}: ${missing ? "missing" : issue.message}`;
    });
    throw new ConfigError(`invalid keeper configuration:\n  ${lines.join("\n  ")}`);
  }
  return result.data;
}

/** Raw settings from the environment (flags override them). */
export function settingsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return rawOptionsFromEnv(env, SETTINGS);
}

/** Raw settings from `--flag value` / `--flag=value` pairs; unknown flags throw. */
export function settingsFromFlags(flags: readonly string[]): Record<string, string> {
  try {
    return rawOptionsFromArgs(flags, SETTINGS, { booleans: ["settle"] }).raw;
  } catch (error) {
    if (error instanceof CliOptionsError) throw new ConfigError(error.message);
    throw error;
  }
}

export function helpText(): string {
  const rows = optionRows(SETTINGS, 20, 28);
  return [
    "Plaudit keeper: accepts signed tallies over HTTP and settles ended epochs.",
    "",
    "Usage: npm run keeper -- <command> [options]",
    "",
    "Commands:",
    "  serve              HTTP API and (unless --settle false) the settlement loop",
    "  settle --epoch N   settle epoch N once from the stored tallies, then exit",
    "  status [--epoch N] print the chain, the current epoch and stored settlement state as JSON",
    "",
    "Options (flag, environment variable, meaning):",
    ...rows,
    "  --help                                           this text",
  ].join("\n");
}
