/** Prometheus metrics of one keeper instance (own registry, so several keepers can share a process). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

import type { Store } from "./store/types.js";

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry, prefix: "plaudit_keeper_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "plaudit_keeper_http_requests_total",
      help: "HTTP requests by route and status (499: the client went away before the answer)",
      labelNames: ["route", "status"] as const,
      registers: [registry],
    }),
    talliesReceived: new Counter({
      name: "plaudit_keeper_tallies_total",
      help: "Posted tallies by result (stored, unchanged, or the error code)",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    ingestSeconds: new Histogram({
      name: "plaudit_keeper_tally_ingest_seconds",
      help: "Time to verify and store a posted tally",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: [registry],
    }),
    settlementReaders: new Gauge({
      name: "plaudit_keeper_settlement_readers",
      help: "Readers of an epoch by settlement state (pending, settled, skipped, dropped)",
      labelNames: ["epoch", "state"] as const,
      registers: [registry],
    }),
    settlementTransactions: new Counter({
      name: "plaudit_keeper_settlement_transactions_total",
      help: "Settle transactions by final status",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    settlementErrors: new Counter({
      name: "plaudit_keeper_settlement_errors_total",
      help: "Settlement loop iterations that failed",
      registers: [registry],
    }),
    lastSettledEpoch: new Gauge({
      name: "plaudit_keeper_last_settled_epoch",
      help: "Latest epoch whose every reader has an outcome",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Sets the gauges that outlive the process from what the store remembers (at start). */
export async function restoreMetrics(metrics: Metrics, store: Store): Promise<void> {
  const last = await store.lastSettledEpoch();
  if (last !== undefined) metrics.lastSettledEpoch.set(Number(last));
}
