/**
 * Command-line options of the keeper and of the project's scripts (`npm start`, `simulate`, `deploy`):
 * each option has a `--flag`, an environment variable and a help line; flags override the environment.
 * The raw strings found here are then checked by each program's own zod schema.
 */

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

/** `--flag value` / `--flag=value` pairs by option name; unknown flags and missing values throw. */
export function rawOptionsFromArgs(
  args: readonly string[],
  table: OptionTable,
  { booleans = [], repeatable = [], helpHint = "see --help" }: ArgsParsing = {},
): { help: boolean; raw: Record<string, string> } {
  const byFlag = new Map<string, string>(Object.entries(table).map(([name, o]) => [o.flag, name]));
  const raw: Record<string, string> = {};
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) throw new CliOptionsError(`unexpected argument "${arg}" (${helpHint})`);
    const eq = arg.indexOf("=");
    const flag = arg.slice(2, eq === -1 ? undefined : eq);
    const name = byFlag.get(flag);
    if (name === undefined) throw new CliOptionsError(`unknown option --${flag} (${helpHint})`);
    const next = args[i + 1];
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (booleans.includes(name) && (next === undefined || next.startsWith("--"))) value = "true";
    else value = args[++i];
    if (value === undefined || value.startsWith("--")) throw new CliOptionsError(`--${flag} needs a value`);
    raw[name] = repeatable.includes(name) && raw[name] !== undefined ? `${raw[name]},${value}` : value;
  }
  return { help, raw };
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
