/**
 * Funding detection (protocol/src/funding.ts, token-domain.ts) against the token flavours on a local chain,
 * the known domain shapes against a token that answers through a fake provider, and the pure plan.
 */
import { expect } from "chai";
import {
  createPublicClient,
  erc20Abi,
  custom,
  decodeFunctionData,
  domainSeparator,
  encodeFunctionResult,
  type Address,
  type Hex,
  type TypedDataDomain,
} from "viem";

import {
  approveAndSubscribeCalls,
  approveAndTipCalls,
  canBatchAtomically,
  chooseSubscribePlan,
  chooseTipPlan,
  DAI_PERMIT_TYPEHASH,
  detectFunding,
  EIP2612_PERMIT_TYPEHASH,
  daiPermitTypes,
  permitTypes,
  plauditPoolAbi,
  readTokenDomain,
  tokenProbeAbi,
  type FundingPath,
  type TokenFunding,
} from "@plaudit/protocol";
import { connection, ethers, networkHelpers } from "../helpers/fixtures.js";
import { deployFlavoursFixture, HOUR, signPermit, type Flavour } from "../helpers/tokens.js";

const { keccak256, toUtf8Bytes } = ethers;

/** A token at `address` that answers `name()` and `DOMAIN_SEPARATOR()` only, over a fake provider. */
function fakeToken(address: Address, chainId: number, name: string, separator: Hex) {
  return createPublicClient({
    transport: custom({
      async request({ method, params }: { method: string; params?: unknown }) {
        if (method === "eth_chainId") return `0x${chainId.toString(16)}`;
        if (method !== "eth_call") throw new Error(`unexpected ${method}`);
        const [{ data }] = params as [{ data: Hex }];
        const { functionName } = decodeFunctionData({ abi: tokenProbeAbi, data });
        if (functionName === "name") return encodeFunctionResult({ abi: tokenProbeAbi, functionName, result: name });
        if (functionName === "DOMAIN_SEPARATOR") {
          return encodeFunctionResult({ abi: tokenProbeAbi, functionName, result: separator });
        }
        throw Object.assign(new Error("execution reverted"), { code: 3, data: "0x" });
      },
    }),
  });
}

const TOKEN: Address = "0x00000000000000000000000000000000000000aa";
const POOL: Address = "0x00000000000000000000000000000000000000bb";
const CREATOR: Address = "0x00000000000000000000000000000000000000cc";

/** What `detectFunding` finds for a token whose best path is `path`. */
function fundingOf(path: FundingPath, permit: TokenFunding["permit"]): TokenFunding {
  return {
    token: TOKEN,
    chainId: 1,
    domain: path === "approve" ? undefined : { name: "T" },
    domainSource: path === "approve" ? undefined : "derived",
    authorization: path === "authorization",
    permit,
    path,
    gasless: path !== "approve",
  };
}

describe("funding detection", () => {
  it("typehashes: the permit typehashes are those of the standards' type strings", () => {
    const typeString = (types: Record<string, readonly { name: string; type: string }[]>) =>
      `Permit(${(types["Permit"] ?? []).map((f) => `${f.type} ${f.name}`).join(",")})`;
    expect(keccak256(toUtf8Bytes(typeString(permitTypes)))).to.equal(EIP2612_PERMIT_TYPEHASH);
    expect(keccak256(toUtf8Bytes(typeString(daiPermitTypes)))).to.equal(DAI_PERMIT_TYPEHASH);
  });

  it("detectFunding: finds each flavour's best path from what the token answers", async () => {
    const { tokens } = await networkHelpers.loadFixture(deployFlavoursFixture);
    const client = await connection.viem.getPublicClient();
    const expected: Record<Flavour, Pick<TokenFunding, "path" | "authorization" | "permit" | "domainSource">> = {
      usdc: { path: "authorization", authorization: true, permit: "eip2612", domainSource: "derived" },
      pyusd: { path: "authorization", authorization: true, permit: "eip2612", domainSource: "derived" },
      dai: { path: "daiPermit", authorization: false, permit: "dai", domainSource: "derived" },
      usdt: { path: "approve", authorization: false, permit: undefined, domainSource: undefined },
      musd: { path: "permit", authorization: false, permit: "eip2612", domainSource: "erc5267" },
    };
    for (const [flavour, want] of Object.entries(expected) as [Flavour, (typeof expected)[Flavour]][]) {
      const found = await detectFunding(client, (await tokens[flavour].getAddress()) as Address);
      expect(
        {
          path: found.path,
          authorization: found.authorization,
          permit: found.permit,
          domainSource: found.domainSource,
        },
        flavour,
      ).to.deep.equal(want);
      expect(found.gasless, flavour).to.equal(want.path !== "approve");
    }
  });

  it("detectFunding: the USDC-like token's detected domain signs a permit the token accepts", async () => {
    const { tokens, alice, bob } = await networkHelpers.loadFixture(deployFlavoursFixture);
    const client = await connection.viem.getPublicClient();
    const usdc = tokens.usdc;
    const { domain } = await detectFunding(client, (await usdc.getAddress()) as Address);
    const deadline = BigInt(await networkHelpers.time.latest()) + HOUR;
    const owner = alice.address as Address;
    const spender = bob.address as Address;
    const signature = ethers.Signature.from(
      await signPermit(alice, domain as TypedDataDomain, { owner, spender, value: 9n, nonce: 0n, deadline }),
    );
    await usdc["permit(address,address,uint256,uint256,uint8,bytes32,bytes32)"](
      owner,
      spender,
      9n,
      deadline,
      signature.v,
      signature.r,
      signature.s,
    );
    expect(await usdc.allowance(owner, spender)).to.equal(9n);
  });

  it("readTokenDomain: a token without version() is found through the known domain shapes, or not at all", async () => {
    const chainId = 137;
    const salted: TypedDataDomain = {
      name: "Bridged USD",
      version: "1",
      verifyingContract: TOKEN,
      salt: `0x${chainId.toString(16).padStart(64, "0")}`,
    };
    const found = await readTokenDomain(
      fakeToken(TOKEN, chainId, "Bridged USD", domainSeparator({ domain: salted })),
      TOKEN,
    );
    expect(found).to.deep.equal({ domain: salted, source: "known" });

    const unknowable = domainSeparator({
      domain: { name: "Something else", version: "7", chainId, verifyingContract: TOKEN },
    });
    expect(await readTokenDomain(fakeToken(TOKEN, chainId, "Bridged USD", unknowable), TOKEN)).to.equal(undefined);
    const listed = await readTokenDomain(fakeToken(TOKEN, chainId, "Bridged USD", unknowable), TOKEN, {
      knownDomains: [{ chainId, token: TOKEN, name: "Something else", version: "7" }],
    });
    expect(listed?.source).to.equal("known");
  });

  it("approveAndSubscribeCalls: with an allowance left over on the USDT-like token, zero first, then the total, then subscribe", async () => {
    const { tokens, pools, alice } = await networkHelpers.loadFixture(deployFlavoursFixture);
    const usdt = tokens.usdt;
    const pool = pools.usdt;
    await usdt.connect(alice).approve(pool, 1n);
    const args = [5_000_000n, 2n, 0n] as const;
    const calls = approveAndSubscribeCalls({
      token: (await usdt.getAddress()) as Address,
      pool: (await pool.getAddress()) as Address,
      allowance: await usdt.allowance(alice, pool),
      args,
    });
    expect(calls).to.have.length(3);
    for (const call of calls) await (await alice.sendTransaction(call)).wait();
    expect((await pool.budgetOf(alice, 1n))[0]).to.equal(5_000_000n);
  });

  it("approveAndTipCalls: with an allowance left over on the USDT-like token, zero first, then the tip, then tip(); the creator is credited", async () => {
    const { tokens, pools, alice, creatorA } = await networkHelpers.loadFixture(deployFlavoursFixture);
    const usdt = tokens.usdt;
    const pool = pools.usdt;
    await usdt.connect(alice).approve(pool, 1n);
    const calls = approveAndTipCalls({
      token: (await usdt.getAddress()) as Address,
      pool: (await pool.getAddress()) as Address,
      allowance: await usdt.allowance(alice, pool),
      creator: creatorA.address as Address,
      amount: 2_000_000n,
    });
    expect(
      calls.map((call) => decodeFunctionData({ abi: [...erc20Abi, ...plauditPoolAbi], data: call.data })),
    ).to.deep.equal([
      { functionName: "approve", args: [await pool.getAddress(), 0n] },
      { functionName: "approve", args: [await pool.getAddress(), 2_000_000n] },
      { functionName: "tip", args: [creatorA.address, 2_000_000n] },
    ]);
    for (const call of calls) await (await alice.sendTransaction(call)).wait();
    expect(await pool.claimableOf(creatorA)).to.equal(2_000_000n);
    expect((await pool.readerEpochs(alice))[1]).to.equal(0n);
  });

  it("approveAndTipCalls: with no allowance, one approval of the tip; with enough, the tip call alone", () => {
    const request = { token: TOKEN, pool: POOL, creator: CREATOR, amount: 5n };
    expect(approveAndTipCalls({ ...request, allowance: 0n }).map((call) => call.to)).to.deep.equal([TOKEN, POOL]);
    expect(approveAndTipCalls({ ...request, allowance: 5n }).map((call) => call.to)).to.deep.equal([POOL]);
  });

  it("canBatchAtomically: only an atomic capability of 'supported' or 'ready' on the chain counts", () => {
    expect(canBatchAtomically({ 8453: { atomic: { status: "supported" } } }, 8453)).to.equal(true);
    expect(canBatchAtomically({ "0x2105": { atomic: { status: "ready" } } }, 8453)).to.equal(true);
    expect(canBatchAtomically({ 8453: { atomic: { status: "unsupported" } } }, 8453)).to.equal(false);
    expect(canBatchAtomically({ 1: { atomic: { status: "supported" } } }, 8453)).to.equal(false);
    expect(canBatchAtomically(undefined, 8453)).to.equal(false);
  });

  it("chooseSubscribePlan: relays for readers without gas where the token allows, else says what it takes", () => {
    const funding = fundingOf;
    const reader = { hasNativeGas: false, relayAvailable: true, atomicBatch: false, allowance: 0n, total: 10n };
    expect(chooseSubscribePlan(funding("authorization", "eip2612"), reader)).to.deep.equal({
      kind: "relay-authorization",
    });
    expect(chooseSubscribePlan(funding("daiPermit", "dai"), reader)).to.deep.equal({
      kind: "relay-permit",
      permit: "dai",
    });
    expect(chooseSubscribePlan(funding("approve", undefined), reader)).to.deep.equal({ kind: "needs-gas" });
    expect(chooseSubscribePlan(funding("permit", "eip2612"), { ...reader, relayAvailable: false })).to.deep.equal({
      kind: "needs-gas",
    });
    const withGas = { ...reader, hasNativeGas: true };
    expect(chooseSubscribePlan(funding("permit", "eip2612"), withGas)).to.deep.equal({ kind: "permit" });
    expect(chooseSubscribePlan(funding("approve", undefined), { ...withGas, atomicBatch: true })).to.deep.equal({
      kind: "approve-batch",
    });
    expect(chooseSubscribePlan(funding("approve", undefined), { ...withGas, allowance: 3n })).to.deep.equal({
      kind: "approve-then-subscribe",
      transactions: 3,
    });
    expect(chooseSubscribePlan(funding("approve", undefined), { ...withGas, allowance: 10n })).to.deep.equal({
      kind: "subscribe",
    });
  });

  it("chooseTipPlan: a tip goes the subscription's ways, named for the tip; the allowance is compared with the tip", () => {
    const noGas = { hasNativeGas: false, relayAvailable: true, atomicBatch: false, allowance: 0n, total: 10n };
    const withGas = { ...noGas, hasNativeGas: true };
    // USDC-like (EIP-3009): relayed authorization without gas, the authorization with gas.
    expect(chooseTipPlan(fundingOf("authorization", "eip2612"), noGas)).to.deep.equal({ kind: "relay-authorization" });
    expect(chooseTipPlan(fundingOf("authorization", "eip2612"), withGas)).to.deep.equal({ kind: "authorization" });
    // EIP-2612 and DAI permits: relayed by signature without gas; tipWithPermit or tipBySignature with gas.
    expect(chooseTipPlan(fundingOf("permit", "eip2612"), noGas)).to.deep.equal({
      kind: "relay-permit",
      permit: "eip2612",
    });
    expect(chooseTipPlan(fundingOf("permit", "eip2612"), withGas)).to.deep.equal({ kind: "permit" });
    expect(chooseTipPlan(fundingOf("daiPermit", "dai"), withGas)).to.deep.equal({ kind: "dai-permit" });
    // USDT-like (approve only): no way without gas; batched when the wallet is atomic; else one by one,
    // with the zero-first approval when an allowance below the tip is left over.
    expect(chooseTipPlan(fundingOf("approve", undefined), noGas)).to.deep.equal({ kind: "needs-gas" });
    expect(chooseTipPlan(fundingOf("approve", undefined), { ...withGas, atomicBatch: true })).to.deep.equal({
      kind: "approve-batch",
    });
    expect(chooseTipPlan(fundingOf("approve", undefined), withGas)).to.deep.equal({
      kind: "approve-then-tip",
      transactions: 2,
    });
    expect(chooseTipPlan(fundingOf("approve", undefined), { ...withGas, allowance: 3n })).to.deep.equal({
      kind: "approve-then-tip",
      transactions: 3,
    });
    expect(chooseTipPlan(fundingOf("approve", undefined), { ...withGas, allowance: 10n })).to.deep.equal({
      kind: "tip",
    });
  });
});
