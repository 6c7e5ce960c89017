/**
 * Runs the indexer (`ponder start`) as a child process: the one entry point for `npm start`, tests and
 * benchmarks. Ponder's telemetry is always off. `stop()` sends SIGTERM, so Ponder checkpoints and
 * releases its database; a later start on the same database resumes from there.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { INDEXER_ENV } from "./lib/config.js";

const indexerRoot = dirname(fileURLToPath(import.meta.url));
/** Ponder's CLI (its package exports no package.json: found beside its main module, dist/esm/index.js). */
const ponderBin = join(dirname(fileURLToPath(import.meta.resolve("ponder"))), "bin", "ponder.js");

export interface IndexerOptions {
  /** The deployment file (protocol's `deploymentSchema`) naming the chain, the pool and its deploy block. */
  deploymentFile: string;
  /** JSON-RPC endpoints, in order (viem `fallback`); default: the deployment's `rpcUrl`. */
  rpcUrls?: readonly string[];
  /** Largest `eth_getLogs` range in blocks (a free tier's limit); default: learnt from the RPC's errors. */
  logRange?: number;
  /** How often Ponder polls for new blocks, in ms (default 1000). */
  pollingMs?: number;
  port: number;
  host?: string;
  /** PostgreSQL URL; when unset, the embedded PGlite in `pgliteDir` (default indexer/.ponder/pglite). */
  databaseUrl?: string;
  pgliteDir?: string;
  /** The database schema the indexer's tables live in (Ponder requires one for `start`). */
  databaseSchema: string;
  logLevel?: "error" | "warn" | "info" | "debug" | "trace";
  /** Called with each line Ponder prints (JSON logs). */
  onLog?: (line: string) => void;
}

export interface RunningIndexer {
  url: string;
  pid: number | undefined;
  /** Resolves when the process ends, with its exit code or signal. */
  exited: Promise<string>;
  /** Resolves once the HTTP server answers `/health`. */
  started(timeoutMs?: number): Promise<void>;
  /** Resolves once the historical sync is complete (`/ready` answers 200). */
  ready(timeoutMs?: number): Promise<void>;
  /** The last lines Ponder printed (for error messages). */
  log(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once: a crash. */
  kill(): void;
}

/** The environment `ponder start` needs for `options` (what lib/config.ts reads). */
export function indexerEnv(options: IndexerOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PONDER_TELEMETRY_DISABLED: "true",
    FORCE_COLOR: "0",
    [INDEXER_ENV.deployment]: options.deploymentFile,
    // Ponder's database schema, read by Ponder and by the API (its /v1/status).
    DATABASE_SCHEMA: options.databaseSchema,
  };
  for (const name of [INDEXER_ENV.rpcUrls, INDEXER_ENV.logRange, INDEXER_ENV.pollingMs, INDEXER_ENV.pgliteDir]) {
    delete env[name];
  }
  delete env[INDEXER_ENV.databaseUrl];
  delete env.DATABASE_PRIVATE_URL;
  if (options.rpcUrls !== undefined) env[INDEXER_ENV.rpcUrls] = options.rpcUrls.join(",");
  if (options.logRange !== undefined) env[INDEXER_ENV.logRange] = String(options.logRange);
  if (options.pollingMs !== undefined) env[INDEXER_ENV.pollingMs] = String(options.pollingMs);
  if (options.pgliteDir !== undefined) env[INDEXER_ENV.pgliteDir] = options.pgliteDir;
  if (options.databaseUrl !== undefined) env[INDEXER_ENV.databaseUrl] = options.databaseUrl;
  return env;
}

async function poll(what: string, check: () => Promise<boolean>, timeoutMs: number, gone: () => string | null) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exit = gone();
    if (exit !== null) throw new Error(`the indexer exited (${exit}) before ${what}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`the indexer was not ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Starts `ponder start` for `options`; resolves at once (await `started()` or `ready()`). */
export function startIndexer(options: IndexerOptions): RunningIndexer {
  const host = options.host ?? "127.0.0.1";
  const url = `http://${host}:${options.port}`;
  const args = [
    ponderBin,
    "--root",
    indexerRoot,
    "--log-format",
    "json",
    "--log-level",
    options.logLevel ?? "warn",
    "start",
    "--port",
    String(options.port),
    "--hostname",
    host,
  ];
  const child = spawn(process.execPath, args, {
    cwd: indexerRoot,
    env: indexerEnv(options),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-16_000);
    if (options.onLog !== undefined) for (const line of text.split("\n")) if (line !== "") options.onLog(line);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exit: string | null = null;
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => resolve(signal ?? `exit code ${code ?? "?"}`));
    child.once("error", (error) => resolve(`could not start: ${error.message}`));
  });
  void exited.then((how) => void (exit = how));
  const failed = (what: string) => (error: unknown) => {
    throw new Error(`${(error as Error).message} (${what}); its last output:\n${output.slice(-4000)}`);
  };

  return {
    url,
    pid: child.pid,
    exited,
    started: (timeoutMs = 120_000) =>
      poll(
        "serving",
        async () => (await fetch(`${url}/health`)).ok,
        timeoutMs,
        () => exit,
      ).catch(failed("health")),
    ready: (timeoutMs = 600_000) =>
      poll(
        "synced",
        async () => (await fetch(`${url}/ready`)).status === 200,
        timeoutMs,
        () => exit,
      ).catch(failed("ready")),
    log: () => output,
    kill() {
      if (exit === null) child.kill("SIGKILL");
    },
    async stop(graceMs = 10_000) {
      if (exit !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
