/**
 * The per-reader split the indexer reads from a settle call: found by the reader's position in the
 * batch, computed with protocol's splitBudget, and refused (null) whenever the call cannot be read.
 */
import { expect } from "chai";
import { encodeFunctionData, getAddress, type Address, type Hex } from "viem";

import { plauditPoolAbi, settleArgs, splitBudget, type SettlementReader } from "@plaudit/protocol";
import { readerPayments } from "../../indexer/lib/settlement.js";

const pool: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const [alice, bob, creatorA, creatorB] = [
  "0x1000000000000000000000000000000000000001",
  "0x2000000000000000000000000000000000000002",
  "0xa000000000000000000000000000000000000001",
  "0xb000000000000000000000000000000000000002",
].map((address) => getAddress(address)) as [Address, Address, Address, Address];
const signature = `0x${"11".repeat(65)}` as Hex;
const record = (reader: Address, creators: Address[], counts: number[]): SettlementReader => ({
  reader,
  tallies: [{ signer: reader, seq: 1n, sessionExpiry: 0n, creators, counts, signature, sessionSignature: "0x" }],
});
const batch = [record(alice, [creatorA, creatorB], [3, 1]), record(bob, [creatorB], [2])];
const input = encodeFunctionData({ abi: plauditPoolAbi, functionName: "settle", args: settleArgs(4n, batch) });
const budget = 10_000_000n;
const TIP_BPS = 50;
const tip = (budget * BigInt(TIP_BPS)) / 10_000n;
let tx = 0;
const settled = (overrides: Partial<Parameters<typeof readerPayments>[0]> = {}) =>
  readerPayments({
    input,
    to: pool,
    transaction: `0x${(++tx).toString(16).padStart(64, "0")}`,
    pool,
    position: 0,
    reader: alice,
    budget,
    tip,
    keeperTipBps: TIP_BPS,
    ...overrides,
  });

describe("indexer: a settled reader's payments", () => {
  it("splits the budget by the reader's own record, as protocol's splitBudget does", () => {
    const expected = splitBudget(budget, TIP_BPS, [{ creators: [creatorA, creatorB], counts: [3, 1] }]).shares;
    expect(settled()).to.deep.equal(expected);
    expect(settled({ position: 1, reader: bob })).to.deep.equal(new Map([[creatorB, budget - tip]]));
  });

  it("knows nothing when the call is not a direct settle on the pool", () => {
    expect(settled({ to: bob })).to.equal(null);
    expect(settled({ to: null })).to.equal(null);
    const claim = encodeFunctionData({ abi: plauditPoolAbi, functionName: "claim", args: [creatorA] });
    expect(settled({ input: claim })).to.equal(null);
  });

  it("knows nothing when the event does not match the batch record", () => {
    expect(settled({ position: 1 })).to.equal(null);
    expect(settled({ position: 2 })).to.equal(null);
    expect(settled({ tip: tip + 1n })).to.equal(null);
  });
});
