import { expect } from "chai";

import * as limits from "@plaudit/protocol";
import { deployPoolFixture, networkHelpers } from "../helpers/fixtures.js";

describe("protocol limits", () => {
  it("limits: every limit in protocol/src/limits.ts equals the pool's public constant", async () => {
    const { pool } = await networkHelpers.loadFixture(deployPoolFixture);
    expect(await pool.MAX_TALLIES_PER_READER()).to.equal(BigInt(limits.MAX_TALLIES_PER_READER));
    expect(await pool.MAX_CREATORS_PER_TALLY()).to.equal(BigInt(limits.MAX_CREATORS_PER_TALLY));
    expect(await pool.MAX_SUBSCRIPTION_EPOCHS()).to.equal(BigInt(limits.MAX_SUBSCRIPTION_EPOCHS));
    expect(await pool.MAX_KEEPER_TIP_BPS()).to.equal(BigInt(limits.MAX_KEEPER_TIP_BPS));
    expect(await pool.BPS()).to.equal(BigInt(limits.BPS));
  });

  it("limits: MAX_CLICK_COUNT is the largest uint32, the type of a signed count", () => {
    expect(limits.MAX_CLICK_COUNT).to.equal(2 ** 32 - 1);
  });
});
