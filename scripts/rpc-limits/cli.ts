/**
 * `npm run rpc-limits -- --upstream http://127.0.0.1:8545 --port 8546 --profile public`: a free-tier-like
 * JSON-RPC proxy in front of a chain (proxy.ts), for trying the dApp or an indexer against public-RPC
 * limits by hand. Each limit can be changed on its own; counters at `GET /limits/stats`. Ctrl-C stops it.
 */
import { z } from "zod";

import { CliOptionsError, optionRows, rawOptionsFromArgs, rawOptionsFromEnv } from "../../keeper/src/cli-options.js";
import { RPC_LIMIT_PROFILES, rpcLimitsSchema, type RpcLimitProfile } from "./limits.js";
import { startRpcLimitsProxy } from "./proxy.js";

const OPTIONS = {
  upstream: { flag: "upstream", env: "PLAUDIT_RPC_LIMITS_UPSTREAM", help: "the chain's JSON-RPC URL (required)" },
  port: { flag: "port", env: "PLAUDIT_RPC_LIMITS_PORT", help: "port to listen on (default 8546)" },
  profile: { flag: "profile", env: "PLAUDIT_RPC_LIMITS_PROFILE", help: "public (default), archive or none" },
  maxLogRange: { flag: "log-range", env: "PLAUDIT_RPC_LIMITS_LOG_RANGE", help: "largest eth_getLogs range in blocks" },
  maxLogResults: { flag: "log-results", env: "PLAUDIT_RPC_LIMITS_LOG_RESULTS", help: "most logs per eth_getLogs" },
  requestsPerSecond: { flag: "rps", env: "PLAUDIT_RPC_LIMITS_RPS", help: "calls per second per client" },
  maxBatch: { flag: "batch", env: "PLAUDIT_RPC_LIMITS_BATCH", help: "most calls per JSON-RPC batch" },
  timeoutRate: {
    flag: "timeout-rate",
    env: "PLAUDIT_RPC_LIMITS_TIMEOUT_RATE",
    help: "share of requests that time out",
  },
  timeoutMs: { flag: "timeout-ms", env: "PLAUDIT_RPC_LIMITS_TIMEOUT_MS", help: "how long a timed-out request hangs" },
  seed: { flag: "seed", env: "PLAUDIT_RPC_LIMITS_SEED", help: "seed of the timeouts' draw" },
} as const;

/** A limit given as a number, or "off". */
const limit = z.union([z.literal("off").transform(() => null), z.coerce.number()]);

function parse(raw: Record<string, string>) {
  const profile = (raw.profile ?? "public") as RpcLimitProfile;
  if (!(profile in RPC_LIMIT_PROFILES)) {
    throw new CliOptionsError(`--profile: "${profile}" is not ${Object.keys(RPC_LIMIT_PROFILES).join(", ")}`);
  }
  const overrides = Object.fromEntries(
    (["maxLogRange", "maxLogResults", "requestsPerSecond", "maxBatch", "timeoutRate", "timeoutMs", "seed"] as const)
      .filter((key) => raw[key] !== undefined)
      .map((key) => [key, limit.parse(raw[key])]),
  );
  const limits = rpcLimitsSchema.safeParse({ ...RPC_LIMIT_PROFILES[profile], ...overrides });
  if (!limits.success) {
    const issue = limits.error.issues[0];
    const key = String(issue?.path[0] ?? "") as keyof typeof OPTIONS;
    throw new CliOptionsError(`--${OPTIONS[key]?.flag ?? key}: ${issue?.message ?? "invalid"}`);
  }
  const upstream = z.url().safeParse(raw.upstream);
  if (!upstream.success) throw new CliOptionsError("--upstream: the chain's JSON-RPC URL is required");
  const port = z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .safeParse(raw.port ?? "8546");
  if (!port.success) throw new CliOptionsError("--port: not a port number");
  return { upstream: upstream.data, port: port.data, limits: limits.data };
}

try {
  const { help, raw } = rawOptionsFromArgs(process.argv.slice(2), OPTIONS);
  if (help) {
    process.stdout.write(`npm run rpc-limits -- [options]\n\n${optionRows(OPTIONS, 16, 34).join("\n")}\n`);
    process.exit(0);
  }
  const options = parse({ ...rawOptionsFromEnv(process.env, OPTIONS), ...raw });
  const proxy = await startRpcLimitsProxy(options);
  process.stdout.write(`rpc-limits: ${proxy.url} -> ${options.upstream} ${JSON.stringify(options.limits)}\n`);
  process.stdout.write(`counters: ${proxy.url}/limits/stats\n`);
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  if (!(error instanceof CliOptionsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
