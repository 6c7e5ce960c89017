/**
 * `npm run deploy -- --network <name> --parameters <file> [--out path]`: checks the options and the
 * parameters file, then runs `hardhat run --network <name> scripts/deploy.ts` (which takes no script
 * arguments) with them as PLAUDIT_DEPLOY_* variables.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

import {
  checkParametersFile,
  deployHelpText,
  deployOptionsFromArgs,
  deployOptionsFromEnv,
  envFromDeployOptions,
  parseDeployOptions,
  type DeployCliOptions,
} from "./deploy/options.js";
import { CliOptionsError } from "../keeper/src/cli-options.js";

let options: DeployCliOptions;
try {
  const parsed = deployOptionsFromArgs(process.argv.slice(2));
  if (parsed.help) {
    process.stdout.write(`${deployHelpText()}\n`);
    process.exit(0);
  }
  options = parseDeployOptions({ ...deployOptionsFromEnv(process.env), ...parsed.raw });
  if (options.network === undefined)
    throw new CliOptionsError("--network: missing (a network of hardhat.config.ts, e.g. sepolia)");
  checkParametersFile(options.parameters, options.module);
} catch (error) {
  if (!(error instanceof CliOptionsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

const hardhat = fileURLToPath(new URL("../node_modules/.bin/hardhat", import.meta.url));
const script = fileURLToPath(new URL("./deploy.ts", import.meta.url));
const child = spawn(hardhat, ["run", "--network", options.network as string, script], {
  stdio: "inherit",
  env: { ...process.env, ...envFromDeployOptions(options) },
});
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal === null ? 1 : 128);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
