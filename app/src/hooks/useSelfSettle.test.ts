import { encodeAbiParameters, encodeEventTopics, type Address, type Hex, type Log } from "viem";
import { describe, expect, it } from "vitest";

import { decodeSettlementBatch, epochBounds, plauditPoolAbi, SkipReason, toWireTally } from "@plaudit/protocol";
import { recordClick } from "../lib/clicker.js";
import { fakeKeeper, creatorA, creatorB, readerWithSession, schedule, scope } from "../testing/fixtures.js";
import type { EpochBudget } from "./useReader.js";
import { canSelfSettle, selfSettleCall, settleOutcome } from "./useSelfSettle.js";

const USD = 1_000_000n;
const monthZero = (over: Partial<EpochBudget> = {}): EpochBudget => ({
  epoch: 0n,
  amount: 10n * USD,
  status: "Open",
  sessionNonce: 0,
  ...over,
});
const noStep = () => undefined;
const token = "0x00000000000000000000000000000000000000e0" as Address;

describe("canSelfSettle", () => {
  const { end, deadline } = epochBounds(schedule, 0n);
  it("opens at the month's end and closes at its settlement deadline", () => {
    expect(canSelfSettle(schedule, monthZero(), end - 1n)).toBe(false);
    expect(canSelfSettle(schedule, monthZero(), end)).toBe(true);
    expect(canSelfSettle(schedule, monthZero(), deadline - 1n)).toBe(true);
    expect(canSelfSettle(schedule, monthZero(), deadline)).toBe(false);
  });

  it("is never offered for a settled, returned or empty month", () => {
    expect(canSelfSettle(schedule, monthZero({ status: "Settled" }), end)).toBe(false);
    expect(canSelfSettle(schedule, monthZero({ status: "Returned" }), end)).toBe(false);
    expect(canSelfSettle(schedule, monthZero({ amount: 0n }), end)).toBe(false);
  });
});

describe("selfSettleCall", () => {
  /** The reader's tallies in the batch of a settle call. */
  const talliesIn = (call: Awaited<ReturnType<typeof selfSettleCall>>) => {
    const [epoch, creators, batch] = call.args;
    expect(epoch).toBe(0n);
    const readers = decodeSettlementBatch({ creators: [...creators], batch });
    expect(readers).toHaveLength(1);
    return readers[0]?.tallies ?? [];
  };

  it("settles with this browser's tally and the keeper's from another device, one per key", async () => {
    const laptop = await readerWithSession();
    const phone = await readerWithSession(3, laptop.readerAccount);
    const keeper = fakeKeeper();
    await recordClick(laptop.deps, laptop.session, 0n, { creator: creatorA, url: "https://a.example/1" });
    await recordClick(laptop.deps, laptop.session, 0n, { creator: creatorB, url: "https://b.example/1" });
    const onPhone = await recordClick(phone.deps, phone.session, 0n, { creator: creatorB, url: "https://b.example/2" });
    if (onPhone.status !== "signed") throw new Error("expected a signed click");
    await keeper.client.postTally(toWireTally(onPhone.tally));

    const reader = laptop.readerAccount.address;
    const call = await selfSettleCall(
      { store: laptop.store, scope, keeper: keeper.client, token },
      schedule,
      reader,
      monthZero(),
      noStep,
    );
    const tallies = talliesIn(call);
    expect(tallies.map((t) => t.counts)).toEqual(
      BigInt(laptop.session.key) < BigInt(phone.session.key) ? [[1, 1], [1]] : [[1], [1, 1]],
    );
  });

  it("settles with this browser's tallies alone when the keeper cannot be reached", async () => {
    const f = await readerWithSession();
    const keeper = fakeKeeper();
    keeper.state.up = false;
    await recordClick(f.deps, f.session, 0n, { creator: creatorA, url: "https://a.example/1" });
    const call = await selfSettleCall(
      { store: f.store, scope, keeper: keeper.client, token },
      schedule,
      f.readerAccount.address,
      monthZero(),
      noStep,
    );
    expect(talliesIn(call).map((t) => [t.seq, t.counts])).toEqual([[1n, [1]]]);
  });

  it("says so when no tally of the month is known anywhere", async () => {
    const f = await readerWithSession();
    await expect(
      selfSettleCall(
        { store: f.store, scope, keeper: undefined, token },
        schedule,
        f.readerAccount.address,
        monthZero(),
        noStep,
      ),
    ).rejects.toThrow("This browser kept no clicks for that month, and the keeper has none either.");
  });

  it("leaves out tallies of a revoked key, and says so when nothing is left", async () => {
    const f = await readerWithSession();
    await recordClick(f.deps, f.session, 0n, { creator: creatorA, url: "https://a.example/1" });
    await expect(
      selfSettleCall(
        { store: f.store, scope, keeper: undefined, token },
        schedule,
        f.readerAccount.address,
        monthZero({ sessionNonce: 1 }),
        noStep,
      ),
    ).rejects.toThrow(/revoked or had expired/);
  });
});

describe("settleOutcome", () => {
  const reader = creatorB; // any address
  const other = creatorA;
  const log = (topics: readonly (Hex | Hex[] | null)[], data: Hex, logIndex: number): Log => ({
    address: scope.pool,
    topics: topics.filter((t): t is Hex => typeof t === "string") as [Hex, ...Hex[]],
    data,
    blockHash: `0x${"11".repeat(32)}`,
    blockNumber: 9n,
    logIndex,
    transactionHash: `0x${"22".repeat(32)}`,
    transactionIndex: 0,
    removed: false,
  });
  const settledLog = (who: Address, clicks: bigint, logIndex: number) =>
    log(
      encodeEventTopics({ abi: plauditPoolAbi, eventName: "ReaderSettled", args: { epoch: 0n, reader: who } }),
      encodeAbiParameters(
        [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }],
        [10n * USD, 50_000n, clicks],
      ),
      logIndex,
    );
  const skippedLog = (who: Address, reason: number, logIndex: number) =>
    log(
      encodeEventTopics({ abi: plauditPoolAbi, eventName: "ReaderSkipped", args: { epoch: 0n, reader: who } }),
      encodeAbiParameters([{ type: "uint8" }], [reason]),
      logIndex,
    );

  it("reads the reader's settlement: clicks, budget and tip", () => {
    expect(settleOutcome([settledLog(other, 9n, 0), settledLog(reader, 3n, 1)], reader)).toEqual({
      kind: "settled",
      clicks: 3n,
      budget: 10n * USD,
      tip: 50_000n,
    });
  });

  it("explains a skip in words", () => {
    expect(settleOutcome([skippedLog(reader, SkipReason.BadSession, 0)], reader)).toEqual({
      kind: "skipped",
      reason: "a one-click key was not delegated for that month (revoked or expired)",
    });
  });

  it("does not take another reader's result for the reader's", () => {
    expect(settleOutcome([settledLog(other, 1n, 0)], reader)).toEqual({ kind: "unknown" });
  });
});
