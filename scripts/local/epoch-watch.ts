/**
 * Tells the person running the local system when an epoch ends and what the keeper did with it, from the
 * keeper's own API (`/v1/epochs/current`, `/v1/epochs/:n`).
 */
import { z } from "zod";

const currentSchema = z.object({ epoch: z.string().regex(/^[0-9]+$/), chainTime: z.number() });
const statusSchema = z.object({
  status: z.enum(["open", "settling", "settled", "expired"]),
  readers: z.number(),
  clicks: z.number(),
  settledReaders: z.number(),
  skippedReaders: z.number(),
  droppedReaders: z.number(),
});

async function getJson<T>(url: string, schema: z.ZodType<T>): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return schema.parse(await response.json());
}

export interface EpochWatcher {
  /** Checks once; call it every few seconds. Never throws. */
  tick(): Promise<void>;
}

export function watchEpochs(options: {
  keeperUrl: string;
  graceSeconds: number;
  print(line: string): void;
}): EpochWatcher {
  let current: bigint | undefined;
  const pending = new Set<bigint>();
  return {
    async tick() {
      try {
        const now = await getJson(`${options.keeperUrl}/v1/epochs/current`, currentSchema);
        const epoch = BigInt(now.epoch);
        if (current !== undefined && epoch > current) {
          for (let e = current; e < epoch; e++) {
            options.print(
              `epoch ${e} ended; the keeper settles it after ${options.graceSeconds} s of grace. Epoch ${epoch} is open.`,
            );
            pending.add(e);
          }
        }
        current = epoch;
        for (const e of pending) {
          const status = await getJson(`${options.keeperUrl}/v1/epochs/${e}`, statusSchema);
          if (status.status === "settled" && status.readers === 0) {
            options.print(
              `epoch ${e}: the keeper had no tallies, nothing to settle (unclicked budgets return to readers by withdraw after the deadline).`,
            );
          } else if (status.status === "settled") {
            options.print(
              `epoch ${e} settled: ${status.settledReaders} reader(s) paid out for ${status.clicks} click(s)` +
                (status.skippedReaders + status.droppedReaders > 0
                  ? `, ${status.skippedReaders} skipped, ${status.droppedReaders} dropped`
                  : "") +
                `. Creators can claim now (dApp, #/creator).`,
            );
          } else if (status.status === "expired") {
            options.print(`epoch ${e} expired before it was settled.`);
          } else continue;
          pending.delete(e);
        }
      } catch {
        // The keeper is starting or stopping; the next tick tries again.
      }
    },
  };
}
