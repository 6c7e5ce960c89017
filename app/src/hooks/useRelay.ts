/**
 * The keeper's relay as the dApp sees it: its published policy (`GET /v1/relay/policy`), used only when it
 * serves this deployment (`usableRelay`), and whether a reader's action goes from its wallet, through the
 * relay, or cannot go at all (`intentRoute`).
 */
import { useQuery } from "@tanstack/react-query";

import type { RelayAction, RelayPolicy } from "@plaudit/protocol";
import { relays, usableRelay } from "../lib/relay.js";
import { useServices } from "./services.js";

/** How often the policy (fee, actions) is read again. */
const POLICY_REFRESH_MS = 60_000;

export function useRelayPolicy() {
  const { keeper, deployment } = useServices();
  const query = useQuery({
    queryKey: ["relay-policy", keeper?.url],
    enabled: keeper !== undefined,
    refetchInterval: POLICY_REFRESH_MS,
    retry: 1,
    queryFn: async () => {
      if (keeper === undefined) throw new Error("no keeper");
      return keeper.relayPolicy();
    },
  });
  // A keeper without a relay answers 404 or an old keeper nothing: that is no relay, not an error to show.
  return { policy: usableRelay(query.data, deployment), isLoading: keeper !== undefined && query.isLoading };
}

/** How a reader's action is sent: from its wallet (it can pay gas), by the keeper's relay, or not at all. */
export type IntentRoute = "wallet" | "relay" | "needs-gas";

export function intentRoute(hasNativeGas: boolean, policy: RelayPolicy | undefined, action: RelayAction): IntentRoute {
  if (hasNativeGas) return "wallet";
  return relays(policy, action) ? "relay" : "needs-gas";
}
