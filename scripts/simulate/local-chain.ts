/**
 * The simulation's chain: a fresh in-process Hardhat network, the LocalPlaudit Ignition module (a mock
 * stablecoin and pool), viem clients over the network's EIP-1193 provider, and chain-time control.
 */
import { network } from "hardhat";
import {
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  getAddress,
  type Abi,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type EIP1193Provider,
  type PublicClient,
  type Transport,
  type TransactionReceipt,
} from "viem";
import type { PrivateKeyAccount } from "viem/accounts";

import { localPlauditModule, type LocalTokenFlavour } from "../../ignition/modules/LocalPlaudit.js";

export interface SimulationChain {
  chainId: number;
  transport: Transport;
  client: PublicClient<Transport, Chain>;
  pool: Address;
  token: Address;
  startTime: bigint;
  epochLength: bigint;
  keeperTipBps: number;
  deployBlock: bigint;
  /** Gives `address` 1000 ETH for gas. */
  fund(address: Address): Promise<void>;
  /** Sends a contract call from `account` and waits; throws if it reverts. */
  write<const abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    account: PrivateKeyAccount,
    call: {
      address: Address;
      abi: abi;
      functionName: name;
      args: ContractFunctionArgs<abi, "nonpayable" | "payable", name>;
    },
  ): Promise<TransactionReceipt>;
  /** Mines a block at `timestamp`; chain time then runs on from there. */
  setTime(timestamp: bigint): Promise<void>;
  latestTime(): Promise<bigint>;
  close(): Promise<void>;
}

const ETH_1000 = "0x3635C9ADC5DEA00000";

export async function startSimulationChain(options: {
  epochLength: bigint;
  keeperTipBps: number;
  startDelay: bigint;
  /** The stablecoin flavour LocalPlaudit deploys. */
  token: LocalTokenFlavour;
}): Promise<SimulationChain> {
  const connection = await network.create();
  const provider = connection.provider as unknown as EIP1193Provider;
  const transport = custom(provider, { retryCount: 0 });
  const rpc = (method: string, params: unknown[]) => provider.request({ method, params } as never);
  const bootstrap = createPublicClient({ transport });
  const chainId = await bootstrap.getChainId();
  const chain = defineChain({
    id: chainId,
    name: "hardhat-simulation",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: ["http://127.0.0.1:0"] } },
  });
  const client = createPublicClient({ chain, transport });

  const deployBlock = (await client.getBlockNumber()) + 1n;
  const startTime = (await client.getBlock()).timestamp + options.startDelay;
  const deployed = await connection.ignition.deploy(localPlauditModule(options.token), {
    parameters: {
      LocalPlaudit: { startTime, epochLength: options.epochLength, keeperTipBps: BigInt(options.keeperTipBps) },
    },
  });
  const pool = getAddress(await deployed.pool.getAddress());
  const token = getAddress(await deployed.token.getAddress());

  return {
    chainId,
    transport,
    client,
    pool,
    token,
    startTime,
    epochLength: options.epochLength,
    keeperTipBps: options.keeperTipBps,
    deployBlock,
    async fund(address) {
      await rpc("hardhat_setBalance", [address, ETH_1000]);
    },
    async write(account, call) {
      const wallet = createWalletClient({ account, chain, transport });
      const hash = await wallet.writeContract(call as never);
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      if (receipt.status !== "success")
        throw new Error(`${String(call.functionName)} from ${account.address} reverted`);
      return receipt;
    },
    async setTime(timestamp) {
      await connection.networkHelpers.time.increaseTo(timestamp);
    },
    async latestTime() {
      return (await client.getBlock()).timestamp;
    },
    close: () => connection.close(),
  };
}
