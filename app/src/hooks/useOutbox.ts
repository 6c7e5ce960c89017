/**
 * Runs the outbox in this tab: flushes on start, when the browser comes online, when another tab or
 * the pop-up queues a click, and when the next retry is due. Only one tab flushes at a time.
 */
import { useCallback, useEffect, useRef, useState } from "react";

import { discardFailed, flush, pendingEntries, retryFailed, type FlushResult } from "../lib/outbox.js";
import type { OutboxEntry } from "../lib/records.js";
import { useServices } from "./services.js";
import { useStoreVersion } from "./useStoreVersion.js";

export function useOutbox() {
  const { store, locks, scope, keeper, now } = useServices();
  const [version, bump] = useStoreVersion();
  const [last, setLast] = useState<FlushResult | undefined>();
  const [entries, setEntries] = useState<OutboxEntry[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const deps = { store, locks, scope, now };

  const run = useCallback(async () => {
    clearTimeout(timer.current);
    if (keeper !== undefined) {
      const result = await flush({ store, locks, scope, now }, keeper);
      setLast(result);
      const due = result.nextAttemptAt ?? (result.busy === true ? now() + 3000 : undefined);
      if (due !== undefined) timer.current = setTimeout(() => void run(), Math.max(500, due - now()));
    }
    setEntries(pendingEntries({ store, scope, now }));
  }, [keeper, locks, now, scope, store]);

  useEffect(() => {
    void run();
    const online = () => void run();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      clearTimeout(timer.current);
    };
  }, [run, version]);

  return {
    entries,
    waiting: entries.filter((e) => e.failed !== true),
    failed: entries.filter((e) => e.failed === true),
    last,
    flushNow: run,
    retryFailed: async () => {
      await retryFailed(deps);
      bump();
    },
    discardFailed: async () => {
      await discardFailed(deps);
      bump();
    },
  };
}
