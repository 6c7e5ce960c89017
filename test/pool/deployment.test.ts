import { expect } from "chai";

import { MAX_KEEPER_TIP_BPS } from "@plaudit/protocol";
import { deployPoolFixture, EPOCH_LENGTH, ethers, KEEPER_TIP_BPS, networkHelpers } from "../helpers/fixtures.js";

describe("PlauditPool deployment", () => {
  async function deployArgs() {
    const f = await networkHelpers.loadFixture(deployPoolFixture);
    return { ...f, factory: await ethers.getContractFactory("PlauditPool") };
  }

  it("deployment: refuses the zero token with InvalidConfiguration", async () => {
    const { factory, startTime, pool } = await deployArgs();
    await expect(
      factory.deploy(ethers.ZeroAddress, startTime, EPOCH_LENGTH, KEEPER_TIP_BPS),
    ).to.be.revertedWithCustomError(pool, "InvalidConfiguration");
  });

  it("deployment: refuses a token address without code with InvalidConfiguration", async () => {
    const { factory, startTime, pool, stranger } = await deployArgs();
    await expect(
      factory.deploy(stranger.address, startTime, EPOCH_LENGTH, KEEPER_TIP_BPS),
    ).to.be.revertedWithCustomError(pool, "InvalidConfiguration");
  });

  it("deployment: refuses a zero epoch length with InvalidConfiguration", async () => {
    const { factory, startTime, pool, token } = await deployArgs();
    await expect(factory.deploy(token, startTime, 0n, KEEPER_TIP_BPS)).to.be.revertedWithCustomError(
      pool,
      "InvalidConfiguration",
    );
  });

  it("deployment: refuses a keeper tip above MAX_KEEPER_TIP_BPS with KeeperTipTooHigh", async () => {
    const { factory, startTime, pool, token } = await deployArgs();
    const tooHigh = BigInt(MAX_KEEPER_TIP_BPS) + 1n;
    await expect(factory.deploy(token, startTime, EPOCH_LENGTH, tooHigh))
      .to.be.revertedWithCustomError(pool, "KeeperTipTooHigh")
      .withArgs(tooHigh, MAX_KEEPER_TIP_BPS);
  });

  it("deployment: accepts the maximum tip and a zero tip", async () => {
    const { factory, startTime, token } = await deployArgs();
    const maxTip = await factory.deploy(token, startTime, EPOCH_LENGTH, MAX_KEEPER_TIP_BPS);
    expect(await maxTip.keeperTipBps()).to.equal(BigInt(MAX_KEEPER_TIP_BPS));
    const noTip = await factory.deploy(token, startTime, EPOCH_LENGTH, 0n);
    expect(await noTip.keeperTipBps()).to.equal(0n);
  });

  it("deployment: reports its configuration (token, startTime, epochLength, keeperTipBps)", async () => {
    const { pool, token, startTime } = await deployArgs();
    expect(await pool.token()).to.equal(await token.getAddress());
    expect(await pool.startTime()).to.equal(startTime);
    expect(await pool.epochLength()).to.equal(EPOCH_LENGTH);
    expect(await pool.keeperTipBps()).to.equal(KEEPER_TIP_BPS);
  });

  it("deployment: exposes its EIP-712 domain (ERC-5267) bound to this chain and this pool", async () => {
    const { pool, domain } = await deployArgs();
    const { chainId } = await ethers.provider.getNetwork();
    expect(domain).to.deep.equal({
      name: "Plaudit",
      version: "1",
      chainId,
      verifyingContract: await pool.getAddress(),
    });
  });
});
