/**
 * The settlement loop: every poll interval, settle the epoch that ended (plus grace) and is still in its
 * window, by chain time. Of several keepers on one database, the one that takes the store's settlement
 * lock settles; the others find it busy and try again on their next pass.
 */
import type { ChainView } from "../chain.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { shortError } from "../retry.js";
import type { Settler } from "./settler.js";

export class SettlementLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly done = new Set<bigint>();

  constructor(
    private readonly deps: { chain: ChainView; settler: Settler; log: Logger; metrics: Metrics },
    private readonly options: { pollIntervalMs: number; graceSeconds: number },
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.tick().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(tick, this.options.pollIntervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass; errors are logged and counted, and the next pass retries. */
  async tick(): Promise<void> {
    const { chain, settler, log, metrics } = this.deps;
    try {
      chain.invalidateChainTime();
      const now = await chain.chainTime();
      const current = await chain.currentEpoch();
      if (current === 0n) return;
      const epoch = current - 1n;
      const bounds = chain.bounds(epoch);
      if (this.done.has(epoch) || now < bounds.end + BigInt(this.options.graceSeconds) || now >= bounds.deadline)
        return;
      const report = await settler.settleEpoch(epoch);
      if (report.state === "done") {
        this.done.add(epoch);
        metrics.lastSettledEpoch.set(Number(epoch));
      }
    } catch (error) {
      metrics.settlementErrors.inc();
      log.error({ err: shortError(error) }, "settlement pass failed; retrying next interval");
    }
  }
}
