/**
 * Sending through the keeper's relay, without React: which relay (if any) the dApp may use for this
 * deployment, and one relayed request followed to its outcome with `GET /v1/relay/transactions/:hash`.
 */
import type { Hash } from "viem";

import type { KeeperClient, RelayAction, RelayPolicy, RelayRequestInput, RelayTransaction } from "@plaudit/protocol";

/** How often a relayed transaction's status is asked for. */
export const RELAY_POLL_MS = 1_000;
/** How long a relayed transaction is followed before the dApp says it is still pending. */
export const RELAY_FOLLOW_MS = 5 * 60_000;

/**
 * The keeper's relay policy when it can act for this deployment's readers: switched on, for the same chain,
 * pool and token. A keeper for another pool must not be sent intents (they would fail, or cost a fee for
 * nothing), so anything else is no relay at all.
 */
export function usableRelay(
  policy: RelayPolicy | undefined,
  deployment: { chainId: number; pool: string; token: string },
): RelayPolicy | undefined {
  if (policy === undefined || !policy.enabled) return undefined;
  if (policy.chainId !== deployment.chainId) return undefined;
  if (policy.pool.toLowerCase() !== deployment.pool.toLowerCase()) return undefined;
  if (policy.token.toLowerCase() !== deployment.token.toLowerCase()) return undefined;
  return policy;
}

/** Whether the relay takes `action`. */
export function relays(policy: RelayPolicy | undefined, action: RelayAction): policy is RelayPolicy {
  return policy !== undefined && policy.actions.includes(action);
}

export class RelayFailedError extends Error {
  override name = "RelayFailedError";
  constructor(readonly transaction: RelayTransaction) {
    super(`The keeper's transaction ${transaction.hash.slice(0, 10)}… failed on chain: nothing was done.`);
  }
}

export class RelayStillPendingError extends Error {
  override name = "RelayStillPendingError";
  constructor(readonly hash: Hash) {
    super(`The keeper's transaction ${hash.slice(0, 10)}… is still pending; look again later.`);
  }
}

export interface FollowOptions {
  pollMs?: number;
  followMs?: number;
  /** Waits `ms`; a test passes one that advances a fake clock. */
  wait?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * POSTs `request` to the relay (the keeper simulates it first and refuses what would revert), reports the
 * hash it sent, then follows it until it is mined: the confirmed transaction, or an error when it reverted,
 * was dropped, or is still pending after `followMs`.
 */
export async function relayAndFollow<A extends RelayAction>(
  keeper: KeeperClient,
  action: A,
  request: RelayRequestInput<A>,
  onSent: (hash: Hash) => void,
  options: FollowOptions = {},
): Promise<RelayTransaction> {
  const pollMs = options.pollMs ?? RELAY_POLL_MS;
  const followMs = options.followMs ?? RELAY_FOLLOW_MS;
  const wait = options.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const submitted = await keeper.relay(action, request);
  onSent(submitted.hash);
  const giveUpAt = now() + followMs;
  for (;;) {
    const transaction = await keeper.relayTransaction(submitted.hash);
    if (transaction.status === "confirmed") return transaction;
    if (transaction.status === "failed") throw new RelayFailedError(transaction);
    if (now() >= giveUpAt) throw new RelayStillPendingError(submitted.hash);
    await wait(pollMs);
  }
}
