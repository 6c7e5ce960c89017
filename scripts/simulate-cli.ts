/**
 * `npm run simulate -- --readers N --creators M --epochs K`: validates the flags, then runs
 * `hardhat run scripts/simulate.ts` (which takes no script arguments) with them as PLAUDIT_SIM_*
 * variables. Exits with the simulation's status.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

import { envFromOptions, helpText, optionsFromArgs, optionsFromEnv, parseOptions } from "./simulate/options.js";
import { CliOptionsError } from "../keeper/src/cli-options.js";

let raw: Record<string, string>;
try {
  const parsed = optionsFromArgs(process.argv.slice(2));
  if (parsed.help) {
    process.stdout.write(`${helpText()}\n`);
    process.exit(0);
  }
  raw = { ...optionsFromEnv(process.env), ...parsed.raw };
  parseOptions(raw);
} catch (error) {
  if (!(error instanceof CliOptionsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

const hardhat = fileURLToPath(new URL("../node_modules/.bin/hardhat", import.meta.url));
const script = fileURLToPath(new URL("./simulate.ts", import.meta.url));
const child = spawn(hardhat, ["run", script], { stdio: "inherit", env: { ...process.env, ...envFromOptions(raw) } });
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal === null ? 1 : 128);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
