import { expect } from "chai";

import { network } from "hardhat";

import LocalPlaudit, { localPlauditModule } from "../../ignition/modules/LocalPlaudit.js";
import PlauditPool from "../../ignition/modules/PlauditPool.js";
import { connection, ethers, networkHelpers } from "../helpers/fixtures.js";

describe("ignition modules", () => {
  it("LocalPlaudit deploys the USDC-like mock by default and a pool on it with the given schedule", async () => {
    const startTime = BigInt(await networkHelpers.time.latest()) + 60n;
    const deployed = await connection.ignition.deploy(LocalPlaudit, {
      parameters: { LocalPlaudit: { startTime, epochLength: 120n, keeperTipBps: 25n } },
    });
    const token = await ethers.getContractAt("MockUSDC", await deployed.token.getAddress());
    const pool = await ethers.getContractAt("PlauditPool", await deployed.pool.getAddress());
    expect(await pool.token()).to.equal(await token.getAddress());
    expect(await pool.startTime()).to.equal(startTime);
    expect(await pool.epochLength()).to.equal(120n);
    expect(await pool.keeperTipBps()).to.equal(25n);
    expect(await token.decimals()).to.equal(6n);
    expect(await token.version()).to.equal("2");
  });

  it("LocalPlaudit deploys the token flavour it is built for (DAI-like: 18 decimals)", async () => {
    const fresh = await network.create();
    try {
      const startTime = BigInt(await fresh.networkHelpers.time.latest()) + 60n;
      const deployed = await fresh.ignition.deploy(localPlauditModule("dai"), {
        parameters: { LocalPlaudit: { startTime } },
      });
      const token = await fresh.ethers.getContractAt("MockDAI", await deployed.token.getAddress());
      const pool = await fresh.ethers.getContractAt("PlauditPool", await deployed.pool.getAddress());
      expect(await pool.token()).to.equal(await token.getAddress());
      expect([await token.symbol(), await token.decimals()]).to.deep.equal(["DAI", 18n]);
    } finally {
      await fresh.close();
    }
  });

  it("PlauditPool deploys on an existing token with default epoch length and tip", async () => {
    const token = await ethers.deployContract("MockStablecoin");
    const startTime = BigInt(await networkHelpers.time.latest());
    const deployed = await connection.ignition.deploy(PlauditPool, {
      parameters: { PlauditPool: { token: await token.getAddress(), startTime } },
    });
    const pool = await ethers.getContractAt("PlauditPool", await deployed.pool.getAddress());
    expect(await pool.token()).to.equal(await token.getAddress());
    expect(await pool.epochLength()).to.equal(30n * 24n * 60n * 60n);
    expect(await pool.keeperTipBps()).to.equal(50n);
  });
});
