/**
 * Progress on stderr: a redrawn bar on a terminal, plain lines (every 10% and at the end) otherwise, so
 * logs of CI runs stay readable. Silent when given no stream.
 */
export interface Progress {
  /** Advances by `n` steps. */
  tick(n?: number): void;
  done(note?: string): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const BAR_WIDTH = 28;
const REDRAW_MS = 80;

export function startProgress(stream: ProgressStream | undefined, label: string, total: number): Progress {
  if (stream === undefined) return { tick: () => undefined, done: () => undefined };
  let count = 0;
  let lastDraw = 0;
  let lastTenth = -1;
  const started = Date.now();
  const tty = stream.isTTY === true;
  const line = () => {
    const pct = total === 0 ? 100 : Math.floor((count / total) * 100);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (!tty) return `${label}: ${count}/${total} (${pct}%) ${seconds}s`;
    const filled = total === 0 ? BAR_WIDTH : Math.round((count / total) * BAR_WIDTH);
    return `${label.padEnd(22)} [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${count}/${total} ${pct}% ${seconds}s`;
  };
  const draw = (force: boolean) => {
    if (tty) {
      const now = Date.now();
      if (!force && now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      stream.write(`\r\x1b[2K${line()}`);
      return;
    }
    const tenth = total === 0 ? 10 : Math.floor((count / total) * 10);
    if (force || tenth > lastTenth) {
      lastTenth = tenth;
      stream.write(`${line()}\n`);
    }
  };
  draw(true);
  return {
    tick(n = 1) {
      count = Math.min(total, count + n);
      draw(false);
    },
    done(note) {
      count = total;
      if (tty) {
        stream.write(`\r\x1b[2K${line()}${note === undefined ? "" : ` ${note}`}\n`);
      } else if (note !== undefined || lastTenth < 10) {
        stream.write(`${line()}${note === undefined ? "" : ` ${note}`}\n`);
      }
    },
  };
}

/** A one-off status line (a phase that has no count). */
export function status(stream: ProgressStream | undefined, text: string): void {
  stream?.write(`${text}\n`);
}
