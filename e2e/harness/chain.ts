/**
 * A local chain for the browser test: a Hardhat node on a free port (scripts/local, shared with `npm
 * start`), a mock stablecoin (the plain one, or one that behaves like USDC or USDT) and the pool deployed
 * from the Hardhat artifacts with viem, and test accounts from Hardhat's default mnemonic.
 */
import { readFile } from "node:fs/promises";

import { createPublicClient, createWalletClient, defineChain, http, type Abi, type Address, type Hex } from "viem";

import { plauditPoolAbi } from "@plaudit/protocol";
import { HARDHAT_CHAIN_ID, hardhatAccount } from "../../scripts/local/accounts.js";
import { repoRoot, startHardhatNode, travelTo, type HardhatNode } from "../../scripts/local/hardhat-node.js";

export { startHardhatNode, travelTo };
export type LocalChain = HardhatNode;
export const CHAIN_ID = HARDHAT_CHAIN_ID;

export const accounts = {
  deployer: hardhatAccount(0).account,
  keeper: hardhatAccount(1).account,
  reader: hardhatAccount(2).account,
  creatorA: hardhatAccount(5).account,
  creatorB: hardhatAccount(6).account,
};

interface Artifact {
  abi: Abi;
  bytecode: Hex;
}

async function artifact(path: string): Promise<Artifact> {
  return JSON.parse(await readFile(`${repoRoot}artifacts/contracts/${path}`, "utf8")) as Artifact;
}

export function clients(rpcUrl: string) {
  const chain = defineChain({
    id: CHAIN_ID,
    name: "Local Hardhat",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl);
  return {
    chain,
    publicClient: createPublicClient({ chain, transport }),
    walletFor: (account: (typeof accounts)[keyof typeof accounts]) => createWalletClient({ chain, transport, account }),
  };
}

export interface Deployed {
  pool: Address;
  token: Address;
  startTime: number;
  epochLength: number;
  keeperTipBps: number;
  deployBlock: number;
}

/** The token mocks a browser test can run on, by artifact (each: open `mint(address,uint256)`, no constructor arguments). */
export const TEST_TOKENS = {
  MockStablecoin: "mocks/MockStablecoin.sol/MockStablecoin.json",
  MockUSDC: "mocks/tokens/MockUSDC.sol/MockUSDC.json",
  MockUSDT: "mocks/tokens/MockUSDT.sol/MockUSDT.json",
} as const;
export type TestToken = keyof typeof TEST_TOKENS;

/** Deploys a mock stablecoin (`token`, the plain mock by default) and a pool whose epoch 0 has just started. */
export async function deployPool(
  rpcUrl: string,
  epochLength: number,
  keeperTipBps: number,
  token: TestToken = "MockStablecoin",
): Promise<Deployed> {
  const { publicClient, walletFor } = clients(rpcUrl);
  const deployer = walletFor(accounts.deployer);
  const tokenArtifact = await artifact(TEST_TOKENS[token]);
  const poolArtifact = await artifact("PlauditPool.sol/PlauditPool.json");
  const tokenHash = await deployer.deployContract({
    abi: tokenArtifact.abi,
    bytecode: tokenArtifact.bytecode,
    args: [],
  });
  const tokenReceipt = await publicClient.waitForTransactionReceipt({ hash: tokenHash });
  const tokenAddress = tokenReceipt.contractAddress;
  if (tokenAddress === null || tokenAddress === undefined) throw new Error("token deployment failed");
  const now = (await publicClient.getBlock()).timestamp;
  const startTime = Number(now) - 5;
  const poolHash = await deployer.deployContract({
    abi: plauditPoolAbi,
    bytecode: poolArtifact.bytecode,
    args: [tokenAddress, BigInt(startTime), BigInt(epochLength), keeperTipBps],
  });
  const poolReceipt = await publicClient.waitForTransactionReceipt({ hash: poolHash });
  const pool = poolReceipt.contractAddress;
  if (pool === null || pool === undefined) throw new Error("pool deployment failed");
  return {
    pool,
    token: tokenAddress,
    startTime,
    epochLength,
    keeperTipBps,
    deployBlock: Number(tokenReceipt.blockNumber),
  };
}
