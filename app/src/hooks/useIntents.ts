/**
 * The reader's pool actions that need no subscription form: cancel future months, withdraw the budgets
 * that came back, revoke every session key. A reader who can pay gas sends them from its wallet; one who
 * cannot signs an EIP-712 intent (lib/signedIntents.ts) that the keeper relays, the relay's fee shown
 * before it signs. Each action has its own lifecycle (`useTx`) so its states show beside its button.
 */
import type { Address, TypedDataDefinition } from "viem";
import { useConfig, type Config } from "wagmi";
import { signTypedData } from "wagmi/actions";

import { plauditDomain, plauditPoolAbi, type RelayAction } from "@plaudit/protocol";
import {
  cancelRequest,
  revokeRequest,
  withdrawRequest,
  type IntentSigner,
  type SignTypedData,
} from "../lib/signedIntents.js";
import { useServices } from "./services.js";
import type { ChainClock } from "./useChainClock.js";
import { useNativeGas } from "./useNativeGas.js";
import { intentRoute, useRelayPolicy, type IntentRoute } from "./useRelay.js";
import { useTx } from "./useTx.js";

/** The connected wallet as a signer for `reader` (its typed data is checked where it is built). */
export function walletSigner(config: Config, reader: Address): SignTypedData {
  return (typedData) => signTypedData(config, { account: reader, ...(typedData as TypedDataDefinition) });
}

export function useIntentSigner(reader: Address): IntentSigner {
  const { client, deployment } = useServices();
  const config = useConfig();
  return {
    reader,
    domain: plauditDomain(deployment.chainId, deployment.pool),
    readIntentNonce: () =>
      client.readContract({
        address: deployment.pool,
        abi: plauditPoolAbi,
        functionName: "intentNonceOf",
        args: [reader],
      }),
    sign: walletSigner(config, reader),
  };
}

/** How the reader's actions go: the route of each, and the relay's fee (token units) where it relays. */
export function useIntentRoutes(reader: Address) {
  const { hasNativeGas, isLoading: gasLoading } = useNativeGas(reader);
  const { policy, isLoading: policyLoading } = useRelayPolicy();
  const route = (action: RelayAction): IntentRoute | undefined =>
    hasNativeGas === undefined ? undefined : intentRoute(hasNativeGas, policy, action);
  return { route, policy, fee: policy?.minRelayerFee ?? 0n, hasNativeGas, loading: gasLoading || policyLoading };
}

/** Why an action cannot go, in words: still reading the reader's balance, or no gas and no relay. */
function cannotSend(route: IntentRoute | undefined): Error {
  return new Error(
    route === undefined
      ? "Still reading your balance to know how to send this; try again in a moment."
      : "Your account holds no native coin for gas, and no keeper relays this for you.",
  );
}

export function useReaderIntents(reader: Address, clock: ChainClock) {
  const signer = useIntentSigner(reader);
  const routes = useIntentRoutes(reader);
  const cancelTx = useTx();
  const withdrawTx = useTx();
  const revokeTx = useTx();

  const cancel = (fromEpoch: bigint) =>
    cancelTx.track(async (progress) => {
      const route = routes.route("cancel");
      if (route === "wallet") return cancelTx.sendPoolCall({ functionName: "cancel", args: [fromEpoch] }, progress);
      if (route !== "relay") throw cannotSend(route);
      progress.step("Sign the cancellation in your wallet (no gas)…");
      return cancelTx.relay("cancel", await cancelRequest(signer, fromEpoch, routes.fee, clock.now), progress);
    });

  const withdraw = () =>
    withdrawTx.track(async (progress) => {
      const route = routes.route("withdraw");
      if (route === "wallet") return withdrawTx.sendPoolCall({ functionName: "withdraw", args: [] }, progress);
      if (route !== "relay") throw cannotSend(route);
      progress.step("Sign the withdrawal in your wallet (no gas)…");
      return withdrawTx.relay("withdraw", await withdrawRequest(signer, routes.fee, clock.now), progress);
    });

  const revoke = () =>
    revokeTx.track(async (progress) => {
      const route = routes.route("revoke-sessions");
      if (route === "wallet") return revokeTx.sendPoolCall({ functionName: "revokeSessions", args: [] }, progress);
      if (route !== "relay") throw cannotSend(route);
      progress.step("Sign the revocation in your wallet (no gas)…");
      return revokeTx.relay("revoke-sessions", await revokeRequest(signer, clock.now), progress);
    });

  return { routes, cancel, withdraw, revoke, cancelTx, withdrawTx, revokeTx };
}
