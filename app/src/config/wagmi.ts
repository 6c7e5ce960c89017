/**
 * wagmi for one chain. Wallets are found by EIP-6963 discovery (MetaMask, Rabby, ...), with the legacy
 * `window.ethereum` as a fallback connector. Reads go through the deployment's RPC URLs (viem `fallback`
 * when there are several); `useReadContracts` batches into one deployless multicall (no Multicall3
 * contract needed on the chain).
 */
import type { Chain, Transport } from "viem";
import { createConfig, injected, type Config } from "wagmi";

import { chainOf, transportOf } from "./chain.js";
import type { AppDeployment } from "./deployment.js";

/** How often wagmi polls for a new block when a hook watches (a mainnet block time). */
const POLLING_INTERVAL_MS = 12_000;

export type PlauditWagmiConfig = Config<readonly [Chain], Record<number, Transport>>;

export function wagmiConfigFor(deployment: AppDeployment): PlauditWagmiConfig {
  const chain = chainOf(deployment);
  return createConfig({
    chains: [chain],
    connectors: [injected()],
    multiInjectedProviderDiscovery: true,
    batch: { multicall: { deployless: true } },
    pollingInterval: POLLING_INTERVAL_MS,
    transports: { [chain.id]: transportOf(deployment) },
  });
}

declare module "wagmi" {
  interface Register {
    config: PlauditWagmiConfig;
  }
}
