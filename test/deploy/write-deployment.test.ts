/**
 * Deploying with the deploy script's code path on the in-process network: the deployment file written
 * for the keeper and the dApp parses with protocol's deploymentSchema and says what the chain says.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { getAddress, type Address } from "viem";

import { deploymentSchema, type Deployment } from "@plaudit/protocol";
import { deployPlaudit } from "../../scripts/deploy/deploy-pool.js";
import { connection, ethers, networkHelpers } from "../helpers/fixtures.js";

describe("deploy: deployment file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "plaudit-deploy-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const readDeployment = (path: string): Deployment => deploymentSchema.parse(JSON.parse(readFileSync(path, "utf8")));

  async function expectMatchesChain(deployment: Deployment): Promise<void> {
    const pool = await ethers.getContractAt("PlauditPool", deployment.pool);
    const token = await ethers.getContractAt("MockStablecoin", deployment.token);
    expect(deployment.chainId).to.equal(Number((await ethers.provider.getNetwork()).chainId));
    expect(getAddress(await pool.token())).to.equal(deployment.token);
    expect(await pool.startTime()).to.equal(BigInt(deployment.startTime));
    expect(await pool.epochLength()).to.equal(BigInt(deployment.epochLength));
    expect(await pool.keeperTipBps()).to.equal(BigInt(deployment.keeperTipBps));
    expect(await token.symbol()).to.equal(deployment.tokenSymbol);
    expect(await token.decimals()).to.equal(BigInt(deployment.tokenDecimals));
    // The deploy block is the first with the pool's code: the keeper and the dApp read events from it.
    expect(await ethers.provider.getCode(deployment.pool, deployment.deployBlock)).to.not.equal("0x");
    expect(await ethers.provider.getCode(deployment.pool, deployment.deployBlock - 1)).to.equal("0x");
  }

  it("writes deployments/<chainId>.json and the extra copy for an existing stablecoin", async () => {
    const stablecoin = await ethers.deployContract("MockStablecoin");
    const tokenAddress = (await stablecoin.getAddress()) as Address;
    const startTime = BigInt(await networkHelpers.time.latest()) + 3600n;
    const appCopy = join(dir, "app", "public", "plaudit.json");
    const { deployment, paths } = await deployPlaudit(connection, {
      module: "PlauditPool",
      parameters: { PlauditPool: { token: tokenAddress, startTime, epochLength: 7200n, keeperTipBps: 25n } },
      deploymentsDir: join(dir, "deployments"),
      extraPaths: [appCopy],
      keeperUrl: "https://keeper.example.org",
    });

    expect(paths).to.deep.equal([join(dir, "deployments", `${deployment.chainId}.json`), appCopy]);
    const written = readDeployment(paths[0] as string);
    expect(written).to.deep.equal(deployment);
    expect(readDeployment(appCopy)).to.deep.equal(deployment);
    expect(written.token).to.equal(getAddress(tokenAddress));
    expect(written.startTime).to.equal(Number(startTime));
    expect(written.epochLength).to.equal(7200);
    expect(written.keeperTipBps).to.equal(25);
    expect(written.keeperUrl).to.equal("https://keeper.example.org");
    expect(written.rpcUrl).to.equal(undefined);
    await expectMatchesChain(written);
  });

  it("records the mock token's symbol and decimals for a LocalPlaudit deployment (the USDC-like one by default)", async () => {
    const startTime = BigInt(await networkHelpers.time.latest()) + 60n;
    const { paths } = await deployPlaudit(connection, {
      module: "LocalPlaudit",
      parameters: { LocalPlaudit: { startTime } },
      deploymentsDir: join(dir, "deployments"),
    });
    const written = readDeployment(paths[0] as string);
    expect(written.tokenSymbol).to.equal("USDC");
    expect(written.tokenDecimals).to.equal(6);
    await expectMatchesChain(written);
  });
});
