/**
 * The pool fixture every mocha test starts from: a mock stablecoin, a pool whose epoch 0 starts an
 * hour after deployment, funded and approved readers, creators and a keeper.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { network } from "hardhat";

import { domainOf, type Domain } from "./signing.js";

export const connection = await network.getOrCreate();
export const { ethers, networkHelpers } = connection;

export const DAY = 24n * 60n * 60n;
export const EPOCH_LENGTH = 30n * DAY;
export const KEEPER_TIP_BPS = 50n;
/** 6-decimal units. */
export const USD = 1_000_000n;
export const READER_FUNDS = 10_000n * USD;

/** The i-th test account (Hardhat's default accounts). */
async function account(i: number): Promise<HardhatEthersSigner> {
  const signer = (await ethers.getSigners())[i];
  if (signer === undefined) throw new Error(`no test account ${i}`);
  return signer;
}

export async function deployPoolFixture() {
  const [deployer, keeper, alice, bob, carol, creatorA, creatorB, creatorC, stranger] = (await Promise.all(
    [0, 1, 2, 3, 4, 5, 6, 7, 8].map(account),
  )) as [
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
  ];
  const token = await ethers.deployContract("MockStablecoin");
  const startTime = BigInt(await networkHelpers.time.latest()) + 3600n;
  const pool = await ethers.deployContract("PlauditPool", [token, startTime, EPOCH_LENGTH, KEEPER_TIP_BPS]);
  const readers = [alice, bob, carol];
  for (const reader of readers) {
    await token.mint(reader, READER_FUNDS);
    await token.connect(reader).approve(pool, ethers.MaxUint256);
  }
  const domain: Domain = await domainOf(pool);

  /** Moves the chain to `offset` seconds into `epoch`. */
  async function goToEpoch(epoch: bigint, offset = 0n): Promise<void> {
    await networkHelpers.time.increaseTo(startTime + epoch * EPOCH_LENGTH + offset);
  }

  return {
    token,
    pool,
    domain,
    startTime,
    goToEpoch,
    readers,
    deployer,
    keeper,
    alice,
    bob,
    carol,
    creatorA,
    creatorB,
    creatorC,
    stranger,
  };
}
