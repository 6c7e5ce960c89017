/**
 * The self-settle workflow: when no keeper settled a past month, the reader settles it with the
 * tallies this browser kept (and any the keeper holds), leaving out those the pool would refuse, then
 * reads what the pool made of it from the receipt. `canSelfSettle`, `selfSettleCall` and
 * `settleOutcome` are the workflow without React, unit-tested; `useSelfSettle` binds them to `useTx`.
 */
import { useState } from "react";
import { parseEventLogs, type Address, type Log } from "viem";

import {
  epochBounds,
  plauditPoolAbi,
  selectTallies,
  settleArgsOf,
  type EpochSchedule,
  type KeeperClient,
} from "@plaudit/protocol";
import type { Scope } from "../lib/records.js";
import { skipReasonWords } from "../lib/skipReasons.js";
import type { KeyValueStore } from "../lib/storage.js";
import { localTallies, mergeTallies } from "../lib/tallyStore.js";
import { useServices } from "./services.js";
import type { EpochBudget } from "./useReader.js";
import { useTx, type PoolCall, type Step } from "./useTx.js";

/** Whether the reader may settle `budget` itself at chain time `now`: unsettled, funded, in its window. */
export function canSelfSettle(schedule: EpochSchedule, budget: EpochBudget, now: bigint): boolean {
  const { end, deadline } = epochBounds(schedule, budget.epoch);
  return budget.status === "Open" && budget.amount > 0n && now >= end && now < deadline;
}

export interface TallySources {
  store: KeyValueStore;
  scope: Scope;
  keeper: KeeperClient | undefined;
  /** The pool's token (a tally naming it as a creator is left out, as the pool would skip it). */
  token: Address;
}

/** The `settle` call for `reader`'s month `budget`, with every tally known that the pool would accept. */
export async function selfSettleCall(
  sources: TallySources,
  schedule: EpochSchedule,
  reader: Address,
  budget: EpochBudget,
  step: Step,
): Promise<PoolCall<"settle">> {
  step("Collecting the tallies this browser kept…", "preparing");
  const local = localTallies(sources.store, sources.scope, reader, budget.epoch);
  const remote =
    sources.keeper === undefined
      ? []
      : await sources.keeper.readerTallies(reader, budget.epoch).then(
          (r) => r.tallies,
          () => [],
        );
  const merged = mergeTallies(sources.scope, reader, budget.epoch, local, remote);
  if (merged.length === 0)
    throw new Error("This browser kept no clicks for that month, and the keeper has none either.");
  // The keeper's rule: leave out tallies the pool would refuse (revoked or expired session keys).
  const chosen = selectTallies(merged, {
    epochEnd: epochBounds(schedule, budget.epoch).end,
    sessionNonce: budget.sessionNonce,
    token: sources.token,
  });
  if (chosen.length === 0)
    throw new Error("Every tally of that month was signed by a one-click key that was revoked or had expired.");
  return { functionName: "settle", args: settleArgsOf(budget.epoch, [{ reader, tallies: chosen }]) };
}

export type SettleOutcome =
  | { kind: "settled"; clicks: bigint; budget: bigint; tip: bigint }
  | { kind: "skipped"; reason: string }
  | { kind: "unknown" };

/** What the pool did with `reader` in a settle transaction, from the receipt's logs. */
export function settleOutcome(logs: readonly Log[], reader: Address): SettleOutcome {
  const events = parseEventLogs({
    abi: plauditPoolAbi,
    logs: [...logs],
    eventName: ["ReaderSettled", "ReaderSkipped"],
  });
  const mine = events.filter((e) => BigInt(e.args.reader) === BigInt(reader));
  const settled = mine.find((e) => e.eventName === "ReaderSettled");
  if (settled?.eventName === "ReaderSettled")
    return { kind: "settled", clicks: settled.args.clicks, budget: settled.args.budget, tip: settled.args.tip };
  const skipped = mine.find((e) => e.eventName === "ReaderSkipped");
  if (skipped?.eventName === "ReaderSkipped") return { kind: "skipped", reason: skipReasonWords(skipped.args.reason) };
  return { kind: "unknown" };
}

export function useSelfSettle(reader: Address, budget: EpochBudget) {
  const { schedule, store, scope, keeper, deployment } = useServices();
  const tx = useTx();
  const [outcome, setOutcome] = useState<SettleOutcome | undefined>();
  const settle = async () => {
    setOutcome(undefined);
    const receipt = await tx.run((step) =>
      selfSettleCall({ store, scope, keeper, token: deployment.token }, schedule, reader, budget, step),
    );
    if (receipt !== undefined) setOutcome(settleOutcome(receipt.logs, reader));
  };
  return { tx, outcome, settle };
}
