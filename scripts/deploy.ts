/**
 * Deploys a Plaudit pool on the network Hardhat was started with and writes its deployment file:
 * `hardhat run --network <name> scripts/deploy.ts` with PLAUDIT_DEPLOY_* variables, which
 * `npm run deploy -- --network <name> --parameters <file>` (scripts/deploy-cli.ts) sets.
 */
import { network } from "hardhat";

import { deployPlaudit } from "./deploy/deploy-pool.js";
import { checkParametersFile, deployOptionsFromEnv, parseDeployOptions } from "./deploy/options.js";
import { CliOptionsError } from "../keeper/src/cli-options.js";

let options;
try {
  options = parseDeployOptions(deployOptionsFromEnv(process.env));
  checkParametersFile(options.parameters, options.module);
} catch (error) {
  if (!(error instanceof CliOptionsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

const connection = await network.create();
process.stderr.write(`deploying ${options.module} on network ${connection.networkName} with ${options.parameters}\n`);
const { deployment, paths } = await deployPlaudit(connection, {
  module: options.module,
  parameters: options.parameters,
  deploymentsDir: options.dir,
  extraPaths: options.out,
  rpcUrl: options.rpcUrl,
  keeperUrl: options.keeperUrl,
  displayUi: true,
});
process.stdout.write(`${JSON.stringify(deployment, null, 2)}\n`);
process.stderr.write(
  `pool ${deployment.pool} (block ${deployment.deployBlock}) on chain ${deployment.chainId}; wrote ${paths.join(", ")}\n`,
);
await connection.close();
