/** Clicks signed in this browser that the keeper has not stored yet, and those it refused. */
import type { useOutbox } from "../../hooks/useOutbox.js";

export function OutboxSection({ outbox }: { outbox: ReturnType<typeof useOutbox> }) {
  if (outbox.entries.length === 0) return null;
  return (
    <section aria-labelledby="outbox-title">
      <h2 id="outbox-title">Clicks on their way</h2>
      <p data-testid="outbox">
        {outbox.waiting.length} waiting, {outbox.failed.length} refused by the keeper.
      </p>
      {outbox.failed.map((e) => (
        <p key={e.id} className="error note">
          Month {e.tally.epoch}, #{e.tally.seq}: {e.lastError}
        </p>
      ))}
      <div className="row">
        <button type="button" className="secondary" onClick={() => void outbox.flushNow()}>
          Send now
        </button>
        {outbox.failed.length > 0 && (
          <>
            <button type="button" className="secondary" onClick={() => void outbox.retryFailed()}>
              Retry refused
            </button>
            <button type="button" className="secondary" onClick={() => void outbox.discardFailed()}>
              Discard refused
            </button>
          </>
        )}
      </div>
    </section>
  );
}
