/** The relay, wired from the keeper's parts and configuration: its routes, with a relayer when it has a key. */
import { privateKeyToAccount } from "viem/accounts";

import type { KeeperConfig } from "../config.js";
import type { KeeperParts } from "../keeper.js";
import { Relayer } from "./relayer.js";
import { createRelayRoutes, type RelayRoutes } from "./routes.js";

export function createRelay(parts: Pick<KeeperParts, "chain" | "log">, config: KeeperConfig): RelayRoutes {
  const { chain } = parts;
  const { chainId, pool, token } = chain.deployment;
  const relayer =
    config.relayKey === undefined
      ? undefined
      : new Relayer(
          {
            client: chain.client,
            account: privateKeyToAccount(config.relayKey),
            chainId,
            pool,
            log: parts.log.child({ module: "relay" }),
          },
          config.relayMaxGasPrice,
        );
  return createRelayRoutes(relayer, config, { chainId, pool, token });
}
