/**
 * A local chain for the browser test: a Hardhat node on a free port, the mock stablecoin and the pool
 * deployed from the Hardhat artifacts with viem, and test accounts from Hardhat's default mnemonic.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { createPublicClient, createWalletClient, defineChain, http, type Abi, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

import { mockStablecoinAbi, plauditPoolAbi } from "../../../protocol/src/index.js";
import { freePort } from "./ports.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const MNEMONIC = "test test test test test test test test test test test junk";
export const CHAIN_ID = 31337;

export const accounts = {
  deployer: mnemonicToAccount(MNEMONIC, { addressIndex: 0 }),
  keeper: mnemonicToAccount(MNEMONIC, { addressIndex: 1 }),
  reader: mnemonicToAccount(MNEMONIC, { addressIndex: 2 }),
  creatorA: mnemonicToAccount(MNEMONIC, { addressIndex: 5 }),
  creatorB: mnemonicToAccount(MNEMONIC, { addressIndex: 6 }),
};

export interface LocalChain {
  rpcUrl: string;
  stop(): Promise<void>;
}

async function rpc<T>(rpcUrl: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export async function startHardhatNode(): Promise<LocalChain> {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    fileURLToPath(new URL("node_modules/.bin/hardhat", `file://${repoRoot}`)),
    ["node", "--port", String(port), "--hostname", "127.0.0.1"],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } },
  );
  let log = "";
  child.stdout?.on("data", (chunk: Buffer) => void (log = (log + chunk.toString()).slice(-8000)));
  child.stderr?.on("data", (chunk: Buffer) => void (log = (log + chunk.toString()).slice(-8000)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited (${child.exitCode}):\n${log.slice(-2000)}`);
    try {
      await rpc(rpcUrl, "eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`hardhat node did not answer on ${rpcUrl}:\n${log.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  return {
    rpcUrl,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

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

/** Deploys the mock stablecoin and a pool whose epoch 0 has just started. */
export async function deployPool(rpcUrl: string, epochLength: number, keeperTipBps: number): Promise<Deployed> {
  const { publicClient, walletFor } = clients(rpcUrl);
  const deployer = walletFor(accounts.deployer);
  const tokenArtifact = await artifact("mocks/MockStablecoin.sol/MockStablecoin.json");
  const poolArtifact = await artifact("PlauditPool.sol/PlauditPool.json");
  const tokenHash = await deployer.deployContract({ abi: mockStablecoinAbi, bytecode: tokenArtifact.bytecode, args: [] });
  const tokenReceipt = await publicClient.waitForTransactionReceipt({ hash: tokenHash });
  const token = tokenReceipt.contractAddress;
  if (token === null || token === undefined) throw new Error("token deployment failed");
  const now = (await publicClient.getBlock()).timestamp;
  const startTime = Number(now) - 5;
  const poolHash = await deployer.deployContract({
    abi: plauditPoolAbi,
    bytecode: poolArtifact.bytecode,
    args: [token, BigInt(startTime), BigInt(epochLength), keeperTipBps],
  });
  const poolReceipt = await publicClient.waitForTransactionReceipt({ hash: poolHash });
  const pool = poolReceipt.contractAddress;
  if (pool === null || pool === undefined) throw new Error("pool deployment failed");
  return { pool, token, startTime, epochLength, keeperTipBps, deployBlock: Number(tokenReceipt.blockNumber) };
}

/** Moves chain time to `timestamp` and mines a block there. */
export async function travelTo(rpcUrl: string, timestamp: number): Promise<void> {
  await rpc(rpcUrl, "evm_setNextBlockTimestamp", [timestamp]);
  await rpc(rpcUrl, "evm_mine");
}
