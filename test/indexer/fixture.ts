/**
 * The indexer's test world: a Hardhat node, the mock stablecoin and a pool, a deployment file, the
 * public-RPC limits proxy with a 10-block log range in front of the node, and the pool's actions as
 * one-line helpers (subscribe, cancel, settle a signed batch, claim, withdraw, revoke sessions).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { Address, Hex, HDAccount } from "viem";

import {
  compareAddresses,
  mockStablecoinAbi,
  plauditDomain,
  plauditPoolAbi,
  settleArgs,
  tallyTypedData,
  type Deployment,
  type SettlementReader,
} from "@plaudit/protocol";
import { HARDHAT_CHAIN_ID, hardhatAccount } from "../../scripts/local/accounts.js";
import { jsonRpc, startHardhatNode, type HardhatNode } from "../../scripts/local/hardhat-node.js";
import { RPC_LIMIT_PROFILES } from "../../scripts/rpc-limits/limits.js";
import { startRpcLimitsProxy, type RpcLimitsProxy } from "../../scripts/rpc-limits/proxy.js";
import { clients, deployPool } from "../../e2e/harness/chain.js";

export const USD = 1_000_000n;
export const EPOCH_LENGTH = 3600;
export const KEEPER_TIP_BPS = 50;
/** The free tier's log range the indexer must keep to. */
export const LOG_RANGE = 10;

export const people = {
  deployer: hardhatAccount(0),
  keeper: hardhatAccount(1),
  alice: hardhatAccount(2),
  bob: hardhatAccount(3),
  carol: hardhatAccount(4),
  creatorA: hardhatAccount(5),
  creatorB: hardhatAccount(6),
  recipient: hardhatAccount(8),
};

export interface IndexerWorld {
  node: HardhatNode;
  proxy: RpcLimitsProxy;
  deployment: Deployment;
  deploymentFile: string;
  dir: string;
  head(): Promise<bigint>;
  mine(blocks: number): Promise<void>;
  /** Moves chain time to `seconds` into `epoch` and mines a block there. */
  travelToEpoch(epoch: bigint, seconds?: number): Promise<void>;
  subscribe(reader: HDAccount, amountPerEpoch: bigint, epochs: bigint, firstEpoch: bigint): Promise<Hex>;
  cancel(reader: HDAccount, fromEpoch: bigint): Promise<Hex>;
  revokeSessions(reader: HDAccount): Promise<Hex>;
  withdraw(reader: HDAccount): Promise<Hex>;
  claimTo(creator: HDAccount, recipient: Address): Promise<Hex>;
  tip(reader: HDAccount, creator: Address, amount: bigint): Promise<Hex>;
  /** A tally the reader signs itself for `clicks` (creator, count), creators sorted as the pool wants. */
  selfSigned(reader: HDAccount, epoch: bigint, clicks: readonly [Address, number][]): Promise<SettlementReader>;
  settle(epoch: bigint, readers: readonly SettlementReader[]): Promise<Hex>;
  close(): Promise<void>;
}

export async function startIndexerWorld(): Promise<IndexerWorld> {
  const node = await startHardhatNode();
  const deployed = await deployPool(node.rpcUrl, EPOCH_LENGTH, KEEPER_TIP_BPS);
  const { publicClient, walletFor } = clients(node.rpcUrl);
  const proxy = await startRpcLimitsProxy({
    upstream: node.rpcUrl,
    limits: { ...RPC_LIMIT_PROFILES.public, maxLogRange: LOG_RANGE, requestsPerSecond: null, timeoutRate: 0 },
  });
  const deployment: Deployment = {
    chainId: HARDHAT_CHAIN_ID,
    pool: deployed.pool,
    token: deployed.token,
    tokenSymbol: "mUSD",
    tokenDecimals: 6,
    startTime: deployed.startTime,
    epochLength: deployed.epochLength,
    keeperTipBps: deployed.keeperTipBps,
    deployBlock: deployed.deployBlock,
    rpcUrl: proxy.url,
  };
  const dir = mkdtempSync(join(tmpdir(), "plaudit-indexer-"));
  const deploymentFile = join(dir, "deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(deployment));

  const send = async (account: HDAccount, write: (wallet: ReturnType<typeof walletFor>) => Promise<Hex>) => {
    const hash = await write(walletFor(account));
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return hash;
  };
  const pool = { address: deployed.pool, abi: plauditPoolAbi } as const;
  const domain = plauditDomain(HARDHAT_CHAIN_ID, deployed.pool);

  for (const reader of [people.alice, people.bob, people.carol]) {
    await send(people.deployer.account, (w) =>
      w.writeContract({
        address: deployed.token,
        abi: mockStablecoinAbi,
        functionName: "mint",
        args: [reader.address, 1000n * USD],
      }),
    );
    await send(reader.account, (w) =>
      w.writeContract({
        address: deployed.token,
        abi: mockStablecoinAbi,
        functionName: "approve",
        args: [deployed.pool, 1000n * USD],
      }),
    );
  }

  return {
    node,
    proxy,
    deployment,
    deploymentFile,
    dir,
    head: async () => BigInt(await jsonRpc<string>(node.rpcUrl, "eth_blockNumber")),
    // One evm_mine per block: hardhat_mine's blocks carry a zero parentHash, which an indexer's
    // realtime sync takes for a reorg below its finalized block.
    async mine(blocks) {
      for (let i = 0; i < blocks; i++) await jsonRpc(node.rpcUrl, "evm_mine");
    },
    async travelToEpoch(epoch, seconds = 1) {
      const at = deployed.startTime + Number(epoch) * EPOCH_LENGTH + seconds;
      await jsonRpc(node.rpcUrl, "evm_setNextBlockTimestamp", [at]);
      await jsonRpc(node.rpcUrl, "evm_mine");
    },
    subscribe: (reader, amount, epochs, first) =>
      send(reader, (w) => w.writeContract({ ...pool, functionName: "subscribe", args: [amount, epochs, first] })),
    cancel: (reader, from) => send(reader, (w) => w.writeContract({ ...pool, functionName: "cancel", args: [from] })),
    revokeSessions: (reader) => send(reader, (w) => w.writeContract({ ...pool, functionName: "revokeSessions" })),
    withdraw: (reader) => send(reader, (w) => w.writeContract({ ...pool, functionName: "withdraw" })),
    tip: (reader, creator, amount) =>
      send(reader, (w) => w.writeContract({ ...pool, functionName: "tip", args: [creator, amount] })),
    claimTo: (creator, recipient) =>
      send(creator, (w) => w.writeContract({ ...pool, functionName: "claimTo", args: [recipient] })),
    async selfSigned(reader, epoch, clicks) {
      const sorted = [...clicks].sort(([a], [b]) => compareAddresses(a, b));
      const creators = sorted.map(([creator]) => creator);
      const counts = sorted.map(([, count]) => count);
      const signature = await reader.signTypedData(
        tallyTypedData(domain, { reader: reader.address, epoch, seq: 1n, creators, counts }),
      );
      return {
        reader: reader.address,
        tallies: [
          { signer: reader.address, seq: 1n, sessionExpiry: 0n, creators, counts, signature, sessionSignature: "0x" },
        ],
      };
    },
    settle: (epoch, readers) =>
      send(people.keeper.account, (w) =>
        w.writeContract({ ...pool, functionName: "settle", args: settleArgs(epoch, readers) }),
      ),
    async close() {
      await proxy.close();
      await node.stop();
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs` naming `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last === undefined ? "" : `: ${String(last)}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
