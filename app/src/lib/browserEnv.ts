/**
 * A browser's click environment: localStorage and Web Locks (the page's own, or a Storage Access
 * handle's), the keeper, and the chain's clock, the reader's session nonce and budget.
 */
import { createPublicClient, type PublicClient } from "viem";

import { createKeeperClient, plauditPoolAbi } from "@plaudit/protocol";
import { chainOf, transportOf } from "../config/chain.js";
import type { AppDeployment } from "../config/deployment.js";
import type { ClickEnv } from "./clickService.js";
import { webLocks, type Locks } from "./locks.js";
import { webStore, type KeyValueStore } from "./storage.js";

export function publicClientFor(deployment: AppDeployment): PublicClient {
  // Several reads at once go out as one deployless multicall (no Multicall3 deployment needed).
  return createPublicClient({
    chain: chainOf(deployment),
    transport: transportOf(deployment),
    batch: { multicall: { deployless: true } },
  });
}

export interface StorageSource {
  localStorage: Storage;
  locks?: LockManager;
}

export function browserEnv(
  deployment: AppDeployment,
  source: StorageSource = { localStorage: window.localStorage, locks: navigator.locks },
): ClickEnv &
  Required<Pick<ClickEnv, "sessionNonce" | "budget">> & {
    store: KeyValueStore;
    locks: Locks;
    client: PublicClient;
  } {
  const client = publicClientFor(deployment);
  return {
    deployment,
    store: webStore(source.localStorage),
    locks: webLocks(source.locks),
    keeper: deployment.keeperUrl === undefined ? undefined : createKeeperClient(deployment.keeperUrl),
    chainTime: async () => (await client.getBlock({ blockTag: "latest" })).timestamp,
    sessionNonce: (reader) =>
      client.readContract({
        address: deployment.pool,
        abi: plauditPoolAbi,
        functionName: "sessionNonceOf",
        args: [reader],
      }),
    budget: async (reader, epoch) => {
      const [amount] = await client.readContract({
        address: deployment.pool,
        abi: plauditPoolAbi,
        functionName: "budgetOf",
        args: [reader, epoch],
      });
      return amount;
    },
    now: () => Date.now(),
    client,
  };
}
