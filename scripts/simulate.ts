/**
 * The simulation as a Hardhat script: `hardhat run scripts/simulate.ts`, options from PLAUDIT_SIM_*
 * variables (`npm run simulate -- --readers N ...` sets them through scripts/simulate-cli.ts). Prints the
 * summary on stdout, progress on stderr; exits 1 naming every failed check, 2 on bad options.
 */
import { optionsFromEnv, parseOptions } from "./simulate/options.js";
import { runSimulation } from "./simulate/run.js";
import { formatSummary } from "./simulate/summary.js";
import { CliOptionsError } from "../keeper/src/cli-options.js";

let options;
try {
  options = parseOptions(optionsFromEnv(process.env));
} catch (error) {
  if (!(error instanceof CliOptionsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

const logLevel = process.env["PLAUDIT_SIM_KEEPER_LOG"] === "debug" ? "debug" : "silent";
process.stderr.write(
  `simulating ${options.readers} readers, ${options.creators} creators, ${options.epochs} epochs (seed ${options.seed})\n`,
);
const result = await runSimulation(options, { progress: process.stderr, keeperLogLevel: logLevel });
process.stdout.write(`${formatSummary(result.stats, result.checks)}\n`);
if (!result.ok) {
  const failed = result.checks.filter((c) => !c.ok).map((c) => c.name);
  process.stderr.write(`simulation failed: ${failed.join(", ")}\n`);
  process.exitCode = 1;
}
