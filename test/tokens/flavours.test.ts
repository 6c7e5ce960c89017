/**
 * The token mocks behave like the real tokens on every point Plaudit depends on (issue 10's facts): USDC's
 * domain only through DOMAIN_SEPARATOR() with version "2", EIP-3009 and its used nonces, blacklists;
 * PYUSD's quiet return on a used nonce; USDT's missing return values and zero-first allowance; DAI's own
 * permit. Without these the funding tests would prove nothing about the real tokens.
 */
import { expect } from "chai";
import type { Address, Hex } from "viem";
import { domainSeparator } from "viem";

import { receiveWithAuthorizationTypedData } from "@plaudit/protocol";
import { ethers, networkHelpers } from "../helpers/fixtures.js";
import { deployFlavoursFixture, HOUR, signDaiPermit, signPermit, signTyped } from "../helpers/tokens.js";

const NONCE = `0x${"ab".repeat(32)}` as Hex;

describe("token flavours", () => {
  it("USDC-like: 6 decimals, version 2, a domain only through DOMAIN_SEPARATOR() (no eip712Domain)", async () => {
    const { tokens, tokenDomain } = await networkHelpers.loadFixture(deployFlavoursFixture);
    const usdc = tokens.usdc;
    expect(await usdc.decimals()).to.equal(6n);
    expect(await usdc.version()).to.equal("2");
    expect(await usdc.DOMAIN_SEPARATOR()).to.equal(domainSeparator({ domain: await tokenDomain("usdc") }));
    const erc5267 = new ethers.Contract(
      await usdc.getAddress(),
      ["function eip712Domain() view returns (bytes1)"],
      ethers.provider,
    );
    const answered = await erc5267
      .getFunction("eip712Domain")()
      .then(
        () => true,
        () => false,
      );
    expect(answered, "eip712Domain() answered").to.equal(false);
  });

  it("USDC-like: an ERC-1271 wallet's permit goes through the bytes variant; blacklisted accounts neither send nor receive", async () => {
    const { tokens, tokenDomain, deployer, alice, bob } = await networkHelpers.loadFixture(deployFlavoursFixture);
    const usdc = tokens.usdc;
    const wallet = await ethers.deployContract("MockERC1271Wallet", [deployer.address]);
    const walletAddress = (await wallet.getAddress()) as Address;
    const deadline = BigInt(await networkHelpers.time.latest()) + HOUR;
    const request = { owner: walletAddress, spender: bob.address as Address, value: 5n, nonce: 0n, deadline };
    const signature = await signPermit(deployer, await tokenDomain("usdc"), request);
    await usdc["permit(address,address,uint256,uint256,bytes)"](walletAddress, bob, 5n, deadline, signature);
    expect(await usdc.allowance(walletAddress, bob)).to.equal(5n);

    await usdc.blacklist(bob);
    await expect(usdc.connect(alice).transfer(bob, 1n))
      .to.be.revertedWithCustomError(usdc, "AccountBlacklisted")
      .withArgs(bob.address);
    await expect(usdc.connect(bob).transfer(alice, 1n))
      .to.be.revertedWithCustomError(usdc, "AccountBlacklisted")
      .withArgs(bob.address);
  });

  it("EIP-3009: USDC-like reverts on a used nonce, PYUSD-like emits AuthorizationAlreadyUsed and moves nothing", async () => {
    const { tokens, tokenDomain, alice, bob } = await networkHelpers.loadFixture(deployFlavoursFixture);
    const validBefore = BigInt(await networkHelpers.time.latest()) + HOUR;
    for (const flavour of ["usdc", "pyusd"] as const) {
      const token = tokens[flavour];
      const request = {
        from: alice.address as Address,
        to: bob.address as Address,
        value: 7n,
        validAfter: 0n,
        validBefore,
        nonce: NONCE,
      };
      const signature = await signTyped(alice, receiveWithAuthorizationTypedData(await tokenDomain(flavour), request));
      const receiveAs = token
        .connect(bob)
        .getFunction("receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)");
      const receive = () => receiveAs(alice, bob, 7n, 0n, validBefore, NONCE, signature);
      await expect(receive()).to.changeTokenBalance(ethers, token, bob, 7n);
      if (flavour === "usdc") {
        await expect(receive()).to.be.revertedWithCustomError(token, "AuthorizationUsedOrCanceled");
      } else {
        const again = receive();
        await expect(again).to.emit(token, "AuthorizationAlreadyUsed").withArgs(alice.address, NONCE);
        await expect(again).to.changeTokenBalance(ethers, token, bob, 0n);
      }
    }
  });

  it("USDT-like: approve and transfer return nothing, and a non-zero allowance must go to zero first", async () => {
    const { tokens, alice, bob } = await networkHelpers.loadFixture(deployFlavoursFixture);
    const usdt = tokens.usdt;
    const approve = usdt.interface.encodeFunctionData("approve", [bob.address, 5n]);
    expect(await ethers.provider.call({ from: alice.address, to: await usdt.getAddress(), data: approve })).to.equal(
      "0x",
    );
    await usdt.connect(alice).approve(bob, 5n);
    await expect(usdt.connect(alice).approve(bob, 6n))
      .to.be.revertedWithCustomError(usdt, "AllowanceNotZero")
      .withArgs(alice.address, bob.address, 5n);
    await usdt.connect(alice).approve(bob, 0n);
    await usdt.connect(alice).approve(bob, 6n);
    expect(await usdt.allowance(alice, bob)).to.equal(6n);
    await usdt.addBlackList(alice);
    await expect(usdt.connect(alice).transfer(bob, 1n)).to.be.revertedWithCustomError(usdt, "AccountBlacklisted");
    await expect(usdt.connect(bob).transfer(alice, 1n)).to.changeTokenBalance(ethers, usdt, alice, 1n);
  });

  it("DAI-like: 18 decimals and DAI's own permit, all or nothing, nonce and expiry checked", async () => {
    const { tokens, tokenDomain, alice, bob, chainId } = await networkHelpers.loadFixture(deployFlavoursFixture);
    const dai = tokens.dai;
    expect(await dai.decimals()).to.equal(18n);
    expect([await dai.name(), await dai.version()]).to.deep.equal(["Dai Stablecoin", "1"]);
    const domain = await tokenDomain("dai");
    expect(await dai.DOMAIN_SEPARATOR()).to.equal(domainSeparator({ domain: { ...domain, chainId } }));
    const expiry = BigInt(await networkHelpers.time.latest()) + HOUR;
    const holder = alice.address as Address;
    const spender = bob.address as Address;
    const signed = ethers.Signature.from(
      await signDaiPermit(alice, domain, { holder, spender, nonce: 0n, expiry, allowed: true }),
    );
    await expect(
      dai.permit(holder, spender, 1n, expiry, true, signed.v, signed.r, signed.s),
    ).to.be.revertedWithCustomError(dai, "InvalidPermit");
    await dai.permit(holder, spender, 0n, expiry, true, signed.v, signed.r, signed.s);
    expect(await dai.allowance(holder, spender)).to.equal(ethers.MaxUint256);
    const late = ethers.Signature.from(
      await signDaiPermit(alice, domain, { holder, spender, nonce: 1n, expiry, allowed: false }),
    );
    await networkHelpers.time.setNextBlockTimestamp(expiry + 1n);
    await expect(dai.permit(holder, spender, 1n, expiry, false, late.v, late.r, late.s))
      .to.be.revertedWithCustomError(dai, "PermitExpired")
      .withArgs(expiry);
  });
});
