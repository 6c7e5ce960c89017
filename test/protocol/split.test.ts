import { expect } from "chai";
import type { Address } from "viem";

import { splitBudget, type Clicks, settleArgs } from "@plaudit/protocol";
import { KEEPER_TIP_BPS, networkHelpers, USD } from "../helpers/fixtures.js";
import { clicksFor, randomKey, subscribedPoolFixture } from "../helpers/pool.js";
import { bySigner, sessionSignedTally } from "../helpers/signing.js";

describe("protocol split", () => {
  it("split: splitBudget equals the on-chain credits and tip of a reader settled with several keys", async () => {
    const f = await networkHelpers.loadFixture(subscribedPoolFixture);
    const { pool, token, keeper, stranger, creatorA, creatorB, creatorC, domain, farExpiry } = f;
    // An awkward budget so that rounding dust shows.
    const budget = 12_345_679n;
    await token.mint(stranger, budget);
    await token.connect(stranger).approve(pool, budget);
    await pool.connect(stranger).subscribe(budget, 1n, 0n);
    const keyed: { key: ReturnType<typeof randomKey>; clicks: Clicks }[] = [
      {
        key: randomKey(),
        clicks: clicksFor([
          [creatorA, 7],
          [creatorB, 3],
        ]),
      },
      {
        key: randomKey(),
        clicks: clicksFor([
          [creatorC, 11],
          [creatorA, 1],
        ]),
      },
      { key: randomKey(), clicks: clicksFor([[creatorB, 5]]) },
    ];
    const signed = await Promise.all(
      keyed.map(async ({ key, clicks }) => ({
        clicks,
        tally: await sessionSignedTally(stranger, key, domain, 0n, clicks, farExpiry),
      })),
    );
    const ordered = [...signed].sort((a, b) => (BigInt(a.tally.signer) < BigInt(b.tally.signer) ? -1 : 1));
    await f.goToEpoch(1n);
    await pool
      .connect(keeper)
      .settle(...settleArgs(0n, [{ reader: stranger.address, tallies: bySigner(ordered.map((s) => s.tally)) }]));

    const expected = splitBudget(
      budget,
      Number(KEEPER_TIP_BPS),
      ordered.map((s) => s.clicks),
    );
    expect(await token.balanceOf(keeper)).to.equal(expected.tip);
    for (const creator of [creatorA, creatorB, creatorC]) {
      expect(await pool.claimableOf(creator), creator.address).to.equal(
        expected.shares.get(creator.address as Address) ?? 0n,
      );
    }
    const shared = [...expected.shares.values()].reduce((a, b) => a + b, 0n);
    expect(shared + expected.tip).to.equal(budget);
    await f.expectBooksBalance([stranger]);
  });

  it("split: splitBudget takes the tip in basis points, rounded down, and splits the rest exactly", () => {
    const creator = "0x0000000000000000000000000000000000001234" as Address;
    const { tip, shares } = splitBudget(100n * USD + 1n, 50, [clicksFor([[creator, 1]])]);
    expect(tip).to.equal(((100n * USD + 1n) * 50n) / 10_000n);
    expect(shares.get(creator)).to.equal(100n * USD + 1n - tip);
  });

  it("split: splitBudget of no clicks pays nothing", () => {
    const { tip, shares } = splitBudget(100n, 50, []);
    expect(tip).to.equal(0n);
    expect(shares.size).to.equal(0);
  });
});
