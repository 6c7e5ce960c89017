/**
 * The keeper's programmatic API: `startKeeper` runs the HTTP API and (optionally) the settlement loop
 * in-process, as `npm start`, the dApp's browser test and the simulation use it.
 */
import type { AddressInfo } from "node:net";

import type { Transport } from "viem";

import { createServer } from "./api/index.js";
import { ConfigError, parseConfig, type KeeperConfigInput } from "./config.js";
import { assembleKeeper, type KeeperParts } from "./keeper.js";
import { createLogger, type Logger } from "./logger.js";
import { restoreMetrics } from "./metrics.js";
import { SettlementLoop } from "./settle/loop.js";
import type { SettlerFaults } from "./settle/settler.js";

export { ConfigError, parseConfig } from "./config.js";
export { PreflightError } from "./chain.js";
export type { KeeperConfig, KeeperConfigInput } from "./config.js";
export type { EpochReport } from "./settle/settler.js";

export interface StartKeeperOptions extends Omit<KeeperConfigInput, "rpcUrl"> {
  /** JSON-RPC URL; or give `transport` (e.g. viem `custom(eip1193Provider)`). */
  rpcUrl?: string;
  transport?: Transport;
  /** A pino logger to use instead of creating one at `logLevel`. */
  logger?: Logger;
  /** Test hooks that simulate faults in settlement. */
  faults?: SettlerFaults;
}

export interface RunningKeeper extends KeeperParts {
  url: string;
  loop: SettlementLoop | undefined;
  stop(): Promise<void>;
}

export async function startKeeper(options: StartKeeperOptions): Promise<RunningKeeper> {
  const { transport, logger, faults, ...raw } = options;
  const config = parseConfig({ port: 0, ...raw } as Record<string, unknown>);
  if (config.rpcUrl === undefined && transport === undefined)
    throw new ConfigError("--rpc-url (PLAUDIT_RPC_URL): missing");
  const log = logger ?? createLogger(config.logLevel);
  let loop: SettlementLoop | undefined;
  const parts = await assembleKeeper(config, {
    log,
    transport,
    faults,
    shouldStop: () => loop?.isStopped ?? false,
    followReaderEvents: true,
  });
  if (config.settle && parts.settler === undefined) {
    await parts.close();
    throw new ConfigError(
      "--private-key (PLAUDIT_KEEPER_KEY) or --keystore (PLAUDIT_KEYSTORE): settlement needs a signer (or pass --settle false)",
    );
  }
  try {
    await restoreMetrics(parts.metrics, parts.store);
  } catch (error) {
    log.warn({ err: (error as Error).message }, "could not restore metrics from the store");
  }
  const server = createServer(parts, config);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url }, "keeper API listening");
  if (config.settle && parts.settler !== undefined) {
    loop = new SettlementLoop(
      {
        chain: parts.chain,
        settler: parts.settler,
        log: log.child({ module: "loop" }),
        metrics: parts.metrics,
      },
      { pollIntervalMs: config.pollIntervalMs, graceSeconds: config.graceSeconds },
    );
    loop.start();
  }
  let stopping: Promise<void> | undefined;
  return {
    ...parts,
    url,
    loop,
    stop: () => {
      stopping ??= (async () => {
        await loop?.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await parts.close();
        log.info("keeper stopped");
      })();
      return stopping;
    },
  };
}
