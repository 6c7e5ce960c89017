/**
 * Ponder's configuration: one chain and the pool, both from the deployment file the deploy step writes
 * (lib/config.ts reads it and the environment). RPC URLs go through viem's `fallback` (several
 * endpoints, in order); `eth_getLogs` ranges are bounded by PLAUDIT_INDEXER_LOG_RANGE when set, so a
 * free-tier RPC never sees a query over its limit.
 */
import { plauditPoolAbi } from "@plaudit/protocol";
import { createConfig } from "ponder";
import { fallback, http, webSocket } from "viem";

import { indexerConfigFromEnv } from "./lib/config";

const config = indexerConfigFromEnv();
const transports = config.rpcUrls.map((url) => (url.startsWith("ws") ? webSocket(url) : http(url)));

export default createConfig({
  database:
    config.database.kind === "postgres"
      ? { kind: "postgres", connectionString: config.database.connectionString }
      : {
          kind: "pglite",
          ...(config.database.directory === undefined ? {} : { directory: config.database.directory }),
        },
  chains: {
    plaudit: {
      id: config.deployment.chainId,
      rpc: transports.length === 1 ? transports[0] : fallback(transports),
      pollingInterval: config.pollingMs,
      ...(config.logRange === undefined ? {} : { ethGetLogsBlockRange: config.logRange }),
    },
  },
  contracts: {
    PlauditPool: {
      chain: "plaudit",
      abi: plauditPoolAbi,
      address: config.deployment.pool,
      startBlock: config.deployment.deployBlock,
    },
  },
});
