import type { Server } from "node:http";

import type { KeeperConfig } from "../config.js";
import type { KeeperParts } from "../keeper.js";
import { createRelay } from "../relay/index.js";
import { createApiServer } from "./server.js";

export function createServer(parts: KeeperParts, config: KeeperConfig): Server {
  return createApiServer(
    {
      chain: parts.chain,
      store: parts.store,
      admission: parts.admission,
      metrics: parts.metrics,
      log: parts.log.child({ module: "api" }),
      relay: createRelay(parts, config),
    },
    {
      corsOrigins: config.corsOrigins,
      maxBodyBytes: config.maxBodyBytes,
      ipRate: config.ipRate,
      readerRate: config.readerRate,
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      popularTtlMs: config.popularTtlMs,
      discoverRate: config.discoverRate,
      discoverAllowHosts: config.discoverAllowHosts,
    },
  );
}
