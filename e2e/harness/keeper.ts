/**
 * The real keeper for the browser tests, in-process: its API on a free port, SQLite in `dataDir`,
 * CORS for the dApp's origin, settlement off (the tests settle from the dApp, or call it themselves).
 */
import type { Address } from "viem";

import { startKeeper, type RunningKeeper, type StartKeeperOptions } from "../../keeper/src/index.js";
import { hardhatAccount } from "../../scripts/local/accounts.js";
import { CHAIN_ID } from "./chain.js";

export type { RunningKeeper };

export function testKeeperOptions(rpcUrl: string, pool: Address, dataDir: string, appOrigin: string) {
  return {
    rpcUrl,
    pool,
    chainId: CHAIN_ID,
    privateKey: hardhatAccount(1).privateKey,
    dataDir,
    port: 0,
    corsOrigins: [appOrigin],
    settle: false,
    graceSeconds: 0,
    pollIntervalMs: 500,
    logLevel: "warn",
  } satisfies StartKeeperOptions;
}

export { startKeeper };
