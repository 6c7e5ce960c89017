/** The deployment and the first-party services (storage, locks, keeper, chain client) for every page. */
import { createContext, useContext, useMemo, type ReactNode } from "react";
import type { PublicClient } from "viem";

import { createIndexerClient, type EpochSchedule, type IndexerClient } from "@plaudit/protocol";
import type { AppDeployment } from "../config/deployment.js";
import { browserEnv } from "../lib/browserEnv.js";
import { scheduleOf } from "../lib/clickService.js";
import { ensLookupFor, type EnsLookup } from "../lib/ens.js";
import type { ErrorContext } from "../lib/errors.js";
import { indexerHistory, logHistory, type HistorySource } from "../lib/history.js";
import { createLogScanner } from "../lib/logScanner.js";
import type { KeeperClient } from "@plaudit/protocol";
import type { Locks } from "../lib/locks.js";
import type { Scope } from "../lib/records.js";
import type { KeyValueStore } from "../lib/storage.js";

export interface Services {
  deployment: AppDeployment;
  scope: Scope;
  schedule: EpochSchedule;
  store: KeyValueStore;
  locks: Locks;
  keeper: KeeperClient | undefined;
  client: PublicClient;
  /** The indexer, when the deployment names one. */
  indexer: IndexerClient | undefined;
  /** Where history is read: the indexer, or bounded log reads when there is none. */
  history: HistorySource;
  /** ENS on mainnet (loaded on first use) when the deployment names `ensRpcUrl`; else no ENS at all. */
  ens: (() => Promise<EnsLookup>) | undefined;
  errorContext: ErrorContext;
  chainTime: () => Promise<bigint>;
  now: () => number;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ deployment, children }: { deployment: AppDeployment; children: ReactNode }) {
  const services = useMemo<Services>(() => {
    const env = browserEnv(deployment);
    const indexer = deployment.indexerUrl === undefined ? undefined : createIndexerClient(deployment.indexerUrl);
    const history =
      indexer !== undefined
        ? indexerHistory(indexer)
        : logHistory(
            createLogScanner({
              client: env.client,
              pool: deployment.pool,
              fromBlock: BigInt(deployment.deployBlock),
              maxRange: deployment.logRange === undefined ? undefined : BigInt(deployment.logRange),
            }),
            env.client,
            scheduleOf(deployment),
          );
    return {
      ...env,
      indexer,
      history,
      ens: ensLookupFor(deployment),
      scope: { chainId: deployment.chainId, pool: deployment.pool },
      schedule: scheduleOf(deployment),
      errorContext: { tokenSymbol: deployment.tokenSymbol, tokenDecimals: deployment.tokenDecimals },
    };
  }, [deployment]);
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (services === null) throw new Error("useServices outside ServicesProvider");
  return services;
}
