/**
 * A local Hardhat chain with the real PlauditPool and MockStablecoin, funded readers and helpers to sign
 * wire tallies, for the keeper's tests and benchmark. Deploys from the Hardhat artifacts with viem.
 */
import { readFileSync } from "node:fs";

import { network } from "hardhat";
import {
  createPublicClient,
  createWalletClient,
  custom,
  encodeFunctionData,
  getAddress,
  http,
  type Address,
  type EIP1193Provider,
  type Hex,
  type Transport,
} from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import {
  addClick,
  mockERC1271WalletAbi,
  mockStablecoinAbi,
  NO_CLICKS,
  plauditDomain,
  plauditPoolAbi,
  profileTypedData,
  sessionTypedData,
  tallyTypedData,
  toWireTally,
  type Clicks,
  type ProfileMessage,
  type SignedProfileInput,
  type SignedTally,
  type SignedTallyInput,
} from "@plaudit/protocol";

export const USD = 1_000_000n;
export const EPOCH_LENGTH = 86_400n;

/** Where each deployed contract's artifact lives under artifacts/contracts/. */
const ARTIFACT_DIRS: Record<string, string> = { MockStablecoin: "mocks/", MockUSDC: "mocks/tokens/" };

function artifact(name: string): { bytecode: Hex } {
  const path = new URL(
    `../../artifacts/contracts/${ARTIFACT_DIRS[name] ?? (name === "PlauditPool" ? "" : "mocks/")}${name}.sol/${name}.json`,
    import.meta.url,
  );
  return JSON.parse(readFileSync(path, "utf8")) as { bytecode: Hex };
}

export interface LocalChain {
  provider: EIP1193Provider;
  transport: Transport;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  publicClient: ReturnType<typeof createPublicClient>;
  /** A fresh funded account (1000 ETH). */
  fundedAccount(): Promise<{ key: Hex; account: PrivateKeyAccount }>;
  latestTime(): Promise<bigint>;
  increaseTo(timestamp: bigint): Promise<void>;
  close(): Promise<void>;
}

/** Hardhat's in-process chain (EDR), one per call. */
export async function createLocalChain(): Promise<LocalChain> {
  const connection = await network.create();
  const provider = connection.provider as unknown as EIP1193Provider;
  return localChain(provider, custom(provider, { retryCount: 0 }), () => connection.close());
}

/**
 * The chain of a Hardhat node at `rpcUrl` (another process, reached over HTTP as a keeper reaches its
 * RPC); `close` stops it.
 */
export function connectLocalChain(rpcUrl: string, close: () => Promise<void>): LocalChain {
  const transport = http(rpcUrl, { retryCount: 0 });
  const { request } = transport({ retryCount: 0 });
  const provider: EIP1193Provider = {
    request: request as EIP1193Provider["request"],
    on: () => undefined,
    removeListener: () => undefined,
  };
  return localChain(provider, transport, close);
}

function localChain(provider: EIP1193Provider, transport: Transport, close: () => Promise<void>): LocalChain {
  const publicClient = createPublicClient({ chain: hardhat, transport });
  const rpc = <T>(method: string, params: unknown[] = []) =>
    provider.request({ method, params } as never) as Promise<T>;
  return {
    provider,
    transport,
    rpc,
    publicClient,
    async fundedAccount() {
      const key = generatePrivateKey();
      const account = privateKeyToAccount(key);
      await rpc("hardhat_setBalance", [account.address, "0x3635C9ADC5DEA00000"]);
      return { key, account };
    },
    async latestTime() {
      return (await publicClient.getBlock()).timestamp;
    },
    async increaseTo(timestamp: bigint) {
      await rpc("evm_setNextBlockTimestamp", [`0x${timestamp.toString(16)}`]);
      await rpc("evm_mine");
    },
    close,
  };
}

/** A reader: an account, or a contract wallet (`address`) whose owner `account` signs for it (ERC-1271). */
export interface Reader {
  key: Hex;
  account: PrivateKeyAccount;
  address: Address;
}

export interface PoolFixture {
  chain: LocalChain;
  pool: Address;
  token: Address;
  chainId: number;
  startTime: bigint;
  deployer: PrivateKeyAccount;
  /** Start of `epoch` plus `offset` seconds. */
  epochStart(epoch: bigint): bigint;
  goToEpoch(epoch: bigint, offset?: bigint): Promise<void>;
  /** A new reader with `amount` per epoch for `epochs` epochs from the current one. */
  newReader(amount?: bigint, epochs?: bigint): Promise<Reader>;
  /** Subscribes an existing account for `amount` per epoch for `epochs` epochs from the current one. */
  subscribe(account: PrivateKeyAccount, amount?: bigint, epochs?: bigint): Promise<void>;
  /** A MockERC1271Wallet reader owned by a new key, with `amount` per epoch for `epochs` epochs. */
  newWalletReader(amount?: bigint, epochs?: bigint): Promise<Reader>;
  revokeSessions(reader: Reader): Promise<void>;
  creators: Address[];
}

export async function deployPool(
  chain: LocalChain,
  options: {
    epochLength?: bigint;
    keeperTipBps?: number;
    /** The stablecoin: the mock stablecoin (default) or the USDC-like mock (EIP-3009, no ERC-5267). */
    token?: "MockStablecoin" | "MockUSDC";
  } = {},
): Promise<PoolFixture> {
  const { account: deployer } = await chain.fundedAccount();
  const wallet = createWalletClient({ account: deployer, chain: hardhat, transport: chain.transport });
  const tokenHash = await wallet.deployContract({
    abi: mockStablecoinAbi,
    bytecode: artifact(options.token ?? "MockStablecoin").bytecode,
  });
  const token = (await chain.publicClient.waitForTransactionReceipt({ hash: tokenHash })).contractAddress as Address;
  const epochLength = options.epochLength ?? EPOCH_LENGTH;
  const startTime = (await chain.latestTime()) + 60n;
  const poolHash = await wallet.deployContract({
    abi: plauditPoolAbi,
    bytecode: artifact("PlauditPool").bytecode,
    args: [token, startTime, epochLength, options.keeperTipBps ?? 50],
  });
  const pool = (await chain.publicClient.waitForTransactionReceipt({ hash: poolHash })).contractAddress as Address;
  const chainId = await chain.publicClient.getChainId();
  const creators = Array.from({ length: 4 }, () => privateKeyToAccount(generatePrivateKey()).address);

  const send = async (
    account: PrivateKeyAccount,
    to: Address,
    data: {
      abi: typeof plauditPoolAbi | typeof mockStablecoinAbi | typeof mockERC1271WalletAbi;
      functionName: string;
      args: readonly unknown[];
    },
  ) => {
    const w = createWalletClient({ account, chain: hardhat, transport: chain.transport });
    const hash = await w.writeContract({ address: to, ...(data as object) } as never);
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${data.functionName} reverted`);
  };
  const epochStart = (epoch: bigint) => startTime + epoch * epochLength;
  const currentEpoch = async () => {
    const now = await chain.latestTime();
    return now < startTime ? 0n : (now - startTime) / epochLength;
  };
  const subscribe = async (account: PrivateKeyAccount, amount = 10n * USD, epochs = 3n) => {
    await send(deployer, token, {
      abi: mockStablecoinAbi,
      functionName: "mint",
      args: [account.address, amount * epochs],
    });
    await send(account, token, { abi: mockStablecoinAbi, functionName: "approve", args: [pool, amount * epochs] });
    await send(account, pool, {
      abi: plauditPoolAbi,
      functionName: "subscribe",
      args: [amount, epochs, await currentEpoch()],
    });
  };

  return {
    chain,
    pool: getAddress(pool),
    token: getAddress(token),
    chainId,
    startTime,
    deployer,
    creators,
    epochStart,
    async goToEpoch(epoch, offset = 0n) {
      await chain.increaseTo(epochStart(epoch) + offset);
    },
    async newReader(amount = 10n * USD, epochs = 3n) {
      const { key, account } = await chain.fundedAccount();
      await subscribe(account, amount, epochs);
      return { key, account, address: account.address };
    },
    subscribe,
    async newWalletReader(amount = 10n * USD, epochs = 3n) {
      const { key, account } = await chain.fundedAccount();
      const owner = createWalletClient({ account, chain: hardhat, transport: chain.transport });
      const hash = await owner.deployContract({
        abi: mockERC1271WalletAbi,
        bytecode: artifact("MockERC1271Wallet").bytecode,
        args: [account.address],
      });
      const wallet = getAddress(
        (await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress as Address,
      );
      await send(deployer, token, { abi: mockStablecoinAbi, functionName: "mint", args: [wallet, amount * epochs] });
      await send(account, wallet, {
        abi: mockERC1271WalletAbi,
        functionName: "approve",
        args: [token, pool, amount * epochs],
      });
      const subscribe = encodeFunctionData({
        abi: plauditPoolAbi,
        functionName: "subscribe",
        args: [amount, epochs, await currentEpoch()],
      });
      await send(account, wallet, { abi: mockERC1271WalletAbi, functionName: "execute", args: [pool, subscribe] });
      return { key, account, address: wallet };
    },
    async revokeSessions(reader) {
      await send(reader.account, pool, { abi: plauditPoolAbi, functionName: "revokeSessions", args: [] });
    },
  };
}

/**
 * Signs wire tallies for one reader and one key: the reader's own (a wallet reader's owner signs for
 * it, ERC-1271) or a session key.
 */
export class TallySigner {
  private clicks: Clicks = NO_CLICKS;
  private seq = 0n;
  readonly key: PrivateKeyAccount;
  /** The tally's `signer`: the session key, else the reader. */
  readonly signer: Address;
  private session: { expiry: bigint; nonce: number; signature: Hex } | null = null;

  constructor(
    private readonly fixture: Pick<PoolFixture, "chainId" | "pool">,
    readonly reader: Reader,
    private readonly epoch: bigint,
    options: { sessionKey?: PrivateKeyAccount } = {},
  ) {
    this.key = options.sessionKey ?? reader.account;
    this.signer = options.sessionKey?.address ?? reader.address;
  }

  get domain() {
    return plauditDomain(this.fixture.chainId, this.fixture.pool);
  }

  /** Delegates the session key with `nonce` (the reader's current session nonce) until `expiry`. */
  async delegate(expiry: bigint, nonce = 0): Promise<void> {
    const signature = await this.reader.account.signTypedData(
      sessionTypedData(this.domain, { reader: this.reader.address, key: this.signer, expiry, nonce }),
    );
    this.session = { expiry, nonce, signature };
  }

  /** One more click for `creator`: the next cumulative tally, signed. */
  async click(creator: Address, times = 1): Promise<SignedTallyInput> {
    this.clicks = addClick(this.clicks, creator, times);
    this.seq += 1n;
    return this.sign(this.clicks, this.seq);
  }

  async sign(clicks: Clicks, seq: bigint): Promise<SignedTallyInput> {
    const signature = await this.key.signTypedData(
      tallyTypedData(this.domain, {
        reader: this.reader.address,
        epoch: this.epoch,
        seq,
        creators: clicks.creators,
        counts: clicks.counts,
      }),
    );
    const tally: SignedTally = {
      chainId: this.fixture.chainId,
      pool: this.fixture.pool,
      reader: this.reader.address,
      signer: this.signer,
      epoch: this.epoch,
      seq,
      creators: [...clicks.creators],
      counts: [...clicks.counts],
      signature,
      session: this.signer === this.reader.address ? null : this.session,
    };
    return toWireTally(tally);
  }
}

/** A profile of `creator` (an EOA, or a wallet `owner` signs for), signed: wire JSON as a creator publishes it. */
export async function signedProfile(
  chainId: number,
  owner: PrivateKeyAccount,
  fields: Partial<Omit<ProfileMessage, "version">> & { version?: bigint },
): Promise<SignedProfileInput> {
  const message: ProfileMessage = {
    creator: fields.creator ?? owner.address,
    name: fields.name ?? "Ada Lovelace",
    bio: fields.bio ?? "Notes on the analytical engine.\nMostly footnotes.",
    avatar: fields.avatar ?? "https://ada.example/avatar.png",
    website: fields.website ?? "https://ada.example/",
    links: fields.links ?? ["https://social.example/@ada"],
    version: fields.version ?? 1n,
  };
  const signature = await owner.signTypedData({
    ...profileTypedData(chainId, message),
    message: { ...message, links: [...message.links] },
  });
  return { chainId, ...message, links: [...message.links], version: message.version.toString(), signature };
}
