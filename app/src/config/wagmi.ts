/**
 * wagmi for one chain. Wallets are found by EIP-6963 discovery (MetaMask, Rabby, ...), with the legacy
 * `window.ethereum` as a fallback connector.
 */
import { createConfig, http, injected, type Config } from "wagmi";

import { chainOf } from "./chain.js";
import type { AppDeployment } from "./deployment.js";

export function wagmiConfigFor(deployment: AppDeployment): Config {
  const chain = chainOf(deployment);
  return createConfig({
    chains: [chain],
    connectors: [injected()],
    multiInjectedProviderDiscovery: true,
    transports: { [chain.id]: http(deployment.rpcUrl) },
  });
}
