/**
 * The deployment file the keeper and the dApp read (protocol's `deploymentSchema`), built from what the
 * chain says about a deployed pool and written to `deployments/<chainId>.json` and any extra paths.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { erc20Abi, type Address, type Chain, type PublicClient, type Transport } from "viem";

import { deploymentSchema, plauditPoolAbi, type Deployment } from "@plaudit/protocol";

export interface RecordOptions {
  pool: Address;
  deployBlock: bigint;
  /** A public RPC URL for the dApp; never the deployer's (it may carry an API key). */
  rpcUrl?: string | undefined;
  keeperUrl?: string | undefined;
}

/** Reads the pool's parameters and its token's symbol and decimals from the chain; validates the result. */
export async function deploymentRecord(
  client: PublicClient<Transport, Chain | undefined>,
  options: RecordOptions,
): Promise<Deployment> {
  const pool = { address: options.pool, abi: plauditPoolAbi } as const;
  const [chainId, token, startTime, epochLength, keeperTipBps] = await Promise.all([
    client.getChainId(),
    client.readContract({ ...pool, functionName: "token" }),
    client.readContract({ ...pool, functionName: "startTime" }),
    client.readContract({ ...pool, functionName: "epochLength" }),
    client.readContract({ ...pool, functionName: "keeperTipBps" }),
  ]);
  const [tokenSymbol, tokenDecimals] = await Promise.all([
    client.readContract({ address: token, abi: erc20Abi, functionName: "symbol" }),
    client.readContract({ address: token, abi: erc20Abi, functionName: "decimals" }),
  ]);
  return deploymentSchema.parse({
    chainId,
    pool: options.pool,
    token,
    tokenSymbol,
    tokenDecimals,
    startTime: Number(startTime),
    epochLength: Number(epochLength),
    keeperTipBps,
    deployBlock: Number(options.deployBlock),
    ...(options.rpcUrl === undefined ? {} : { rpcUrl: options.rpcUrl }),
    ...(options.keeperUrl === undefined ? {} : { keeperUrl: options.keeperUrl }),
  });
}

/** Writes `deployment` to `<dir>/<chainId>.json` and to every extra path; returns the paths written. */
export async function writeDeployment(
  deployment: Deployment,
  options: { dir: string; extraPaths?: readonly string[] },
): Promise<string[]> {
  const text = `${JSON.stringify(deploymentSchema.parse(deployment), null, 2)}\n`;
  const paths = [join(options.dir, `${deployment.chainId}.json`), ...(options.extraPaths ?? [])];
  for (const path of paths) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, "utf8");
  }
  return paths;
}
