/**
 * The reader's page composes its workflows, each a hook with its own section: subscribe
 * (useSubscribe), budgets, one-click mode (useOneClick), this month's projected split, the outbox, and
 * where the money of past months went (useReaderHistory, useSelfSettle).
 */
import type { Address } from "viem";
import { useConnection } from "wagmi";

import { AsyncState } from "../components/AsyncState.js";
import { Countdown } from "../components/Countdown.js";
import { useChainClock, type ChainClock } from "../hooks/useChainClock.js";
import type { useOutbox } from "../hooks/useOutbox.js";
import { useReader } from "../hooks/useReader.js";
import { BudgetsSection } from "./reader/BudgetsSection.js";
import { OneClickSection } from "./reader/OneClickSection.js";
import { OutboxSection } from "./reader/OutboxSection.js";
import { PastMonthsSection } from "./reader/PastMonthsSection.js";
import { SubscribeSection } from "./reader/SubscribeSection.js";
import { ThisMonthSection } from "./reader/ThisMonthSection.js";

export function ReaderPage({ outbox }: { outbox: ReturnType<typeof useOutbox> }) {
  const { address } = useConnection();
  const { clock, isLoading, error } = useChainClock();
  if (address === undefined) {
    return (
      <>
        <h1>Reader</h1>
        <section aria-label="Connect">
          <p>Connect a wallet to subscribe and applaud the things you read.</p>
        </section>
      </>
    );
  }
  return (
    <AsyncState loading={isLoading} error={error} what="the chain time">
      {clock !== undefined && <ReaderView reader={address} clock={clock} outbox={outbox} />}
    </AsyncState>
  );
}

function ReaderView({
  reader,
  clock,
  outbox,
}: {
  reader: Address;
  clock: ChainClock;
  outbox: ReturnType<typeof useOutbox>;
}) {
  const data = useReader(reader);
  return (
    <>
      <h1>Reader</h1>
      <p className="note">
        Month (epoch) {clock.epoch.toString()} · <Countdown now={clock.now} until={clock.bounds.end} label="ends" />
      </p>
      <AsyncState loading={data.isLoading} error={data.error} what="your budgets">
        {data.data !== undefined && (
          <>
            <SubscribeSection reader={reader} clock={clock} balance={data.data.balance} />
            <BudgetsSection
              reader={reader}
              budgets={data.data.budgets}
              clock={clock}
              withdrawable={data.data.withdrawable}
              fundedUntil={data.data.fundedUntil}
            />
            <OneClickSection reader={reader} clock={clock} budgets={data.data.budgets} />
            <ThisMonthSection
              reader={reader}
              clock={clock}
              budget={data.data.budgets.find((b) => b.epoch === clock.epoch)?.amount ?? 0n}
            />
            <OutboxSection outbox={outbox} />
            <PastMonthsSection reader={reader} clock={clock} budgets={data.data.budgets} />
          </>
        )}
      </AsyncState>
    </>
  );
}
