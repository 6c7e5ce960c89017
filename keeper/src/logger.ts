/** Structured JSON logs (pino); each module logs through a child named for it. */
import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

export function createLogger(level: LevelWithSilent, destination?: NodeJS.WritableStream): Logger {
  return pino({ name: "plaudit-keeper", level }, destination ?? process.stderr);
}
