/**
 * `npm start` options: flags override environment variables override defaults. Parsed with zod; a bad
 * value stops the start with a message naming the flag and the variable.
 */
import { z } from "zod";

import { DEFAULT_LOCAL_TOKEN, LOCAL_TOKEN_FLAVOURS } from "../../ignition/modules/LocalPlaudit.js";
import { CliOptionsError, optionRows, rawOptionsFromArgs, rawOptionsFromEnv } from "../../keeper/src/cli-options.js";

const port = z.coerce
  .number({ error: "must be a port number, 1 to 65535" })
  .int("must be an integer")
  .min(1, "must be 1 to 65535")
  .max(65535, "must be 1 to 65535");
const seconds = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a whole number of seconds" })
    .int("must be a whole number of seconds")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);
const flag = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no"])])
  .transform((v) => (typeof v === "boolean" ? v : ["true", "1", "yes"].includes(v)));

/** Every option, with its flag, its environment variable and its help. */
export const START_OPTIONS = {
  chainPort: {
    flag: "chain-port",
    env: "PLAUDIT_CHAIN_PORT",
    help: "port of the Hardhat chain on 127.0.0.1 (default 8545)",
  },
  keeperPort: {
    flag: "keeper-port",
    env: "PLAUDIT_KEEPER_PORT",
    help: "port of the keeper's HTTP API on 127.0.0.1 (default 8787)",
  },
  appPort: {
    flag: "app-port",
    env: "PLAUDIT_APP_PORT",
    help: "port of the dApp, http://localhost:PORT (default 5173)",
  },
  sitePort: {
    flag: "site-port",
    env: "PLAUDIT_SITE_PORT",
    help: "port of the demo creator site, http://127.0.0.1:PORT (default 5174)",
  },
  indexerPort: {
    flag: "indexer-port",
    env: "PLAUDIT_INDEXER_PORT",
    help: "port of the indexer's HTTP API on 127.0.0.1 (default 42069)",
  },
  rpcLimits: {
    flag: "rpc-limits",
    env: "PLAUDIT_RPC_LIMITS",
    help: "none (default), or public: a free tier's limits proxy in front of the chain for the dApp, keeper and indexer",
  },
  rpcLimitsPort: {
    flag: "rpc-limits-port",
    env: "PLAUDIT_RPC_LIMITS_PORT",
    help: "port of the limits proxy on 127.0.0.1 with --rpc-limits public (default 8546)",
  },
  epochLength: {
    flag: "epoch-length",
    env: "PLAUDIT_EPOCH_LENGTH",
    help: "seconds per epoch, epoch 0 starting now (default 300)",
  },
  grace: {
    flag: "grace",
    env: "PLAUDIT_LOCAL_GRACE",
    help: "seconds the keeper waits after an epoch's end before settling (default 15)",
  },
  mineInterval: {
    flag: "mine-interval",
    env: "PLAUDIT_MINE_INTERVAL",
    help: "seconds between blocks mined so chain time follows the clock (default 2)",
  },
  rebuild: {
    flag: "rebuild",
    env: "PLAUDIT_REBUILD",
    help: "rebuild the dApp even if app/dist looks current (default false)",
  },
  token: {
    flag: "token",
    env: "PLAUDIT_TOKEN",
    help: `the stablecoin to mock: ${LOCAL_TOKEN_FLAVOURS.join(", ")} (default ${DEFAULT_LOCAL_TOKEN})`,
  },
  keeperLogLevel: {
    flag: "keeper-log-level",
    env: "PLAUDIT_KEEPER_LOG_LEVEL",
    help: "keeper log level: fatal, error, warn, info, debug (default warn)",
  },
} as const;

export type StartOptionName = keyof typeof START_OPTIONS;

export const startOptionsSchema = z
  .strictObject({
    chainPort: port.default(8545),
    keeperPort: port.default(8787),
    appPort: port.default(5173),
    sitePort: port.default(5174),
    indexerPort: port.default(42069),
    rpcLimits: z.enum(["none", "public"], { error: "must be none or public" }).default("none"),
    rpcLimitsPort: port.default(8546),
    epochLength: seconds(30, 30 * 24 * 60 * 60).default(300),
    grace: seconds(0, 3600).default(15),
    mineInterval: seconds(1, 60).default(2),
    rebuild: flag.default(false),
    keeperLogLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("warn"),
    token: z
      .enum(LOCAL_TOKEN_FLAVOURS, { error: `must be one of ${LOCAL_TOKEN_FLAVOURS.join(", ")}` })
      .default(DEFAULT_LOCAL_TOKEN),
  })
  .superRefine((o, ctx) => {
    if (o.grace >= o.epochLength) {
      ctx.addIssue({
        code: "custom",
        path: ["grace"],
        message: `must be shorter than the epoch (${o.epochLength} s): settlement must fit in the window`,
      });
    }
  });

export type StartOptions = z.output<typeof startOptionsSchema>;

/** `--flag (ENV)`, the way a user sets an option. */
export function describeOption(name: string): string {
  const option = (START_OPTIONS as Record<string, { flag: string; env: string } | undefined>)[name];
  return option === undefined ? name : `--${option.flag} (${option.env})`;
}

/** How a user moves a port: "--chain-port or PLAUDIT_CHAIN_PORT". */
export function portSetting(
  name: "chainPort" | "keeperPort" | "appPort" | "sitePort" | "indexerPort" | "rpcLimitsPort",
): string {
  return `--${START_OPTIONS[name].flag} or ${START_OPTIONS[name].env}`;
}

/** Parses flags (`--name value`, `--name=value`, bare `--rebuild`) over the environment. */
export function parseStartOptions(argv: readonly string[], env: NodeJS.ProcessEnv): StartOptions | "help" {
  const args = rawOptionsFromArgs(argv, START_OPTIONS, { booleans: ["rebuild"], helpHint: "see npm start -- --help" });
  if (args.help) return "help";
  const result = startOptionsSchema.safeParse({ ...rawOptionsFromEnv(env, START_OPTIONS), ...args.raw });
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) => `${describeOption(String(issue.path[0] ?? "options"))}: ${issue.message}`,
    );
    throw new CliOptionsError(`invalid option:\n  ${lines.join("\n  ")}`);
  }
  return result.data;
}

export function startHelpText(): string {
  const rows = optionRows(START_OPTIONS, 18, 26);
  return [
    "npm start: the whole Plaudit system on this machine (chain, pool, keeper, indexer, dApp, a demo creator site).",
    "",
    "Usage: npm start [-- options]",
    "",
    "Options (flag, environment variable, meaning):",
    ...rows,
    "  --help                                        this text",
  ].join("\n");
}
