/**
 * The one-click workflow: whether this browser holds a live session key (not expired, not revoked on
 * chain), whether the reader has a budget its clicks can count against, turning it on (one `Session`
 * signature and no transaction, the key stays in first-party storage), off, or off with `revokeSessions` on
 * chain (sent by the wallet, or relayed by the keeper for a reader without gas).
 * `oneClickStatus`, `budgetCoverage` and `enableOneClick` are the workflow without React, unit-tested;
 * `useOneClick` binds them to the wallet, the chain and storage.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { Address, Hex } from "viem";
import { useConfig } from "wagmi";
import { signTypedData } from "wagmi/actions";

import { MAX_SUBSCRIPTION_EPOCHS, plauditPoolAbi, type EpochSchedule } from "@plaudit/protocol";
import { describeError } from "../lib/errors.js";
import type { Scope, StoredSession } from "../lib/records.js";
import { clearSession, loadSession, newSessionKey, saveSession, sessionRequest } from "../lib/session.js";
import type { KeyValueStore } from "../lib/storage.js";
import { useServices } from "./services.js";
import type { ChainClock } from "./useChainClock.js";
import { ACCOUNT_STATE_QUERY_KEY } from "./useLiveRefresh.js";
import type { EpochBudget } from "./useReader.js";
import { useStoreVersion } from "./useStoreVersion.js";
import { useReaderIntents } from "./useIntents.js";

/**
 * The reader's session nonce is read again when the indexer reports activity of the reader (useLiveRefresh:
 * a revocation from another device is such an event) and, without an indexer, this often.
 */
const NONCE_REFRESH_MS = 60_000;

export type OneClickStatus =
  | { kind: "off" }
  | { kind: "on"; session: StoredSession }
  | { kind: "expired"; session: StoredSession }
  | { kind: "revoked"; session: StoredSession };

/**
 * The state of this browser's session key: expired once it no longer covers the current epoch,
 * revoked once the pool's session nonce moved past the one it was delegated with.
 */
export function oneClickStatus(
  session: StoredSession | undefined,
  epochEnd: bigint,
  sessionNonce: number | undefined,
): OneClickStatus {
  if (session === undefined) return { kind: "off" };
  if (sessionNonce !== undefined && sessionNonce !== session.nonce) return { kind: "revoked", session };
  if (BigInt(session.expiry) < epochEnd) return { kind: "expired", session };
  return { kind: "on", session };
}

/** Whether clicks of the current epoch can count: a budget now, one from a later month, or none. */
export type BudgetCoverage = { kind: "funded" } | { kind: "later"; from: bigint } | { kind: "none" };

export function budgetCoverage(budgets: readonly EpochBudget[], currentEpoch: bigint): BudgetCoverage {
  const open = budgets.filter((b) => b.amount > 0n && b.status === "Open");
  if (open.some((b) => b.epoch === currentEpoch)) return { kind: "funded" };
  const later = open.filter((b) => b.epoch > currentEpoch).sort((a, b) => (a.epoch < b.epoch ? -1 : 1))[0];
  return later === undefined ? { kind: "none" } : { kind: "later", from: later.epoch };
}

/** The problem with a number of months for one-click mode, or undefined. */
export function oneClickMonthsProblem(months: string): string | undefined {
  const n = Number(months.trim());
  return /^\d+$/.test(months.trim()) && n >= 1 && n <= MAX_SUBSCRIPTION_EPOCHS
    ? undefined
    : `Choose 1 to ${MAX_SUBSCRIPTION_EPOCHS} months.`;
}

export interface SessionDelegation {
  store: KeyValueStore;
  scope: Scope;
  schedule: EpochSchedule;
  now: () => number;
  /** The reader's current session nonce on chain (`sessionNonceOf`). */
  readNonce(): Promise<number>;
  /** The wallet's signature of a `Session`. */
  sign(typedData: ReturnType<typeof sessionRequest>): Promise<Hex>;
}

/** Makes a key for `months` months from `currentEpoch`, has the reader delegate it, and stores it. */
export async function enableOneClick(
  deps: SessionDelegation,
  reader: Address,
  currentEpoch: bigint,
  months: number,
): Promise<StoredSession> {
  const nonce = await deps.readNonce();
  const pending = newSessionKey(deps.schedule, currentEpoch, months, nonce);
  const signature = await deps.sign(sessionRequest(deps.scope, reader, pending));
  return saveSession(deps.store, deps.scope, reader, pending, signature, deps.now());
}

export type EnableState = { phase: "idle" | "signing" | "done" | "error"; message?: string };

export function useOneClick(reader: Address, clock: ChainClock) {
  const { store, scope, schedule, errorContext, now, client, deployment } = useServices();
  const config = useConfig();
  const readNonce = () =>
    client.readContract({
      address: deployment.pool,
      abi: plauditPoolAbi,
      functionName: "sessionNonceOf",
      args: [reader],
    });
  const nonce = useQuery({
    queryKey: [ACCOUNT_STATE_QUERY_KEY, "session-nonce", reader],
    refetchInterval: NONCE_REFRESH_MS,
    queryFn: readNonce,
  });
  const [version, bump] = useStoreVersion();
  const [state, setState] = useState<EnableState>({ phase: "idle" });
  const { revoke: revokeEverywhere, revokeTx, routes } = useReaderIntents(reader, clock);
  void version;
  const loaded = oneClickStatus(loadSession(store, scope, reader), clock.bounds.end, nonce.data);
  const [forgotten, setForgotten] = useState<StoredSession | undefined>();
  useEffect(() => {
    if (loaded.kind !== "expired") return;
    // An expired key signs nothing the pool would take any more, and a key kept is a key that can
    // leak: delete it. The page still says it expired until one-click mode is turned on again.
    clearSession(store, scope, reader);
    setForgotten(loaded.session);
    bump();
  }, [loaded, store, scope, reader, bump]);
  const status: OneClickStatus =
    loaded.kind === "off" && forgotten !== undefined && forgotten.reader === reader
      ? { kind: "expired", session: forgotten }
      : loaded;

  const enable = async (months: number) => {
    try {
      setState({ phase: "signing", message: "Sign the one-click delegation in your wallet (no gas)…" });
      await enableOneClick(
        {
          store,
          scope,
          schedule,
          now,
          readNonce,
          sign: (typedData) => signTypedData(config, { account: reader, ...typedData }),
        },
        reader,
        clock.epoch,
        months,
      );
      setState({ phase: "done", message: "One-click mode is on." });
      bump();
    } catch (error) {
      setState({ phase: "error", message: describeError(error, errorContext) });
    }
  };

  const turnOff = () => {
    clearSession(store, scope, reader);
    bump();
    setState({ phase: "idle" });
  };

  /** Revokes every key on chain: from the wallet, or by a signed revocation the keeper relays. */
  const revoke = async () => {
    if ((await revokeEverywhere()) !== undefined) turnOff();
  };

  return { status, state, enable, turnOff, revoke, revokeTx, revokeRoute: routes.route("revoke-sessions") };
}
