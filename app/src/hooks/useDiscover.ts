/**
 * The "Applaud a page" lookup: one discovery at a time (a newer address supersedes, and aborts, the one
 * in flight, whose late answer is dropped), with every state the page shows: idle, pending, found,
 * no creator found, or failed with a sentence. The state machine (`createDiscoverer`) is plain
 * TypeScript; the hook only holds its state for React.
 */
import { useEffect, useMemo, useState } from "react";

import { discoverPage, type DiscoverDeps, type Discovery } from "../lib/discoverPage.js";
import { useServices } from "./services.js";

export type DiscoverState = { kind: "idle" } | { kind: "pending"; url: string } | Discovery;

export interface Discoverer {
  /** Looks `url` (checked with `checkPageUrl`) up, superseding any lookup in flight. */
  lookUp(url: string): Promise<void>;
  /** Back to idle; a lookup in flight is aborted and its answer dropped. */
  reset(): void;
  /** Aborts the lookup in flight without a change of state (the page is going away). */
  dispose(): void;
}

export function createDiscoverer(
  deps: Omit<DiscoverDeps, "signal">,
  onChange: (state: DiscoverState) => void,
): Discoverer {
  let inFlight: AbortController | undefined;
  const supersede = () => {
    inFlight?.abort();
    inFlight = new AbortController();
    return inFlight;
  };
  return {
    async lookUp(url) {
      const controller = supersede();
      onChange({ kind: "pending", url });
      let result: Discovery;
      try {
        result = await discoverPage({ ...deps, signal: controller.signal }, url);
      } catch {
        return; // aborted: a newer lookup or a reset took over
      }
      if (!controller.signal.aborted) onChange(result);
    },
    reset() {
      supersede();
      onChange({ kind: "idle" });
    },
    dispose: () => inFlight?.abort(),
  };
}

export function useDiscover(): { state: DiscoverState } & Omit<Discoverer, "dispose"> {
  const { deployment } = useServices();
  const [state, setState] = useState<DiscoverState>({ kind: "idle" });
  const discoverer = useMemo(
    () => createDiscoverer({ fetch: (...args) => fetch(...args), keeperUrl: deployment.keeperUrl }, setState),
    [deployment.keeperUrl],
  );
  useEffect(() => () => discoverer.dispose(), [discoverer]);
  return { state, lookUp: discoverer.lookUp, reset: discoverer.reset };
}
