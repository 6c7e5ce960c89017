import { encodeFunctionData, type Address, type Hash, type Hex } from "viem";
import { describe, expect, it } from "vitest";

import { plauditPoolAbi, settleArgsOf, SkipReason, splitBudget, type SignedTally } from "@plaudit/protocol";
import { creatorA, creatorB, readerWithSession } from "../testing/fixtures.js";
import { recordClick } from "./clicker.js";
import { paymentsFromSettleCall, readerHistory, type SettledLog, type SkippedLog } from "./payments.js";
import { localTallies } from "./tallyStore.js";

const USD = 1_000_000n;
const BUDGET = 10n * USD;
const TIP = 50_000n; // 50 bps of 10 USD
const TX = `0x${"ab".repeat(32)}` as Hash;

/** A reader whose browser signed `clicks` (creator, item url) in epoch 0; its tallies as settle takes them. */
async function readerClicking(clicks: [Address, string][]) {
  const f = await readerWithSession();
  for (const [creator, url] of clicks) await recordClick(f.deps, f.session, 0n, { creator, url });
  return { reader: f.readerAccount.address, tallies: localTallies(f.store, f.deps.scope, f.readerAccount.address, 0n) };
}

const settleInput = (...readers: { reader: Address; tallies: SignedTally[] }[]): Hex =>
  encodeFunctionData({ abi: plauditPoolAbi, functionName: "settle", args: settleArgsOf(0n, readers) });

const settled = (clicks: bigint, over: Partial<SettledLog> = {}): SettledLog => ({
  epoch: 0n,
  budget: BUDGET,
  tip: TIP,
  clicks,
  transactionHash: TX,
  blockNumber: 7n,
  logIndex: 3,
  ...over,
});

describe("paymentsFromSettleCall", () => {
  it("names each creator paid with its clicks and the exact amount, adding up to the budget less the tip", async () => {
    const alice = await readerClicking([
      [creatorA, "https://a.example/1"],
      [creatorB, "https://b.example/1"],
      [creatorA, "https://a.example/2"],
    ]);
    const payments = paymentsFromSettleCall(settleInput(alice), alice.reader, settled(3n));
    expect(payments).toEqual([
      { creator: creatorA, clicks: 2, amount: 6_633_333n },
      { creator: creatorB, clicks: 1, amount: 3_316_667n },
    ]);
    // The same as the protocol's split of the budget at the pool's tip.
    const { tip, shares } = splitBudget(BUDGET, 50, alice.tallies);
    expect(tip).toBe(TIP);
    expect(payments?.map((p) => p.amount)).toEqual([shares.get(creatorA), shares.get(creatorB)]);
  });

  it("reads only this reader's entry in a batch of several readers", async () => {
    const alice = await readerClicking([[creatorA, "https://a.example/1"]]);
    const bob = await readerClicking([
      [creatorA, "https://a.example/1"],
      [creatorB, "https://b.example/1"],
    ]);
    const input = settleInput(alice, bob);
    expect(paymentsFromSettleCall(input, bob.reader, settled(2n))).toEqual([
      { creator: creatorA, clicks: 1, amount: 4_975_000n },
      { creator: creatorB, clicks: 1, amount: 4_975_000n },
    ]);
    expect(paymentsFromSettleCall(input, alice.reader, settled(1n))).toEqual([
      { creator: creatorA, clicks: 1, amount: 9_950_000n },
    ]);
  });

  it("says nothing rather than guess: another call, another epoch, a reader not in it, or numbers that differ", async () => {
    const alice = await readerClicking([[creatorA, "https://a.example/1"]]);
    const bob = await readerClicking([[creatorB, "https://b.example/1"]]);
    const input = settleInput(alice);
    const claim = encodeFunctionData({ abi: plauditPoolAbi, functionName: "claim", args: [creatorA] });
    expect(paymentsFromSettleCall(claim, alice.reader, settled(1n))).toBeUndefined();
    expect(paymentsFromSettleCall("0xdeadbeef", alice.reader, settled(1n))).toBeUndefined();
    expect(paymentsFromSettleCall(input, alice.reader, settled(1n, { epoch: 1n }))).toBeUndefined();
    expect(paymentsFromSettleCall(input, bob.reader, settled(1n))).toBeUndefined();
    expect(paymentsFromSettleCall(input, alice.reader, settled(2n))).toBeUndefined();
  });
});

describe("readerHistory", () => {
  it("uses the entry the pool settled when a batch names the reader twice", async () => {
    const first = await readerClicking([[creatorB, "https://b.example/1"]]);
    const alice = await readerClicking([
      [creatorA, "https://a.example/1"],
      [creatorB, "https://b.example/1"],
    ]);
    // The same reader twice: its first entry (someone else's tallies, so skipped), then its own.
    const input = settleInput({ reader: alice.reader, tallies: first.tallies }, alice);
    const skippedLog: SkippedLog = {
      epoch: 0n,
      reason: SkipReason.BadSignature,
      transactionHash: TX,
      blockNumber: 7n,
      logIndex: 1,
    };
    const history = readerHistory(alice.reader, [settled(2n, { logIndex: 4 })], [skippedLog], new Map([[TX, input]]));
    expect(history.settled.get(0n)?.payments).toEqual([
      { creator: creatorA, clicks: 1, amount: 4_975_000n },
      { creator: creatorB, clicks: 1, amount: 4_975_000n },
    ]);
    expect(history.skipped.get(0n)).toEqual([skippedLog]);
  });

  it("keeps a settled month whose transaction could not be read, without payments", () => {
    const history = readerHistory(creatorA, [settled(4n, { epoch: 2n })], [], new Map());
    expect(history.settled.get(2n)).toMatchObject({
      epoch: 2n,
      budget: BUDGET,
      tip: TIP,
      clicks: 4n,
      transactionHash: TX,
    });
    expect(history.settled.get(2n)?.payments).toBeUndefined();
  });

  it("lists skipped attempts per month in chain order", () => {
    const skip = (epoch: bigint, blockNumber: bigint, logIndex: number): SkippedLog => ({
      epoch,
      reason: SkipReason.NoBudget,
      transactionHash: TX,
      blockNumber,
      logIndex,
    });
    const history = readerHistory(creatorA, [], [skip(1n, 9n, 0), skip(1n, 8n, 5), skip(0n, 9n, 2)], new Map());
    expect(history.skipped.get(1n)?.map((l) => l.blockNumber)).toEqual([8n, 9n]);
    expect(history.skipped.get(0n)).toHaveLength(1);
    expect(history.settled.size).toBe(0);
  });
});
