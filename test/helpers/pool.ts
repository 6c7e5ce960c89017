/**
 * Domain helpers for the pool's mocha tests: enum values, click building, event parsing, ERC-1271
 * wallet readers and the books (every token the pool holds is owed to someone).
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import type { ContractTransactionResponse, Signer, Wallet } from "ethers";
import type { Address, Hex } from "viem";

import { addClick, BudgetStatus, NO_CLICKS, SkipReason, type Clicks } from "@plaudit/protocol";
import type { MockERC1271Wallet, MockStablecoin, PlauditPool } from "../../types/ethers-contracts/index.js";
import { deployPoolFixture, EPOCH_LENGTH, ethers, networkHelpers, READER_FUNDS, USD } from "./fixtures.js";
import { signSession, signTally, type Domain, type SignedTallyStruct } from "./signing.js";

/** The pool's enums, generated from its interface (re-exported for the tests that import them here). */
export { BudgetStatus, SkipReason };

/** The secp256k1 group order, for building high-s (malleable) signatures. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

type HasAddress = { address: string } | string;

function addressOf(who: HasAddress): Address {
  return ethers.getAddress(typeof who === "string" ? who : who.address) as Address;
}

/** Canonical clicks from `[creator, count]` pairs given in any order. */
export function clicksFor(entries: readonly (readonly [HasAddress, number])[]): Clicks {
  return entries.reduce<Clicks>((clicks, [creator, count]) => addClick(clicks, addressOf(creator), count), NO_CLICKS);
}

/** A fresh random key (session key or ERC-1271 owner) that never touches the chain. */
export function randomKey(): Wallet {
  return new ethers.Wallet(ethers.Wallet.createRandom().privateKey);
}

/** `count` distinct, strictly ascending, non-zero addresses (synthetic creators). */
export function syntheticCreators(count: number, base = 0x1000n): Address[] {
  return Array.from({ length: count }, (_, i) => ethers.getAddress(ethers.toBeHex(base + BigInt(i), 20)) as Address);
}

/**
 * A tally for `reader` signed with `signer`'s key over arbitrary `creators` / `counts` (which may break
 * the rules), encoded as given: lets a test prove the contract refuses what the signature covers.
 */
export async function rawSignedTally(
  signer: Signer,
  domain: Domain,
  reader: Address,
  epoch: bigint,
  creators: readonly Address[],
  counts: readonly number[],
  seq = 1n,
): Promise<SignedTallyStruct> {
  return {
    signer: (await signer.getAddress()) as Address,
    seq,
    sessionExpiry: 0n,
    creators,
    counts,
    signature: await signTally(signer, domain, { reader, epoch, seq, creators, counts }),
    sessionSignature: "0x",
  };
}

/** A tally of an ERC-1271 wallet reader signed directly by the wallet's owner key. */
export async function walletSignedTally(
  owner: Signer,
  wallet: Address,
  domain: Domain,
  epoch: bigint,
  clicks: Clicks,
  seq = 1n,
): Promise<SignedTallyStruct> {
  return {
    signer: wallet,
    seq,
    sessionExpiry: 0n,
    creators: clicks.creators,
    counts: clicks.counts,
    signature: await signTally(owner, domain, { reader: wallet, epoch, seq, ...clicks }),
    sessionSignature: "0x",
  };
}

/** A Session signature of `reader` (signed by `signer`) for `key`, to splice into a tally. */
export async function sessionSignature(
  signer: Signer,
  domain: Domain,
  reader: Address,
  key: Address,
  expiry: bigint,
  nonce: number,
): Promise<Hex> {
  return signSession(signer, domain, { reader, key, expiry, nonce });
}

/** `signature` (65 bytes) turned into its high-s twin: same signer for ecrecover, refused by the pool. */
export function malleate(signature: Hex): Hex {
  const sig = ethers.Signature.from(signature);
  const highS = SECP256K1_N - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return ethers.concat([sig.r, ethers.toBeHex(highS, 32), ethers.toBeHex(v, 1)]) as Hex;
}

/** Logs of `eventName` emitted by `pool` in the transaction, decoded. */
export async function poolEvents(
  pool: PlauditPool,
  tx: ContractTransactionResponse,
  eventName: string,
): Promise<ReturnType<PlauditPool["interface"]["parseLog"]>[]> {
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("transaction has no receipt");
  const poolAddress = (await pool.getAddress()).toLowerCase();
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === poolAddress)
    .map((log) => pool.interface.parseLog(log))
    .filter((parsed) => parsed !== null && parsed.name === eventName);
}

/** Asserts what `creator` can claim. */
export async function expectClaimable(pool: PlauditPool, creator: HasAddress, amount: bigint): Promise<void> {
  expect(await pool.claimableOf(addressOf(creator)), `claimable of ${addressOf(creator)}`).to.equal(amount);
}

/** Asserts `reader`'s budget of `epoch` and where it stands. */
export async function expectBudget(
  pool: PlauditPool,
  reader: HasAddress,
  epoch: bigint,
  amount: bigint,
  status: BudgetStatus,
): Promise<void> {
  const [actual, actualStatus] = await pool.budgetOf(addressOf(reader), epoch);
  expect(actual, `budget of ${addressOf(reader)} in epoch ${epoch}`).to.equal(amount);
  expect(Number(actualStatus), `status of ${addressOf(reader)} in epoch ${epoch}`).to.equal(status);
}

/**
 * What the pool owes: every open budget of `readers` (epochs 0 to their `fundedUntil`, whatever
 * `sweepFrom` says) plus every claimable balance of `creators`; an account listed twice counts once.
 */
export async function liabilitiesOf(
  pool: PlauditPool,
  readers: readonly HasAddress[],
  creators: readonly HasAddress[],
): Promise<bigint> {
  let total = 0n;
  const unique = (accounts: readonly HasAddress[]) => [...new Set(accounts.map(addressOf))];
  for (const reader of unique(readers)) {
    const [, fundedUntil] = await pool.readerEpochs(addressOf(reader));
    for (let epoch = 0n; epoch < fundedUntil; epoch++) {
      const [amount, status] = await pool.budgetOf(addressOf(reader), epoch);
      if (Number(status) === BudgetStatus.Open) total += amount;
    }
  }
  for (const creator of unique(creators)) total += await pool.claimableOf(creator);
  return total;
}

/** Conservation: the pool holds exactly what it owes to the known readers and creators. */
export async function expectConservation(
  pool: PlauditPool,
  token: { balanceOf(account: string): Promise<bigint> },
  readers: readonly HasAddress[],
  creators: readonly HasAddress[],
): Promise<void> {
  const balance = await token.balanceOf(await pool.getAddress());
  expect(balance, "pool balance equals open budgets plus claimables").to.equal(
    await liabilitiesOf(pool, readers, creators),
  );
}

/**
 * An ERC-1271 wallet reader owned by `owner` (a funded account that sends its `execute` calls), funded
 * with READER_FUNDS and with the pool approved.
 */
export async function deployWalletReader(
  owner: HardhatEthersSigner,
  token: MockStablecoin,
  pool: PlauditPool,
): Promise<MockERC1271Wallet> {
  const wallet = await ethers.deployContract("MockERC1271Wallet", [owner.address]);
  await token.mint(wallet, READER_FUNDS);
  await wallet.connect(owner).approve(token, pool, ethers.MaxUint256);
  return wallet;
}

/** Makes `wallet` subscribe through its `execute`. */
export async function walletSubscribe(
  wallet: MockERC1271Wallet,
  owner: HardhatEthersSigner,
  pool: PlauditPool,
  amountPerEpoch: bigint,
  epochs: bigint,
  firstEpoch: bigint,
): Promise<void> {
  const data = pool.interface.encodeFunctionData("subscribe", [amountPerEpoch, epochs, firstEpoch]);
  await wallet.connect(owner).execute(pool, data);
}

/** Sets the next block's timestamp, so that the next transaction runs exactly at `timestamp`. */
export async function atTimestamp(timestamp: bigint): Promise<void> {
  await networkHelpers.time.setNextBlockTimestamp(timestamp);
}

/** Every reader of the base fixture subscribed BUDGET for epochs 0 and 1; the chain is still before epoch 0. */
export const BUDGET = 100n * USD;

export async function subscribedPoolFixture() {
  const f = await deployPoolFixture();
  for (const reader of f.readers) await f.pool.connect(reader).subscribe(BUDGET, 2n, 0n);
  const creators = [f.creatorA, f.creatorB, f.creatorC];
  /** A session expiry far past every epoch a test uses. */
  const farExpiry = f.startTime + 100n * EPOCH_LENGTH;
  /** Conservation over every reader and creator of the fixture (plus extra accounts). */
  async function expectBooksBalance(extraReaders: HasAddress[] = [], extraCreators: HasAddress[] = []): Promise<void> {
    await expectConservation(f.pool, f.token, [...f.readers, ...extraReaders], [...creators, ...extraCreators]);
  }
  return { ...f, creators, farExpiry, expectBooksBalance };
}

/** The expected credits of a split by running totals, computed here independently of protocol/split.ts. */
export function runningTotalShares(amount: bigint, counts: readonly bigint[]): bigint[] {
  const total = counts.reduce((sum, n) => sum + n, 0n);
  let cumulative = 0n;
  let paid = 0n;
  return counts.map((count) => {
    cumulative += count;
    const paidThrough = (amount * cumulative) / total;
    const share = paidThrough - paid;
    paid = paidThrough;
    return share;
  });
}
