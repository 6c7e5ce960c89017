/** A month's projected split from the tallies known so far (this browser's and the keeper's). */
import type { Address } from "viem";

import { AsyncState } from "../../components/AsyncState.js";
import { SplitTable } from "../../components/SplitTable.js";
import { useServices } from "../../hooks/services.js";
import { useReaderTallies } from "../../hooks/useReaderTallies.js";
import { describeError } from "../../lib/errors.js";
import { projectSplit } from "../../lib/projection.js";
import { localItems } from "../../lib/tallyStore.js";

export function ProjectedSplit({
  reader,
  epoch,
  budget,
  caption,
}: {
  reader: Address;
  epoch: bigint;
  budget: bigint;
  caption: string;
}) {
  const { deployment, errorContext, store, scope } = useServices();
  const tallies = useReaderTallies(reader, epoch);
  return (
    <AsyncState loading={tallies.isLoading} error={tallies.error} what="your clicks">
      {tallies.data !== undefined &&
        (() => {
          const projection = projectSplit(budget, deployment.keeperTipBps, tallies.data.tallies);
          const items = localItems(store, scope, reader, epoch);
          return (
            <>
              {tallies.data.keeperError !== undefined && (
                <p className="note error">
                  Only this browser's clicks: {describeError(tallies.data.keeperError, errorContext)}
                </p>
              )}
              <p data-testid={`clicks-${epoch}`}>
                {projection.clicks === 0
                  ? "No clicks known for this month."
                  : `${projection.clicks} click${projection.clicks === 1 ? "" : "s"} for ${projection.shares.length} creator${projection.shares.length === 1 ? "" : "s"}.`}
              </p>
              {projection.clicks > 0 && budget > 0n && (
                <SplitTable
                  epoch={epoch}
                  caption={caption}
                  testId={`projected-${epoch}`}
                  exact={false}
                  budget={budget}
                  tip={projection.tip}
                  rows={projection.shares.map((s) => ({ ...s, items: items.get(s.creator) ?? [] }))}
                />
              )}
            </>
          );
        })()}
    </AsyncState>
  );
}
