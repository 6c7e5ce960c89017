/**
 * Options of `npm run deploy`: flags for the wrapper (scripts/deploy-cli.ts), PLAUDIT_DEPLOY_* variables
 * for the Hardhat script (scripts/deploy.ts), and the check of the Ignition parameters file, so that a
 * wrong file fails before any transaction is sent.
 */
import { readFileSync } from "node:fs";

import { z } from "zod";

import { addressSchema, MAX_KEEPER_TIP_BPS } from "@plaudit/protocol";
import { CliOptionsError, optionRows, rawOptionsFromArgs, rawOptionsFromEnv } from "../../keeper/src/cli-options.js";

export const DEPLOY_OPTIONS = {
  network: { flag: "network", env: "", help: "Hardhat network to deploy to, e.g. sepolia (required)" },
  parameters: {
    flag: "parameters",
    env: "PLAUDIT_DEPLOY_PARAMETERS",
    help: "Ignition parameters JSON, e.g. ignition/parameters/sepolia.json (required)",
  },
  module: {
    flag: "module",
    env: "PLAUDIT_DEPLOY_MODULE",
    help: "PlauditPool (existing stablecoin, default) or LocalPlaudit (with the mock stablecoin)",
  },
  out: {
    flag: "out",
    env: "PLAUDIT_DEPLOY_OUT",
    help: "extra copies of the deployment file, comma-separated (e.g. app/public/plaudit.json)",
  },
  dir: {
    flag: "dir",
    env: "PLAUDIT_DEPLOY_DIR",
    help: "directory of <chainId>.json deployment files (default deployments)",
  },
  rpcUrl: {
    flag: "rpc-url",
    env: "PLAUDIT_DEPLOY_RPC_URL",
    help: "public RPC URL to record for the dApp (never one with an API key)",
  },
  keeperUrl: { flag: "keeper-url", env: "PLAUDIT_DEPLOY_KEEPER_URL", help: "keeper URL to record for the dApp" },
} as const;

const url = z.string().url("must be a URL");
export const deployOptionsSchema = z.strictObject({
  network: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "must be a network name from hardhat.config.ts")
    .optional(),
  parameters: z.string().min(1, "must be a file path"),
  module: z.enum(["PlauditPool", "LocalPlaudit"]).default("PlauditPool"),
  out: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .default([]),
  dir: z.string().min(1).default("deployments"),
  rpcUrl: url.optional(),
  keeperUrl: url.optional(),
});
export type DeployCliOptions = z.output<typeof deployOptionsSchema>;

/** Ignition accepts bigints as numbers or as "123n" strings. */
const integer = z
  .union([z.number().int().nonnegative(), z.string().regex(/^[0-9]+n?$/, "must be a whole number")])
  .transform((v) => BigInt(typeof v === "string" ? v.replace(/n$/, "") : v));
const scheduleFields = {
  startTime: integer,
  epochLength: integer.refine((v) => v > 0n, "must be positive").optional(),
  keeperTipBps: integer
    .refine((v) => v <= BigInt(MAX_KEEPER_TIP_BPS), `must be at most ${MAX_KEEPER_TIP_BPS}`)
    .optional(),
};
export const parametersFileSchema = {
  PlauditPool: z.object({ PlauditPool: z.strictObject({ token: addressSchema, ...scheduleFields }) }),
  LocalPlaudit: z.object({ LocalPlaudit: z.strictObject(scheduleFields) }),
} as const;

function describe(issues: readonly z.core.$ZodIssue[], label: (name: string) => string): string {
  return issues.map((i) => `${label(i.path.map(String).join("."))}: ${i.message}`).join("\n  ");
}

export function parseDeployOptions(raw: Record<string, string>): DeployCliOptions {
  const result = deployOptionsSchema.safeParse(raw);
  if (result.success) return result.data;
  const label = (name: string) => {
    const o = (DEPLOY_OPTIONS as Record<string, { flag: string; env: string } | undefined>)[name];
    return o === undefined ? name : `--${o.flag}${o.env === "" ? "" : ` (${o.env})`}`;
  };
  const missing = result.error.issues.map((i) =>
    i.code === "invalid_type" && raw[String(i.path[0])] === undefined ? { ...i, message: "missing" } : i,
  );
  throw new CliOptionsError(`invalid deploy options:\n  ${describe(missing, label)}`);
}

/** Reads and checks the Ignition parameters file for `module`; throws naming the file and the field. */
export function checkParametersFile(path: string, module: DeployCliOptions["module"]): void {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new CliOptionsError(`--parameters ${path}: ${(error as Error).message}`);
  }
  const result = parametersFileSchema[module].safeParse(json);
  if (!result.success) throw new CliOptionsError(`--parameters ${path}:\n  ${describe(result.error.issues, (p) => p)}`);
}

export function deployOptionsFromArgs(args: readonly string[]): { help: boolean; raw: Record<string, string> } {
  return rawOptionsFromArgs(args, DEPLOY_OPTIONS, { repeatable: ["out"] });
}

export function deployOptionsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return rawOptionsFromEnv(env, DEPLOY_OPTIONS);
}

export function envFromDeployOptions(options: DeployCliOptions): Record<string, string> {
  const env: Record<string, string> = {
    PLAUDIT_DEPLOY_PARAMETERS: options.parameters,
    PLAUDIT_DEPLOY_MODULE: options.module,
    PLAUDIT_DEPLOY_DIR: options.dir,
    PLAUDIT_DEPLOY_OUT: options.out.join(","),
  };
  if (options.rpcUrl !== undefined) env["PLAUDIT_DEPLOY_RPC_URL"] = options.rpcUrl;
  if (options.keeperUrl !== undefined) env["PLAUDIT_DEPLOY_KEEPER_URL"] = options.keeperUrl;
  return env;
}

export function deployHelpText(): string {
  const rows = optionRows(DEPLOY_OPTIONS, 12, 27);
  return [
    "Deploys a Plaudit pool with Ignition and writes the deployment file the keeper and the dApp read",
    "(deployments/<chainId>.json, plus any --out copies).",
    "",
    "Usage: npm run deploy -- --network <name> --parameters <file> [--out app/public/plaudit.json]",
    "",
    "The network's RPC URL and the deployer key come from Hardhat configuration variables",
    "(SEPOLIA_RPC_URL, DEPLOYER_PRIVATE_KEY): `npx hardhat keystore set DEPLOYER_PRIVATE_KEY`.",
    "",
    "Options (flag, environment variable, meaning):",
    ...rows,
    "  --help                                      this text",
  ].join("\n");
}
