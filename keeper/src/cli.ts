/**
 * `npm run keeper -- <serve|settle --epoch N|status> [options]`. Settings come from flags and the
 * environment; a missing or wrong one stops the keeper at start with a message naming it.
 */
import { ConfigError, helpText, parseConfig, settingsFromEnv, settingsFromFlags } from "./config.js";
import { PreflightError } from "./chain.js";
import { startKeeper } from "./index.js";
import { assembleKeeper } from "./keeper.js";
import { createLogger } from "./logger.js";
import { epochStatus } from "./settle/status.js";

const COMMANDS = ["serve", "settle", "status"] as const;
type Command = (typeof COMMANDS)[number];

function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    console.log(helpText());
    return argv.length === 0 ? 1 : 0;
  }
  const [command, ...rest] = argv;
  if (!COMMANDS.includes(command as Command))
    throw new ConfigError(`unknown command "${command}"; use serve, settle or status (see --help)`);
  let epoch: bigint | undefined;
  const flags: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === "--epoch" || arg.startsWith("--epoch=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : rest[++i];
      if (value === undefined || !/^[0-9]{1,20}$/.test(value))
        throw new ConfigError("--epoch: needs a decimal epoch number");
      epoch = BigInt(value);
    } else flags.push(arg);
  }
  const config = parseConfig({ ...settingsFromEnv(process.env), ...settingsFromFlags(flags) });
  const log = createLogger(config.logLevel);

  if (command === "serve") {
    const keeper = await startKeeper({ ...config, logger: log });
    const shutdown = () => {
      log.info("shutting down");
      keeper.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
    return new Promise<number>(() => undefined);
  }

  const parts = await assembleKeeper(config, { log, defaultMetrics: false });
  try {
    if (command === "settle") {
      if (epoch === undefined) throw new ConfigError("--epoch: required by settle");
      if (parts.settler === undefined)
        throw new ConfigError(
          "--private-key (PLAUDIT_KEEPER_KEY) or --keystore (PLAUDIT_KEYSTORE): settle needs a signer",
        );
      const report = await parts.settler.settleEpoch(epoch, { ignoreGrace: true });
      console.log(json(report));
      return report.state === "done" ? 0 : 2;
    }
    const current = await parts.chain.currentEpoch();
    const epochs = epoch !== undefined ? [epoch] : current > 0n ? [current - 1n, current] : [current];
    console.log(
      json({
        deployment: parts.chain.deployment,
        chainTime: await parts.chain.chainTime(),
        currentEpoch: current,
        signer: parts.account?.address ?? null,
        storage: parts.store.kind,
        epochs: await Promise.all(epochs.map((e) => epochStatus(parts.chain, parts.store, e))),
      }),
    );
    return 0;
  } finally {
    await parts.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof PreflightError) {
      console.error(`keeper: ${error.message}`);
      process.exit(64);
    }
    console.error("keeper: failed:", error);
    process.exit(1);
  },
);
