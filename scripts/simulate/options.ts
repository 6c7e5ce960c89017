/**
 * The simulation's options: from `--flag value` arguments (the `npm run simulate` wrapper) or from
 * PLAUDIT_SIM_* environment variables (what `hardhat run scripts/simulate.ts` can see), checked with zod.
 */
import { z } from "zod";

import { DEFAULT_LOCAL_TOKEN, LOCAL_TOKEN_FLAVOURS } from "../../ignition/modules/LocalPlaudit.js";
import { CliOptionsError, optionRows, rawOptionsFromArgs, rawOptionsFromEnv } from "../../keeper/src/cli-options.js";

const count = (min: number, max: number, fallback: number) =>
  z
    .preprocess(
      (value) => (typeof value === "string" && /^\s*[0-9]+\s*$/.test(value) ? Number(value) : value),
      z
        .number({ error: "must be a whole number" })
        .int("must be a whole number")
        .min(min, `must be at least ${min}`)
        .max(max, `must be at most ${max}`),
    )
    .default(fallback);

export const simulationOptionsSchema = z.strictObject({
  readers: count(1, 2000, 20),
  creators: count(1, 1000, 8),
  epochs: count(1, 12, 2),
  clicks: count(1, 500, 12),
  seed: count(0, 2 ** 31 - 1, 2026),
  token: z
    .enum(LOCAL_TOKEN_FLAVOURS, { error: `must be one of ${LOCAL_TOKEN_FLAVOURS.join(", ")}` })
    .default(DEFAULT_LOCAL_TOKEN),
});

export type SimulationOptions = z.output<typeof simulationOptionsSchema>;
export type SimulationOptionsInput = z.input<typeof simulationOptionsSchema>;

/** Option name → flag, environment variable, help. */
export const OPTIONS = {
  readers: { flag: "readers", env: "PLAUDIT_SIM_READERS", help: "readers to simulate (default 20)" },
  creators: {
    flag: "creators",
    env: "PLAUDIT_SIM_CREATORS",
    help: "creators they click, Zipf-like popularity (default 8)",
  },
  epochs: { flag: "epochs", env: "PLAUDIT_SIM_EPOCHS", help: "epochs to run and settle (default 2, at most 12)" },
  clicks: { flag: "clicks", env: "PLAUDIT_SIM_CLICKS", help: "mean clicks per clicking reader per epoch (default 12)" },
  seed: { flag: "seed", env: "PLAUDIT_SIM_SEED", help: "random seed; the same seed makes the same run (default 2026)" },
  token: {
    flag: "token",
    env: "PLAUDIT_SIM_TOKEN",
    help: `stablecoin to mock: ${LOCAL_TOKEN_FLAVOURS.join(", ")} (default ${DEFAULT_LOCAL_TOKEN}); amounts in its base units`,
  },
} as const satisfies Record<keyof SimulationOptions, { flag: string; env: string; help: string }>;

export function helpText(): string {
  const rows = optionRows(OPTIONS, 10, 22);
  return [
    "Plaudit simulation: readers subscribe, click over several devices and post signed tallies to a real",
    "keeper (HTTP); the keeper settles each epoch on an in-process Hardhat chain; then the books are",
    "checked independently of the contract. Exits non-zero, naming the check, if any check fails.",
    "",
    "Usage: npm run simulate -- [--readers N] [--creators M] [--epochs K] [--clicks C] [--seed S] [--token T]",
    "",
    "Options (flag, environment variable, meaning):",
    ...rows,
    "  --help                                this text",
  ].join("\n");
}

/** `--flag value` / `--flag=value` pairs; unknown flags and missing values throw. Returns raw strings. */
export function optionsFromArgs(args: readonly string[]): { help: boolean; raw: Record<string, string> } {
  return rawOptionsFromArgs(args, OPTIONS);
}

/** Raw options from PLAUDIT_SIM_* variables. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return rawOptionsFromEnv(env, OPTIONS);
}

/** Environment variables that carry `raw` options to `hardhat run`. */
export function envFromOptions(raw: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    const option = (OPTIONS as Record<string, { env: string } | undefined>)[name];
    if (option !== undefined) env[option.env] = value;
  }
  return env;
}

/** Validates raw options, naming each bad one by flag and variable. */
export function parseOptions(raw: Record<string, unknown>): SimulationOptions {
  const result = simulationOptionsSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "options");
    const option = (OPTIONS as Record<string, { flag: string; env: string } | undefined>)[name];
    const label = option === undefined ? name : `--${option.flag} (${option.env})`;
    return `${label}: ${issue.message}`;
  });
  throw new CliOptionsError(`invalid simulation options:\n  ${lines.join("\n  ")}`);
}
