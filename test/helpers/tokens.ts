/**
 * Token flavours for the funding tests: a pool on each mock (USDC-, PYUSD-, DAI-, USDT-like and the plain
 * mock stablecoin), funded readers, and signing of the token-side messages (permits, EIP-3009
 * authorizations) and of the pool's signed intents with the protocol's own EIP-712 types.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Signer } from "ethers";
import type { Address, TypedDataDomain } from "viem";

import {
  cancellationTypedData,
  daiPermitTypedData,
  permitTypedData,
  plauditDomain,
  revocationTypedData,
  subscriptionAuthorizationTypedData,
  subscriptionTypedData,
  tipAuthorizationTypedData,
  tipTypedData,
  withdrawalTypedData,
  type CancellationMessage,
  type DaiPermitRequest,
  type PermitRequest,
  type RevocationMessage,
  type SubscriptionMessage,
  type TipMessage,
  type WithdrawalMessage,
} from "@plaudit/protocol";
import type {
  MockDAI,
  MockPYUSD,
  MockStablecoin,
  MockUSDC,
  MockUSDT,
  PlauditPool,
} from "../../types/ethers-contracts/index.js";
import { EPOCH_LENGTH, ethers, KEEPER_TIP_BPS, networkHelpers } from "./fixtures.js";
import { signTyped } from "./signing.js";

export { signTyped };

export interface Flavours {
  usdc: MockUSDC;
  pyusd: MockPYUSD;
  dai: MockDAI;
  usdt: MockUSDT;
  musd: MockStablecoin;
}
export type Flavour = keyof Flavours;

/** Whole tokens a reader starts with. */
const READER_TOKENS = 10_000n;
/** An hour: the deadline the tests' signed messages get by default. */
export const HOUR = 3600n;

/** One whole token of a `decimals`-decimal token. */
export function unit(decimals: bigint): bigint {
  return 10n ** decimals;
}

/** A pool on every flavour, readers alice and bob funded on each, a relayer and a stranger. */
export async function deployFlavoursFixture() {
  const [deployer, keeper, alice, bob, relayer, creatorA, creatorB, stranger] = (await ethers.getSigners()).slice(
    0,
    8,
  ) as HardhatEthersSigner[] as [
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
  ];
  const tokens: Flavours = {
    usdc: await ethers.deployContract("MockUSDC"),
    pyusd: await ethers.deployContract("MockPYUSD"),
    dai: await ethers.deployContract("MockDAI"),
    usdt: await ethers.deployContract("MockUSDT"),
    musd: await ethers.deployContract("MockStablecoin"),
  };
  const startTime = BigInt(await networkHelpers.time.latest()) + HOUR;
  const pools = {} as Record<Flavour, PlauditPool>;
  for (const [flavour, token] of Object.entries(tokens) as [Flavour, Flavours[Flavour]][]) {
    pools[flavour] = await ethers.deployContract("PlauditPool", [token, startTime, EPOCH_LENGTH, KEEPER_TIP_BPS]);
    const decimals = await token.decimals();
    for (const reader of [alice, bob]) await token.mint(reader, READER_TOKENS * unit(decimals));
  }
  const chainId = Number((await ethers.provider.getNetwork()).chainId);

  /** The pool's EIP-712 domain on `flavour`. */
  async function poolDomain(flavour: Flavour) {
    return plauditDomain(chainId, (await pools[flavour].getAddress()) as Address);
  }

  /** The token's EIP-712 domain as the USDC-, PYUSD- and DAI-like mocks sign (name(), version()). */
  async function tokenDomain(flavour: "usdc" | "pyusd" | "dai"): Promise<TypedDataDomain> {
    const token = tokens[flavour];
    return {
      name: await token.name(),
      version: await token.version(),
      chainId,
      verifyingContract: await address(token),
    };
  }

  async function goToEpoch(epoch: bigint, offset = 0n): Promise<void> {
    await networkHelpers.time.increaseTo(startTime + epoch * EPOCH_LENGTH + offset);
  }

  /** Subscription terms for `reader` with the intent nonce it has now, valid for an hour. */
  async function termsFor(
    flavour: Flavour,
    reader: HasAddress,
    fields: Partial<SubscriptionMessage> & Pick<SubscriptionMessage, "amountPerEpoch" | "epochs">,
  ): Promise<SubscriptionMessage> {
    const pool = pools[flavour];
    const readerAddress = await addressOfSigner(reader);
    return {
      reader: readerAddress,
      firstEpoch: 0n,
      relayerFee: 0n,
      nonce: await pool.intentNonceOf(readerAddress),
      deadline: BigInt(await networkHelpers.time.latest()) + HOUR,
      ...fields,
    };
  }

  return {
    tokens,
    pools,
    chainId,
    startTime,
    poolDomain,
    tokenDomain,
    goToEpoch,
    termsFor,
    deployer,
    keeper,
    alice,
    bob,
    relayer,
    creatorA,
    creatorB,
    stranger,
  };
}

export type FlavoursFixture = Awaited<ReturnType<typeof deployFlavoursFixture>>;

type HasAddress = { getAddress(): Promise<string> } | string;

async function addressOfSigner(who: HasAddress): Promise<Address> {
  return ethers.getAddress(typeof who === "string" ? who : await who.getAddress()) as Address;
}

async function address(contract: { getAddress(): Promise<string> }): Promise<Address> {
  return (await contract.getAddress()) as Address;
}

type PoolDomain = ReturnType<typeof plauditDomain>;

export const signSubscription = (signer: Signer, domain: PoolDomain, message: SubscriptionMessage) =>
  signTyped(signer, subscriptionTypedData(domain, message));
export const signCancellation = (signer: Signer, domain: PoolDomain, message: CancellationMessage) =>
  signTyped(signer, cancellationTypedData(domain, message));
export const signWithdrawal = (signer: Signer, domain: PoolDomain, message: WithdrawalMessage) =>
  signTyped(signer, withdrawalTypedData(domain, message));
export const signRevocation = (signer: Signer, domain: PoolDomain, message: RevocationMessage) =>
  signTyped(signer, revocationTypedData(domain, message));

/** The reader's EIP-3009 `ReceiveWithAuthorization` for `subscribeWithAuthorization(terms, signature)`. */
export const signSubscriptionAuthorization = (
  signer: Signer,
  tokenDomain: TypedDataDomain,
  poolDomain: PoolDomain,
  terms: SubscriptionMessage,
) => signTyped(signer, subscriptionAuthorizationTypedData(tokenDomain, poolDomain, terms));

export const signTip = (signer: Signer, domain: PoolDomain, message: TipMessage) =>
  signTyped(signer, tipTypedData(domain, message));

/** The reader's EIP-3009 `ReceiveWithAuthorization` for `tipWithAuthorization(terms, signature)`. */
export const signTipAuthorization = (
  signer: Signer,
  tokenDomain: TypedDataDomain,
  poolDomain: PoolDomain,
  terms: TipMessage,
) => signTyped(signer, tipAuthorizationTypedData(tokenDomain, poolDomain, terms));

export const signPermit = (signer: Signer, tokenDomain: TypedDataDomain, request: PermitRequest) =>
  signTyped(signer, permitTypedData(tokenDomain, request));

export const signDaiPermit = (signer: Signer, tokenDomain: TypedDataDomain, request: DaiPermitRequest) =>
  signTyped(signer, daiPermitTypedData(tokenDomain, request));
