/**
 * Gas of a one-off tip on each funding path (not a test): a fresh reader tips a creator who has never been
 * credited (a cold claimable slot) and one already credited (warm), on the USDC-like mock (EIP-3009,
 * EIP-2612), the DAI-like mock (DAI permit) and the USDT-like mock (approve). No relayer fee.
 *
 * Run: `npx hardhat run scripts/bench-tip-gas.ts`. Prints a table, then one JSON line of the warm figures:
 * {"tipApprove":N,"tipWithPermit":N,"tipWithAuthorization":N,"tipBySignaturePermit":N,"tipBySignatureDai":N}
 * (`tipApprove` is the `tip` call alone; the reader's `approve` is printed beside it).
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Wallet } from "ethers";
import { network } from "hardhat";
import type { Address } from "viem";

import {
  daiPermitTypedData,
  PermitKind,
  permitTypedData,
  plauditDomain,
  tipAuthorizationTypedData,
  tipTypedData,
  tipValue,
  tokenPermit,
  type TipMessage,
} from "@plaudit/protocol";
import { signTyped } from "../test/helpers/signing.js";

const EPOCH_LENGTH = 30n * 24n * 3600n;
const KEEPER_TIP_BPS = 50n;
const TIP_TOKENS = 3n;

const { ethers, networkHelpers } = await network.create();
const [, relayer] = (await ethers.getSigners()) as [HardhatEthersSigner, HardhatEthersSigner];
const chainId = Number((await ethers.provider.getNetwork()).chainId);

async function tipPool(flavour: "MockUSDC" | "MockUSDT" | "MockDAI") {
  const token = await ethers.deployContract(flavour);
  const start = BigInt(await networkHelpers.time.latest()) + 3600n;
  const pool = await ethers.deployContract("PlauditPool", [token, start, EPOCH_LENGTH, KEEPER_TIP_BPS]);
  const one = 10n ** BigInt((await token.getFunction("decimals")()) as bigint);
  const poolAddress = (await pool.getAddress()) as Address;
  const tokenDomain = async () => ({
    name: (await token.getFunction("name")()) as string,
    version: (await token.getFunction("version")()) as string,
    chainId,
    verifyingContract: (await token.getAddress()) as Address,
  });
  async function freshReader(creator: Address) {
    const reader = new Wallet(Wallet.createRandom().privateKey, ethers.provider);
    await networkHelpers.setBalance(reader.address, 10n ** 18n);
    await token.getFunction("mint")(reader.address, 1000n * one);
    const terms: TipMessage = {
      reader: reader.address as Address,
      creator,
      amount: TIP_TOKENS * one,
      relayerFee: 0n,
      nonce: 0n,
      deadline: BigInt(await networkHelpers.time.latest()) + 3600n,
    };
    return { reader, terms };
  }
  return { token, pool, poolAddress, tokenDomain, freshReader, domain: plauditDomain(chainId, poolAddress) };
}

async function gasOf(tx: Promise<{ wait(): Promise<{ gasUsed: bigint; status: number | null } | null> }>) {
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("tip transaction failed");
  return receipt.gasUsed;
}

type Pool = Awaited<ReturnType<typeof tipPool>>;
const rows: { token: string; path: string; cold: bigint; warm: bigint; extra?: string }[] = [];

/** Gas of `send` for a creator credited for the first time, then for one already credited. */
async function coldAndWarm(pool: Pool, send: (reader: Wallet, terms: TipMessage) => Promise<bigint>) {
  const creator = Wallet.createRandom().address as Address;
  const first = await pool.freshReader(creator);
  const cold = await send(first.reader, first.terms);
  const second = await pool.freshReader(creator);
  const warm = await send(second.reader, second.terms);
  return { cold, warm };
}

const usdc = await tipPool("MockUSDC");
const permitFor = async (pool: Pool, reader: Wallet, terms: TipMessage, value: bigint) =>
  tokenPermit(
    PermitKind.Eip2612,
    await signTyped(
      reader,
      permitTypedData(await pool.tokenDomain(), {
        owner: terms.reader,
        spender: pool.poolAddress,
        value,
        nonce: 0n,
        deadline: terms.deadline,
      }),
    ),
    { deadline: terms.deadline },
  );

rows.push({
  token: "USDC-like",
  path: "tipWithAuthorization (EIP-3009), relayer",
  ...(await coldAndWarm(usdc, async (reader, terms) => {
    const signature = await signTyped(reader, tipAuthorizationTypedData(await usdc.tokenDomain(), usdc.domain, terms));
    return gasOf(usdc.pool.connect(relayer).getFunction("tipWithAuthorization")(terms, signature));
  })),
});
rows.push({
  token: "USDC-like",
  path: "tipBySignature + EIP-2612 permit, relayer",
  ...(await coldAndWarm(usdc, async (reader, terms) => {
    const permit = await permitFor(usdc, reader, terms, tipValue(terms));
    const signature = await signTyped(reader, tipTypedData(usdc.domain, terms));
    return gasOf(usdc.pool.connect(relayer).getFunction("tipBySignature")(terms, permit, signature));
  })),
});
rows.push({
  token: "USDC-like",
  path: "tipWithPermit (EIP-2612), reader",
  ...(await coldAndWarm(usdc, async (reader, terms) => {
    const { v, r, s } = await permitFor(usdc, reader, terms, terms.amount);
    return gasOf(
      usdc.pool.connect(reader).getFunction("tipWithPermit")(terms.creator, terms.amount, terms.deadline, v, r, s),
    );
  })),
});

const dai = await tipPool("MockDAI");
rows.push({
  token: "DAI-like",
  path: "tipBySignature + DAI permit, relayer",
  ...(await coldAndWarm(dai, async (reader, terms) => {
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
    const permit = tokenPermit(PermitKind.Dai, signed, { deadline: terms.deadline, nonce: 0n });
    const signature = await signTyped(reader, tipTypedData(dai.domain, terms));
    return gasOf(dai.pool.connect(relayer).getFunction("tipBySignature")(terms, permit, signature));
  })),
});

const usdt = await tipPool("MockUSDT");
let approveGas = 0n;
rows.push({
  token: "USDT-like",
  path: "tip (after approve), reader",
  ...(await coldAndWarm(usdt, async (reader, terms) => {
    approveGas = await gasOf(usdt.token.connect(reader).getFunction("approve")(usdt.poolAddress, terms.amount));
    return gasOf(usdt.pool.connect(reader).getFunction("tip")(terms.creator, terms.amount));
  })),
});

const format = (n: bigint) => n.toLocaleString("en-US");
console.log("| token | tip path | gas, creator's first credit | gas, creator already credited |");
console.log("| --- | --- | ---: | ---: |");
for (const row of rows) console.log(`| ${row.token} | ${row.path} | ${format(row.cold)} | ${format(row.warm)} |`);
console.log(`(the reader's approve before tip: ${format(approveGas)} gas)`);
const warm = (path: string) => Number(rows.find((r) => r.path.startsWith(path))?.warm ?? 0n);
console.log(
  JSON.stringify({
    tipApprove: warm("tip (after approve)"),
    tipWithPermit: warm("tipWithPermit"),
    tipWithAuthorization: warm("tipWithAuthorization"),
    tipBySignaturePermit: warm("tipBySignature + EIP-2612"),
    tipBySignatureDai: warm("tipBySignature + DAI"),
  }),
);
