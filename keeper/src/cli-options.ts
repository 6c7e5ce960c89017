/**
 * Command-line options of the keeper and of the project's scripts (`npm start`, `simulate`, `deploy`), one
 * parser for all of them (Node's `util.parseArgs`): each option has a `--flag`, an environment variable and
 * a help line; flags override the environment.
 * The raw strings found here are then checked by each program's own zod schema.
 */
import { parseArgs } from "node:util";

/** A command-line option: its `--flag` (without dashes), its environment variable and its help line. */
export interface OptionSpec {
  flag: string;
  env: string;
  help: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** A bad command line or setting; the message names the flag and says what is wrong. */
export class CliOptionsError extends Error {
  override readonly name = "CliOptionsError";
}

export interface ArgsParsing {
  /** Options that may stand alone (`--rebuild`), meaning "true", when no value follows. */
  booleans?: readonly string[];
  /** Options that may be given several times: their values are joined with commas. */
  repeatable?: readonly string[];
  /** Where to look for the options, in error messages (default "see --help"). */
  helpHint?: string;
}

/** The error codes of `parseArgs`, rephrased for a person (`node:util` names them in `error.code`). */
function parseArgsProblem(error: unknown, helpHint: string): CliOptionsError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  const positional = /argument '([^']*)'/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new CliOptionsError(`unknown option ${flag ?? message} (${helpHint})`);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new CliOptionsError(`unexpected argument "${positional ?? message}" (${helpHint})`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new CliOptionsError(`${flag ?? "an option"} needs a value`);
    default:
      return new CliOptionsError(`${message} (${helpHint})`);
  }
}

/**
 * `--flag value` / `--flag=value` pairs by option name, parsed by Node's `util.parseArgs` (strict:
 * unknown flags, stray arguments and missing values throw a `CliOptionsError` that says which).
 */
export function rawOptionsFromArgs(
  args: readonly string[],
  table: OptionTable,
  { booleans = [], repeatable = [], helpHint = "see --help" }: ArgsParsing = {},
): { help: boolean; raw: Record<string, string> } {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  const booleanFlags = new Set<string>();
  for (const [name, option] of Object.entries(table)) {
    options[option.flag] = { type: "string", multiple: repeatable.includes(name) };
    if (booleans.includes(name)) booleanFlags.add(`--${option.flag}`);
  }
  // A boolean option may stand alone (`--rebuild`), meaning "true", or take a value (`--rebuild false`).
  const normalized = args.map((arg, i) => {
    const next = args[i + 1];
    return booleanFlags.has(arg) && (next === undefined || next.startsWith("--")) ? `${arg}=true` : arg;
  });
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: normalized, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw parseArgsProblem(error, helpHint);
  }
  const raw: Record<string, string> = {};
  for (const [name, option] of Object.entries(table)) {
    const value = values[option.flag];
    if (value === undefined) continue;
    const list = (Array.isArray(value) ? value : [value]).map(String);
    if (list.some((v) => v.startsWith("--"))) throw new CliOptionsError(`--${option.flag} needs a value`);
    raw[name] = list.join(",");
  }
  return { help: values["help"] === true, raw };
}

/** Raw option values from their environment variables (empty values count as unset). */
export function rawOptionsFromEnv(env: NodeJS.ProcessEnv, table: OptionTable): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [name, option] of Object.entries(table)) {
    const value = option.env === "" ? undefined : env[option.env];
    if (value !== undefined && value !== "") raw[name] = value;
  }
  return raw;
}

/** Help lines: flag, variable and meaning in aligned columns. */
export function optionRows(table: OptionTable, flagWidth: number, envWidth: number): string[] {
  return Object.values(table).map((o) => `  --${o.flag.padEnd(flagWidth)} ${o.env.padEnd(envWidth)} ${o.help}`);
}
