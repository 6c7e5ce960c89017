/** This month: its budget, the clicks so far with their projected split, and when it is settled. */
import type { Address } from "viem";

import { useServices } from "../../hooks/services.js";
import type { ChainClock } from "../../hooks/useChainClock.js";
import { formatTime, formatToken } from "../../lib/format.js";
import { ProjectedSplit } from "./ProjectedSplit.js";

export function ThisMonthSection({ reader, clock, budget }: { reader: Address; clock: ChainClock; budget: bigint }) {
  const { deployment } = useServices();
  const fmt = (v: bigint) => formatToken(v, deployment.tokenDecimals, deployment.tokenSymbol);
  return (
    <section aria-labelledby="this-month-title">
      <h2 id="this-month-title">This month's clicks</h2>
      <p data-testid="this-month-budget">
        Month {clock.epoch.toString()}: budget {fmt(budget)}
        {budget === 0n ? " (no budget: subscribe so your clicks pay creators)" : ""}. Settlement is due when it ends,{" "}
        {formatTime(clock.bounds.end)}: a keeper settles it then, at the latest by {formatTime(clock.bounds.deadline)}.
      </p>
      <ProjectedSplit
        reader={reader}
        epoch={clock.epoch}
        budget={budget}
        caption={`Projected split of your ${fmt(budget)} for month ${clock.epoch}, if you click nothing more`}
      />
    </section>
  );
}
