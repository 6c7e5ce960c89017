import { expect } from "chai";
import type { Address } from "viem";

import { addClick, NO_CLICKS } from "../protocol/src/index.js";
import { deployPoolFixture, networkHelpers, USD, EPOCH_LENGTH } from "./helpers/fixtures.js";
import { sessionSignedTally } from "./helpers/signing.js";

describe("smoke", () => {
  it("subscribes, settles a session-signed tally and claims", async () => {
    const f = await networkHelpers.loadFixture(deployPoolFixture);
    const { ethers } = await import("./helpers/fixtures.js");
    await f.pool.connect(f.alice).subscribe(100n * USD, 2n, 0n);
    const key = ethers.Wallet.createRandom();
    let clicks = addClick(NO_CLICKS, f.creatorA.address as Address, 3);
    clicks = addClick(clicks, f.creatorB.address as Address, 1);
    const tally = await sessionSignedTally(f.alice, key, f.domain, 0n, clicks, f.startTime + 10n * EPOCH_LENGTH);
    await f.goToEpoch(1n);
    const tx = await f.pool.connect(f.keeper).settle(0n, [{ reader: f.alice.address, tallies: [tally] }]);
    const receipt = await tx.wait();
    console.log("gas", receipt?.gasUsed);
    expect(await f.pool.isSettled(f.alice.address, 0n)).to.equal(true);
    const a = await f.pool.claimableOf(f.creatorA.address);
    const b = await f.pool.claimableOf(f.creatorB.address);
    expect(a + b + (await f.token.balanceOf(f.keeper.address))).to.equal(100n * USD);
  });
});
