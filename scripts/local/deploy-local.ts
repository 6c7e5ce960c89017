/**
 * Deploys the local system's contracts with Hardhat Ignition (ignition/modules/LocalPlaudit.ts: the mock
 * stablecoin and a pool whose epoch 0 starts at deployment) on a running Hardhat node, and funds demo
 * readers.
 * Ignition's journal goes to the run's state directory, not ignition/deployments: every start is a new
 * in-memory chain, and a journal of an earlier one would not match it.
 */
import { join } from "node:path";

import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import { createPublicClient, createWalletClient, defineChain, http, toHex, type Address } from "viem";

import userConfig from "../../hardhat.config.js";
import type { LocalTokenFlavour } from "../../ignition/modules/LocalPlaudit.js";
import { mockStablecoinAbi, type Deployment } from "@plaudit/protocol";
import { deployPlaudit } from "../deploy/deploy-pool.js";
import { HARDHAT_CHAIN_ID, hardhatAccount, type TestAccount } from "./accounts.js";
import { jsonRpc, mineBlock } from "./hardhat-node.js";

export interface LocalDeployOptions {
  repoRoot: string;
  rpcUrl: string;
  /** Where Ignition keeps its journal and the deployment file is written. */
  stateDir: string;
  epochLength: number;
  keeperTipBps: number;
  keeperUrl: string;
  /** The token flavour to deploy (LocalPlaudit's `usdc`, `usdt`, `dai` or `musd`). */
  token: LocalTokenFlavour;
}

async function runtime(repoRoot: string, stateDir: string) {
  const paths = { ...userConfig.paths, ignition: join(stateDir, "ignition") };
  return createHardhatRuntimeEnvironment({ ...userConfig, paths }, {}, repoRoot);
}

/**
 * LocalPlaudit on the chosen token flavour through Ignition, epoch 0 starting now, at deployment. Hardhat
 * mines only on demand: the latest block may be the node's first, minutes old after the first run's
 * compiling and building, so a block is mined first and epoch 0 starts at its time.
 */
export async function deployLocalPlaudit(options: LocalDeployOptions): Promise<Deployment> {
  const hre = await runtime(options.repoRoot, options.stateDir);
  const connection = await hre.network.create({ network: "localhost", override: { url: options.rpcUrl } });
  try {
    const client = createPublicClient({ transport: http(options.rpcUrl) });
    await mineBlock(options.rpcUrl);
    const now = (await client.getBlock({ blockTag: "latest" })).timestamp;
    // A fresh chain would give the pool the same address every start, and so the same EIP-712 domain:
    // tallies a browser kept from an earlier run would then verify against the new pool. Starting the
    // deployer (Ignition's default sender) at a nonce taken from the clock gives each run its own pool.
    await jsonRpc(options.rpcUrl, "hardhat_setNonce", [hardhatAccount(0).address, toHex(1n + (now % 1_000_000n))]);
    const { deployment } = await deployPlaudit(connection, {
      module: "LocalPlaudit",
      token: options.token,
      parameters: {
        LocalPlaudit: {
          startTime: now,
          epochLength: BigInt(options.epochLength),
          keeperTipBps: BigInt(options.keeperTipBps),
        },
      },
      deploymentsDir: join(options.stateDir, "deployments"),
      ignitionDeploymentsDir: join(options.stateDir, "ignition", "deployments"),
      rpcUrl: options.rpcUrl,
      keeperUrl: options.keeperUrl,
    });
    return deployment;
  } finally {
    await connection.close();
  }
}

/** Mints `amount` (token units) of the mock stablecoin to each reader, sent by `minter`. */
export async function fundReaders(
  rpcUrl: string,
  token: Address,
  minter: TestAccount,
  readers: readonly TestAccount[],
  amount: bigint,
): Promise<void> {
  const chain = defineChain({
    id: HARDHAT_CHAIN_ID,
    name: "Local Hardhat",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ chain, transport });
  const wallet = createWalletClient({ chain, transport, account: minter.account });
  for (const reader of readers) {
    const hash = await wallet.writeContract({
      address: token,
      abi: mockStablecoinAbi,
      functionName: "mint",
      args: [reader.address, amount],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 200 });
    if (receipt.status !== "success") throw new Error(`minting to ${reader.address} reverted (${hash})`);
  }
}
