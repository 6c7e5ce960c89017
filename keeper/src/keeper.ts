/** Wires the keeper's parts from one parsed config: chain, store, admission, settler. */
import { fallback, http, webSocket, type Transport } from "viem";
import { privateKeyToAccount, type LocalAccount } from "viem/accounts";

import { TallyAdmission } from "./admission.js";
import { ChainView } from "./chain.js";
import { ConfigError, rpcUrlList, type KeeperConfig } from "./config.js";
import { decryptKeystore } from "./keystore.js";
import type { Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { Settler, type SettlerFaults } from "./settle/settler.js";
import { rpcFetch } from "./rpc-fetch.js";
import { openStore } from "./store/index.js";
import { VerifyPool } from "./verify-pool.js";
import { plauditDomain } from "@plaudit/protocol";
import type { Store } from "./store/types.js";

export interface KeeperParts {
  config: KeeperConfig;
  chain: ChainView;
  store: Store;
  admission: TallyAdmission;
  metrics: Metrics;
  log: Logger;
  account: LocalAccount | undefined;
  /** Present when a signer is configured. */
  settler: Settler | undefined;
  /** Closes the store and the verification workers. */
  close(): Promise<void>;
}

export function transportFor(config: KeeperConfig, transport?: Transport): Transport {
  if (transport !== undefined) return transport;
  if (config.rpcUrl === undefined) throw new ConfigError("--rpc-url (PLAUDIT_RPC_URL): missing");
  // The keeper retries with its own backoff (429s included); viem's retries would multiply it.
  const one = (url: string) =>
    url.startsWith("ws")
      ? webSocket(url, { retryCount: 0 })
      : http(url, { retryCount: 0, timeout: 20_000, fetchFn: rpcFetch });
  const urls = rpcUrlList(config.rpcUrl);
  // Several URLs: each call goes to the first that answers (viem `fallback`), in the order given.
  return urls.length === 1 ? one(urls[0] as string) : fallback(urls.map(one), { retryCount: 0 });
}

export async function signerOf(config: KeeperConfig): Promise<LocalAccount | undefined> {
  if (config.privateKey !== undefined) return privateKeyToAccount(config.privateKey);
  if (config.keystore !== undefined)
    return privateKeyToAccount(await decryptKeystore(config.keystore, config.keystorePassword ?? ""));
  return undefined;
}

/** Most log ranges one catch-up of reader events reads before it drops the caches instead. */
const MAX_LOG_RANGES_PER_CATCH_UP = 5;

export async function assembleKeeper(
  config: KeeperConfig,
  options: {
    log: Logger;
    transport?: Transport | undefined;
    faults?: SettlerFaults | undefined;
    shouldStop?: () => boolean;
    defaultMetrics?: boolean;
    /** Follow reader events (revocations, subscriptions) for the API's caches; `serve` does. */
    followReaderEvents?: boolean;
  },
): Promise<KeeperParts> {
  const { log } = options;
  const account = await signerOf(config);
  const transport = transportFor(config, options.transport);
  const chain = await ChainView.connect({
    transport,
    pool: config.pool,
    chainId: config.chainId,
    log: log.child({ module: "chain" }),
    chainTimeTtlMs: config.chainTimeTtlMs,
    followReaderEvents:
      options.followReaderEvents === true
        ? { maxLogRange: config.logRangeBlocks, maxRanges: MAX_LOG_RANGES_PER_CATCH_UP }
        : undefined,
  });
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? false });
  const verifyPool = new VerifyPool(
    plauditDomain(chain.deployment.chainId, chain.deployment.pool),
    config.verifyWorkers,
  );
  const admission = new TallyAdmission(chain, { graceSeconds: config.graceSeconds }, verifyPool);
  const settler =
    account === undefined
      ? undefined
      : new Settler(
          { chain, store, account, log: log.child({ module: "settler" }), metrics, verifyPool, faults: options.faults },
          {
            batchGasLimit: config.batchGasLimit,
            pollIntervalMs: config.pollIntervalMs,
            stuckAfterMs: config.stuckAfterMs,
            graceSeconds: config.graceSeconds,
          },
          options.shouldStop,
        );
  log.info(
    {
      chainId: chain.deployment.chainId,
      pool: chain.deployment.pool,
      storage: store.kind,
      signer: account?.address ?? null,
    },
    "keeper ready",
  );
  const close = async () => {
    await verifyPool.close();
    await store.close();
  };
  return { config, chain, store, admission, metrics, log, account, settler, close };
}
