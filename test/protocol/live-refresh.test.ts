/** When a page reads live state again: on its account's activity, a new epoch, or (no indexer) a new block. */
import { expect } from "chai";

import { INITIAL_REFRESH_STATE, refreshDecision, type RefreshState } from "@plaudit/protocol";

const schedule = { startTime: 1_000n, epochLength: 100n };
const seen = (lastActivityBlock: bigint | null, indexedTimestamp: bigint) =>
  ({ source: "indexer", lastActivityBlock, indexedTimestamp }) as const;

describe("refreshDecision", () => {
  let state: RefreshState;
  beforeEach(() => {
    state = refreshDecision(INITIAL_REFRESH_STATE, seen(7n, 1_050n), schedule).state;
  });

  it("reads once at the start", () => {
    expect(refreshDecision(INITIAL_REFRESH_STATE, seen(null, 1_050n), schedule).reason).to.equal("start");
  });

  it("reads nothing while the indexer moves on without naming the account", () => {
    const next = refreshDecision(state, seen(7n, 1_099n), schedule);
    expect(next.reason).to.equal(null);
    expect(next.state.epoch).to.equal(0n);
  });

  it("reads again when an event named the account", () => {
    expect(refreshDecision(state, seen(9n, 1_060n), schedule).reason).to.equal("activity");
  });

  it("reads again when the indexed chain time enters a new epoch", () => {
    expect(refreshDecision(state, seen(7n, 1_100n), schedule).reason).to.equal("epoch");
  });

  it("without an indexer, reads on every new block and not on the same block", () => {
    const first = refreshDecision(INITIAL_REFRESH_STATE, { source: "chain", block: 10n }, schedule);
    expect(first.reason).to.equal("start");
    expect(refreshDecision(first.state, { source: "chain", block: 10n }, schedule).reason).to.equal(null);
    expect(refreshDecision(first.state, { source: "chain", block: 11n }, schedule).reason).to.equal("block");
  });
});
