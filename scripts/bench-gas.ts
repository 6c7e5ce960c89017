/**
 * Gas benchmark of `settle` (not a test): batches of 1, 50 and 200 readers, each reader with one session
 * key and 30 clicks over 10 creators drawn from 100. Creators are either already credited in an earlier
 * epoch ("warm": their balance slot is non-zero) or all new ("cold"). For comparison, a naive design that
 * verifies one signature per click (contracts/benchmarks/NaiveClickPool.sol).
 *
 * Then the funding paths: the first subscription of a fresh reader, 12 epochs, on the token mocks, no
 * relayer fee unless the row says so. `subscribeAuthorizationGas` is `subscribeWithAuthorization` (EIP-3009,
 * USDC-like), `subscribePermitGas` is `subscribeBySignature` with an EIP-2612 permit (USDC-like), both as a
 * relayer sends them; `subscribeApproveGas` is what a reader pays on the approve path, `approve` plus
 * `subscribe` (USDT-like).
 *
 * Run: `npm run bench:gas`. The last line is JSON:
 * {"readers":200,"gasPerReader":N,"batchGas":N,"naiveGasPerReader":N,
 *  "subscribePermitGas":N,"subscribeAuthorizationGas":N,"subscribeApproveGas":N}
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Wallet, type TypedDataField } from "ethers";
import { network } from "hardhat";
import type { Address, Hex } from "viem";

import {
  addClick,
  daiPermitTypedData,
  NO_CLICKS,
  PermitKind,
  permitTypedData,
  plauditDomain,
  type Clicks,
  settleArgs,
  subscriptionAuthorizationTypedData,
  subscriptionTypedData,
  subscriptionValue,
  tokenPermit,
  type SubscriptionMessage,
  type TokenPermitStruct,
} from "@plaudit/protocol";
import { domainOf, sessionSignedTally, signTyped, type SignedTallyStruct } from "../test/helpers/signing.js";

const BATCH_SIZES = [1, 50, 200] as const;
const CREATOR_POOL = 100;
const CREATORS_PER_READER = 10;
const CLICKS_PER_READER = 30;
const EPOCH_LENGTH = 30n * 24n * 3600n;
const KEEPER_TIP_BPS = 50n;
const BUDGET = 10_000_000n; // 10 mUSD per epoch
/** EIP-7825: no transaction may use more gas. */
const TX_GAS_CAP = 16_777_216n;
/** The naive design cannot fit 200 readers in one transaction: it is measured in chunks of this size. */
const NAIVE_CHUNK = 50;

const { ethers, networkHelpers } = await network.create();
const [, keeper] = (await ethers.getSigners()) as [HardhatEthersSigner, HardhatEthersSigner];

/** Deterministic PRNG (mulberry32) so every run measures the same batches. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(2026);

function randomAddresses(n: number): Address[] {
  return Array.from({ length: n }, () => Wallet.createRandom().address as Address);
}

/** 30 clicks over 10 distinct creators of `creators`, every creator clicked at least once. */
function randomClicks(creators: readonly Address[]): Clicks {
  const chosen = new Set<Address>();
  while (chosen.size < CREATORS_PER_READER) chosen.add(creators[Math.floor(random() * creators.length)] as Address);
  const picks = [...chosen];
  let clicks = NO_CLICKS;
  for (const creator of picks) clicks = addClick(clicks, creator);
  for (let i = CREATORS_PER_READER; i < CLICKS_PER_READER; i++) {
    clicks = addClick(clicks, picks[Math.floor(random() * picks.length)] as Address);
  }
  return clicks;
}

const token = await ethers.deployContract("MockStablecoin");
const startTime = BigInt(await networkHelpers.time.latest()) + 3600n;
const pool = await ethers.deployContract("PlauditPool", [token, startTime, EPOCH_LENGTH, KEEPER_TIP_BPS]);
const naive = await ethers.deployContract("NaiveClickPool");
const domain = await domainOf(pool);
const naiveDomain = await domainOf(naive);

const warmCreators = randomAddresses(CREATOR_POOL);
const readersNeeded = BATCH_SIZES.reduce((sum, n) => sum + n, 0) + CREATOR_POOL / CREATORS_PER_READER;

process.stderr.write(`funding ${readersNeeded} readers for epochs 0-2 `);
const readers: Wallet[] = [];
for (let i = 0; i < readersNeeded; i++) {
  const reader = new Wallet(Wallet.createRandom().privateKey, ethers.provider);
  await networkHelpers.setBalance(reader.address, 10n ** 18n);
  await token.mint(reader.address, BUDGET * 3n);
  await token.connect(reader).approve(pool, BUDGET * 3n);
  await pool.connect(reader).subscribe(BUDGET, 3n, 0n);
  readers.push(reader);
  if (i % 25 === 0) process.stderr.write(".");
}
process.stderr.write("\n");
const sessionExpiry = startTime + 10n * EPOCH_LENGTH;

async function readerTallies(reader: Wallet, epoch: bigint, clicks: Clicks) {
  const key = Wallet.createRandom();
  const tally: SignedTallyStruct = await sessionSignedTally(reader, key, domain, epoch, clicks, sessionExpiry);
  return { reader: reader.address, tallies: [tally] };
}

async function settleGas(epoch: bigint, batch: Awaited<ReturnType<typeof readerTallies>>[]): Promise<bigint> {
  const tx = await pool.connect(keeper).settle(...settleArgs(epoch, batch), { gasLimit: TX_GAS_CAP });
  const receipt = await tx.wait();
  if (receipt === null || receipt.status !== 1) throw new Error("settle failed");
  const settled = receipt.logs.filter((log) => pool.interface.parseLog(log)?.name === "ReaderSettled").length;
  if (settled !== batch.length) throw new Error(`settled ${settled} of ${batch.length} readers`);
  return receipt.gasUsed;
}

// Epoch 0: credit every warm creator once, so their balances are non-zero from then on.
let next = 0;
const warmUp = [];
for (let i = 0; i < CREATOR_POOL / CREATORS_PER_READER; i++) {
  const creators = warmCreators.slice(i * CREATORS_PER_READER, (i + 1) * CREATORS_PER_READER);
  let clicks = NO_CLICKS;
  for (const creator of creators) clicks = addClick(clicks, creator, 3);
  warmUp.push(await readerTallies(readers[next++] as Wallet, 0n, clicks));
}
await networkHelpers.time.increaseTo(startTime + EPOCH_LENGTH);
await settleGas(0n, warmUp);

interface Row {
  case: string;
  readers: number;
  batchGas: bigint;
}
const rows: Row[] = [];
const firstMeasured = next;
for (const [epoch, label] of [
  [1n, "warm creators"],
  [2n, "new creators"],
] as const) {
  await networkHelpers.time.increaseTo(startTime + (epoch + 1n) * EPOCH_LENGTH);
  next = firstMeasured;
  for (const size of BATCH_SIZES) {
    // Cold: a fresh set of 100 creators for every batch, so no batch warms the next one's slots.
    const creators = label === "warm creators" ? warmCreators : randomAddresses(CREATOR_POOL);
    const batch = [];
    for (let i = 0; i < size; i++)
      batch.push(await readerTallies(readers[next++] as Wallet, epoch, randomClicks(creators)));
    rows.push({ case: label, readers: size, batchGas: await settleGas(epoch, batch) });
    process.stderr.write(`settled ${size} readers of epoch ${epoch} (${label})\n`);
  }
}

// The naive design: one reader signature per click.
const clickTypes: Record<string, TypedDataField[]> = {
  Click: [
    { name: "reader", type: "address" },
    { name: "creator", type: "address" },
    { name: "epoch", type: "uint64" },
    { name: "nonce", type: "uint64" },
  ],
};
async function naiveBatch(size: number) {
  const batch = [];
  for (let i = 0; i < size; i++) {
    const reader = readers[next++] as Wallet;
    const clicks = randomClicks(warmCreators);
    const signed: { creator: Address; nonce: bigint; signature: Hex }[] = [];
    let nonce = 0n;
    for (const [index, creator] of clicks.creators.entries()) {
      for (let c = 0; c < (clicks.counts[index] as number); c++) {
        nonce++;
        const message = { reader: reader.address, creator, epoch: 1n, nonce };
        signed.push({
          creator,
          nonce,
          signature: (await reader.signTypedData(naiveDomain, clickTypes, message)) as Hex,
        });
      }
    }
    batch.push({ reader: reader.address, budget: BUDGET, clicks: signed });
  }
  return batch;
}
const naiveRows: Row[] = [];
next = firstMeasured;
for (const size of BATCH_SIZES) {
  let batchGas = 0n;
  for (let done = 0; done < size; done += NAIVE_CHUNK) {
    const batch = await naiveBatch(Math.min(NAIVE_CHUNK, size - done));
    const receipt = await (await naive.connect(keeper).settle(1n, batch, { gasLimit: TX_GAS_CAP })).wait();
    if (receipt === null || receipt.status !== 1) throw new Error("naive settle failed");
    batchGas += receipt.gasUsed;
  }
  const label = size > NAIVE_CHUNK ? `naive, in ${size / NAIVE_CHUNK} transactions` : "naive";
  naiveRows.push({ case: label, readers: size, batchGas });
}

// ------------------------------------------------------------------------------------------------
// Funding paths: the first subscription of a fresh reader, FUNDING_EPOCHS epochs.
// ------------------------------------------------------------------------------------------------

const FUNDING_EPOCHS = 12n;
const FUNDING_BUDGET = 10n; // whole tokens per epoch
const RELAYER_FEE_TENTHS = 2n;
const [, , relayer] = (await ethers.getSigners()) as [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
const chainId = Number((await ethers.provider.getNetwork()).chainId);

/** A pool on a fresh `flavour` mock, epoch 0 an hour ahead. */
async function fundingPool(flavour: "MockUSDC" | "MockUSDT" | "MockDAI") {
  const flavourToken = await ethers.deployContract(flavour);
  const start = BigInt(await networkHelpers.time.latest()) + 3600n;
  const flavourPool = await ethers.deployContract("PlauditPool", [flavourToken, start, EPOCH_LENGTH, KEEPER_TIP_BPS]);
  const one = 10n ** BigInt((await flavourToken.getFunction("decimals")()) as bigint);
  const poolAddress = (await flavourPool.getAddress()) as Address;
  const tokenAddress = (await flavourToken.getAddress()) as Address;
  /** A reader never seen by the pool, holding enough of the token, and its terms (no fee unless given). */
  async function freshReader(relayerFee = 0n) {
    const reader = new Wallet(Wallet.createRandom().privateKey, ethers.provider);
    await networkHelpers.setBalance(reader.address, 10n ** 18n);
    await flavourToken.getFunction("mint")(reader.address, 1000n * one);
    const terms: SubscriptionMessage = {
      reader: reader.address as Address,
      amountPerEpoch: FUNDING_BUDGET * one,
      epochs: FUNDING_EPOCHS,
      firstEpoch: 0n,
      relayerFee,
      nonce: 0n,
      deadline: BigInt(await networkHelpers.time.latest()) + 3600n,
    };
    return { reader, terms };
  }
  const tokenDomain = async () => ({
    name: (await flavourToken.getFunction("name")()) as string,
    version: (await flavourToken.getFunction("version")()) as string,
    chainId,
    verifyingContract: tokenAddress,
  });
  return { token: flavourToken, pool: flavourPool, one, poolAddress, tokenAddress, freshReader, tokenDomain };
}

async function gasOf(tx: Promise<{ wait(): Promise<{ gasUsed: bigint; status: number | null } | null> }>) {
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("funding transaction failed");
  return receipt.gasUsed;
}

interface FundingRow {
  token: string;
  path: string;
  sender: string;
  gas: bigint;
}
const fundingRows: FundingRow[] = [];

const usdc = await fundingPool("MockUSDC");
const usdcPool = plauditDomain(chainId, usdc.poolAddress);
async function authorizationGas(relayerFee: bigint) {
  const { reader, terms } = await usdc.freshReader(relayerFee);
  const signature = await signTyped(
    reader,
    subscriptionAuthorizationTypedData(await usdc.tokenDomain(), usdcPool, terms),
  );
  return gasOf(usdc.pool.connect(relayer).subscribeWithAuthorization(terms, signature));
}
const authorizationPathGas = await authorizationGas(0n);
fundingRows.push({ token: "USDC-like", path: "EIP-3009 authorization", sender: "relayer", gas: authorizationPathGas });
fundingRows.push({
  token: "USDC-like",
  path: "EIP-3009 authorization, relayer fee paid",
  sender: "relayer",
  gas: await authorizationGas((RELAYER_FEE_TENTHS * usdc.one) / 10n),
});

async function bySignatureGas(
  pool: typeof usdc,
  permitOf: (reader: Wallet, terms: SubscriptionMessage) => Promise<TokenPermitStruct>,
) {
  const { reader, terms } = await pool.freshReader();
  const permit = await permitOf(reader, terms);
  const signature = await signTyped(reader, subscriptionTypedData(plauditDomain(chainId, pool.poolAddress), terms));
  return gasOf(pool.pool.connect(relayer).subscribeBySignature(terms, permit, signature));
}
const permitPathGas = await bySignatureGas(usdc, async (reader, terms) => {
  const signed = await signTyped(
    reader,
    permitTypedData(await usdc.tokenDomain(), {
      owner: terms.reader,
      spender: usdc.poolAddress,
      value: subscriptionValue(terms),
      nonce: 0n,
      deadline: terms.deadline,
    }),
  );
  return tokenPermit(PermitKind.Eip2612, signed, { deadline: terms.deadline });
});
fundingRows.push({
  token: "USDC-like",
  path: "EIP-2612 permit + signed Subscription",
  sender: "relayer",
  gas: permitPathGas,
});

{
  const { reader, terms } = await usdc.freshReader();
  const signed = await signTyped(
    reader,
    permitTypedData(await usdc.tokenDomain(), {
      owner: terms.reader,
      spender: usdc.poolAddress,
      value: subscriptionValue(terms),
      nonce: 0n,
      deadline: terms.deadline,
    }),
  );
  const { v, r, s } = tokenPermit(PermitKind.Eip2612, signed, { deadline: terms.deadline });
  const gas = await gasOf(
    usdc.pool
      .connect(reader)
      .subscribeWithPermit(terms.amountPerEpoch, terms.epochs, terms.firstEpoch, terms.deadline, v, r, s),
  );
  fundingRows.push({ token: "USDC-like", path: "EIP-2612 permit (subscribeWithPermit)", sender: "reader", gas });
}

async function approvePathGas(pool: typeof usdc) {
  const { reader, terms } = await pool.freshReader();
  const approve = await gasOf(
    pool.token.connect(reader).getFunction("approve")(pool.poolAddress, subscriptionValue(terms)),
  );
  const subscribe = await gasOf(
    pool.pool.connect(reader).subscribe(terms.amountPerEpoch, terms.epochs, terms.firstEpoch),
  );
  return approve + subscribe;
}
fundingRows.push({
  token: "USDC-like",
  path: "approve + subscribe",
  sender: "reader",
  gas: await approvePathGas(usdc),
});
const usdt = await fundingPool("MockUSDT");
const approvePath = await approvePathGas(usdt);
fundingRows.push({ token: "USDT-like", path: "approve + subscribe", sender: "reader", gas: approvePath });

const dai = await fundingPool("MockDAI");
fundingRows.push({
  token: "DAI-like",
  path: "DAI permit + signed Subscription",
  sender: "relayer",
  gas: await bySignatureGas(dai, async (reader, terms) => {
    const signed = await signTyped(
      reader,
      daiPermitTypedData(await dai.tokenDomain(), {
        holder: terms.reader,
        spender: dai.poolAddress,
        nonce: 0n,
        expiry: terms.deadline,
        allowed: true,
      }),
    );
    return tokenPermit(PermitKind.Dai, signed, { deadline: terms.deadline, nonce: 0n });
  }),
});

const format = (n: bigint | number) => n.toLocaleString("en-US");
console.log("| design | creators | readers | batch gas | gas per reader |");
console.log("| --- | --- | ---: | ---: | ---: |");
for (const row of [...rows, ...naiveRows]) {
  const naiveRow = row.case.startsWith("naive");
  const design = naiveRow ? `naive: signature per click${row.case.slice("naive".length)}` : "Plaudit: signed tallies";
  const creators = naiveRow ? "warm creators" : row.case;
  console.log(
    `| ${design} | ${creators} | ${row.readers} | ${format(row.batchGas)} | ${format(row.batchGas / BigInt(row.readers))} |`,
  );
}
console.log("");
console.log(`| token | funding path (first subscription, ${FUNDING_EPOCHS} epochs) | sent by | gas |`);
console.log("| --- | --- | --- | ---: |");
for (const row of fundingRows) console.log(`| ${row.token} | ${row.path} | ${row.sender} | ${format(row.gas)} |`);
const headline = rows.find((row) => row.case === "warm creators" && row.readers === 200) as Row;
const naiveHeadline = naiveRows.find((row) => row.readers === 200) as Row;
console.log(
  JSON.stringify({
    readers: 200,
    gasPerReader: Number(headline.batchGas / 200n),
    batchGas: Number(headline.batchGas),
    naiveGasPerReader: Number(naiveHeadline.batchGas / 200n),
    subscribePermitGas: Number(permitPathGas),
    subscribeAuthorizationGas: Number(authorizationPathGas),
    subscribeApproveGas: Number(approvePath),
  }),
);
