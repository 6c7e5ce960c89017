/**
 * The indexer's configuration, parsed once from the environment with zod (Ponder evaluates
 * ponder.config.ts and the API in its own process, so the environment is how settings reach them).
 * A missing or wrong setting fails at start naming the variable.
 */
import { readFileSync } from "node:fs";

import { deploymentSchema, type Deployment } from "@plaudit/protocol";
import { z } from "zod";

/** Every variable the indexer reads, and what it means (docs/operations.md lists the same). */
export const INDEXER_ENV = {
  deployment: "PLAUDIT_INDEXER_DEPLOYMENT",
  rpcUrls: "PLAUDIT_INDEXER_RPC_URLS",
  logRange: "PLAUDIT_INDEXER_LOG_RANGE",
  pollingMs: "PLAUDIT_INDEXER_POLLING_MS",
  pgliteDir: "PLAUDIT_INDEXER_PGLITE_DIR",
  databaseUrl: "DATABASE_URL",
} as const;

const urlList = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((url) => url.trim())
      .filter((url) => url !== ""),
  )
  .pipe(z.array(z.url({ protocol: /^(https?|wss?)$/ })).min(1, "needs at least one URL"));

const envSchema = z.object({
  [INDEXER_ENV.deployment]: z.string().min(1, "the deployment file (deployments/<chainId>.json) is required"),
  [INDEXER_ENV.rpcUrls]: urlList.optional(),
  [INDEXER_ENV.logRange]: z.coerce.number().int().min(1).max(1_000_000).optional(),
  [INDEXER_ENV.pollingMs]: z.coerce.number().int().min(100).max(600_000).default(1000),
  [INDEXER_ENV.pgliteDir]: z.string().min(1).optional(),
  [INDEXER_ENV.databaseUrl]: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
});

export interface IndexerConfig {
  deployment: Deployment;
  /** JSON-RPC endpoints, tried in order (viem `fallback`): the variable's, else the deployment's `rpcUrl`. */
  rpcUrls: string[];
  /** Largest `eth_getLogs` range in blocks; undefined lets Ponder learn it from the RPC's errors. */
  logRange: number | undefined;
  pollingMs: number;
  database: { kind: "postgres"; connectionString: string } | { kind: "pglite"; directory: string | undefined };
}

export class IndexerConfigError extends Error {
  override readonly name = "IndexerConfigError";
}

const issuesOf = (error: z.ZodError) =>
  error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`).join("\n  ");

/** Reads the configuration from `env`; throws an IndexerConfigError naming every bad setting. */
export function indexerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IndexerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new IndexerConfigError(`invalid indexer settings:\n  ${issuesOf(parsed.error)}`);
  const vars = parsed.data;
  const file = vars[INDEXER_ENV.deployment];
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new IndexerConfigError(`${INDEXER_ENV.deployment}: cannot read ${file}: ${(error as Error).message}`);
  }
  const deployment = deploymentSchema.safeParse(json);
  if (!deployment.success)
    throw new IndexerConfigError(`${file} is not a deployment:\n  ${issuesOf(deployment.error)}`);
  const rpcUrls = vars[INDEXER_ENV.rpcUrls] ?? (deployment.data.rpcUrl === undefined ? [] : [deployment.data.rpcUrl]);
  if (rpcUrls.length === 0) {
    throw new IndexerConfigError(`${INDEXER_ENV.rpcUrls}: required (the deployment file names no rpcUrl)`);
  }
  const databaseUrl = vars[INDEXER_ENV.databaseUrl];
  return {
    deployment: deployment.data,
    rpcUrls,
    logRange: vars[INDEXER_ENV.logRange],
    pollingMs: vars[INDEXER_ENV.pollingMs],
    database:
      databaseUrl === undefined
        ? { kind: "pglite", directory: vars[INDEXER_ENV.pgliteDir] }
        : { kind: "postgres", connectionString: databaseUrl },
  };
}
