/**
 * Deploys the pool with Ignition on a network connection and writes the deployment file. The module is
 * PlauditPool (an existing stablecoin; real networks) or LocalPlaudit (with the mock stablecoin).
 */
import { join } from "node:path";

import { createPublicClient, custom, getAddress, type EIP1193Provider } from "viem";
import type { NetworkConnection } from "hardhat/types/network";

import LocalPlaudit, { localPlauditModule, type LocalTokenFlavour } from "../../ignition/modules/LocalPlaudit.js";
import PlauditPool from "../../ignition/modules/PlauditPool.js";
import type { Deployment } from "@plaudit/protocol";
import { findDeployBlock, journalDeployHash } from "./deploy-block.js";
import { deploymentRecord, writeDeployment } from "./deployment-record.js";

export type DeployModule = "PlauditPool" | "LocalPlaudit";

export interface DeployOptions {
  module: DeployModule;
  /** LocalPlaudit's token flavour (default: the module's default, usdc). */
  token?: LocalTokenFlavour;
  /** Ignition parameters: a JSON file path or the parameters themselves. */
  parameters: string | Record<string, Record<string, string | number | bigint>>;
  /** Directory of `<chainId>.json` files (default `deployments`). */
  deploymentsDir?: string;
  /** Further copies of the deployment file, e.g. app/public/plaudit.json. */
  extraPaths?: readonly string[];
  rpcUrl?: string | undefined;
  keeperUrl?: string | undefined;
  /** Where Ignition keeps deployments of real networks (for the journal); default ignition/deployments. */
  ignitionDeploymentsDir?: string;
  /** Show Ignition's progress UI. */
  displayUi?: boolean;
}

export interface DeployResult {
  deployment: Deployment;
  paths: string[];
}

export async function deployPlaudit(connection: NetworkConnection, options: DeployOptions): Promise<DeployResult> {
  const client = createPublicClient({
    cacheTime: 0,
    transport: custom(connection.provider as unknown as EIP1193Provider, { retryCount: 3 }),
  });
  const chainId = await client.getChainId();
  const before = await client.getBlockNumber();
  const ignition = { parameters: options.parameters, displayUi: options.displayUi ?? false };
  const pool =
    options.module === "LocalPlaudit"
      ? (
          await connection.ignition.deploy(
            options.token === undefined ? LocalPlaudit : localPlauditModule(options.token),
            ignition,
          )
        ).pool
      : (await connection.ignition.deploy(PlauditPool, ignition)).pool;
  const address = getAddress(await pool.getAddress());
  const ignitionDir = options.ignitionDeploymentsDir ?? join("ignition", "deployments");
  // Ignition keeps no journal for an in-process network; a stale one on disk would be of another chain.
  const deployHash =
    connection.networkConfig.type === "edr-simulated"
      ? undefined
      : await journalDeployHash(join(ignitionDir, `chain-${chainId}`), `${options.module}#PlauditPool`);
  const deployBlock = await findDeployBlock(client, address, { deployHash, searchFrom: before });
  const deployment = await deploymentRecord(client, {
    pool: address,
    deployBlock,
    rpcUrl: options.rpcUrl,
    keeperUrl: options.keeperUrl,
  });
  const paths = await writeDeployment(deployment, {
    dir: options.deploymentsDir ?? "deployments",
    extraPaths: options.extraPaths,
  });
  return { deployment, paths };
}
