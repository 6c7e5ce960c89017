/**
 * The keeper's relay (keeper/src/relay): a reader holding only USDC (no native coin) subscribes through
 * it, a creator claims through it; every refused request is a clear 4xx (or a 503 above the gas ceiling)
 * and costs the relay nothing: no transaction, no gas.
 */
import { expect } from "chai";
import { createWalletClient, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import {
  createKeeperClient,
  KeeperError,
  mockUSDCAbi,
  plauditDomain,
  plauditPoolAbi,
  relayPolicyResponseSchema,
  settleArgsOf,
  signedTallySchema,
  subscriptionAuthorizationTypedData,
  subscriptionToWire,
  tipAuthorizationTypedData,
  tipToWire,
  type KeeperClient,
  type SubscriptionMessage,
  type TipMessage,
} from "@plaudit/protocol";
import type { RunningKeeper } from "../../keeper/src/index.js";
import { createLocalChain, deployPool, TallySigner, USD, type LocalChain, type PoolFixture } from "./chain-fixture.js";
import { startTestKeeper, tempDir } from "./keeper-fixture.js";

const MIN_FEE = 1000n;
const ACCOUNT_RATE = 4;

describe("keeper relay", function () {
  this.timeout(90_000);
  let chain: LocalChain;
  let fixture: PoolFixture;
  let keeper: RunningKeeper;
  let client: KeeperClient;
  let relayKey: Hex;
  let relayer: Address;
  const dirs: ReturnType<typeof tempDir>[] = [];
  const extraKeepers: RunningKeeper[] = [];

  async function start(options: Omit<Parameters<typeof startTestKeeper>[1], "dataDir">) {
    const dir = tempDir();
    dirs.push(dir);
    return startTestKeeper(fixture, { dataDir: dir.path, ...options });
  }

  before(async () => {
    chain = await createLocalChain();
    fixture = await deployPool(chain, { token: "MockUSDC" });
    await fixture.goToEpoch(0n, 10n);
    ({ key: relayKey } = await chain.fundedAccount());
    relayer = privateKeyToAccount(relayKey).address;
    keeper = await start({ relayKey, relayMinFee: MIN_FEE.toString(), relayAccountRate: ACCOUNT_RATE });
    client = createKeeperClient(keeper.url);
  });

  after(async () => {
    for (const k of [keeper, ...extraKeepers]) await k.stop();
    for (const dir of dirs) dir.remove();
    await chain.close();
  });

  const pool = () => ({ address: fixture.pool, abi: plauditPoolAbi }) as const;
  const usdc = () => ({ address: fixture.token, abi: mockUSDCAbi }) as const;
  const domain = () => plauditDomain(fixture.chainId, fixture.pool);

  /** What the relay has spent: its nonce and its native balance. */
  async function relaySpend() {
    const client = chain.publicClient;
    return {
      nonce: await client.getTransactionCount({ address: relayer }),
      balance: await client.getBalance({ address: relayer }),
    };
  }

  /** A reader with USDC minted to it and no native coin at all. */
  async function gaslessReader(): Promise<PrivateKeyAccount> {
    const account = privateKeyToAccount(generatePrivateKey());
    const { account: minter } = await chain.fundedAccount();
    const wallet = createWalletClient({ account: minter, chain: hardhat, transport: chain.transport });
    await chain.publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({ ...usdc(), functionName: "mint", args: [account.address, 100n * USD] }),
    });
    expect(await chain.publicClient.getBalance({ address: account.address })).to.equal(0n);
    return account;
  }

  async function signedSubscription(reader: PrivateKeyAccount, fields: Partial<SubscriptionMessage> = {}) {
    const terms: SubscriptionMessage = {
      reader: reader.address,
      amountPerEpoch: 5n * USD,
      epochs: 2n,
      firstEpoch: await chain.publicClient.readContract({ ...pool(), functionName: "currentEpoch" }),
      relayerFee: MIN_FEE,
      nonce: await chain.publicClient.readContract({
        ...pool(),
        functionName: "intentNonceOf",
        args: [reader.address],
      }),
      deadline: (await chain.latestTime()) + 3600n,
      ...fields,
    };
    const tokenDomain = { name: "USD Coin", version: "2", chainId: fixture.chainId, verifyingContract: fixture.token };
    const signature = await reader.signTypedData(subscriptionAuthorizationTypedData(tokenDomain, domain(), terms));
    return { subscription: subscriptionToWire(terms), signature };
  }

  async function expectRefused(promise: Promise<unknown>, status: number, code: string): Promise<KeeperError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, `expected ${code}`).to.be.instanceOf(KeeperError);
    const keeperError = error as KeeperError;
    expect([keeperError.status, keeperError.code], keeperError.message).to.deep.equal([status, code]);
    return keeperError;
  }

  it("publishes its policy: relayer, least fee, gas ceiling, limits, actions", async () => {
    const policy = relayPolicyResponseSchema.parse(await (await fetch(`${keeper.url}/v1/relay/policy`)).json());
    expect(policy).to.deep.include({ enabled: true, relayer, chainId: fixture.chainId, minRelayerFee: MIN_FEE });
    expect(policy.limits.perAccountPerHour).to.equal(ACCOUNT_RATE);
    expect(policy.actions).to.include.members(["subscribe-with-authorization", "claim"]);
  });

  it("subscribes a reader who holds no native coin: 202 with the hash, then the confirmed outcome", async () => {
    const reader = await gaslessReader();
    const before = await chain.publicClient.readContract({ ...usdc(), functionName: "balanceOf", args: [relayer] });
    const submitted = await client.relay("subscribe-with-authorization", await signedSubscription(reader));
    expect(submitted.status).to.equal("pending");
    const outcome = await client.relayTransaction(submitted.hash);
    expect(outcome).to.deep.include({
      action: "subscribe-with-authorization",
      account: reader.address,
      status: "confirmed",
    });
    const [budget] = await chain.publicClient.readContract({
      ...pool(),
      functionName: "budgetOf",
      args: [reader.address, 1n],
    });
    expect(budget).to.equal(5n * USD);
    const after = await chain.publicClient.readContract({ ...usdc(), functionName: "balanceOf", args: [relayer] });
    expect(after - before).to.equal(MIN_FEE);
  });

  it("refuses without spending anything: a fee below policy, a call the pool would revert, a malformed body", async () => {
    const reader = await gaslessReader();
    const spent = await relaySpend();
    await expectRefused(
      client.relay("subscribe-with-authorization", await signedSubscription(reader, { relayerFee: MIN_FEE - 1n })),
      422,
      "fee_below_policy",
    );
    const tampered = await signedSubscription(reader);
    tampered.subscription.amountPerEpoch = (6n * USD).toString();
    const reverts = await expectRefused(client.relay("subscribe-with-authorization", tampered), 422, "relay_reverts");
    expect(reverts.message).to.contain("InvalidSignature");
    const malformed = await fetch(`${keeper.url}/v1/relay/cancel`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"cancellation":1}',
    });
    expect(malformed.status).to.equal(400);
    // Not JSON by its content type (a form post that skips the CORS preflight): refused before parsing.
    const untyped = await fetch(`${keeper.url}/v1/relay/cancel`, { method: "POST", body: '{"cancellation":1}' });
    expect(untyped.status).to.equal(415);
    expect(await relaySpend()).to.deep.equal(spent);
  });

  it("tips a creator for a reader who holds no native coin (EIP-3009), refusing a fee below policy first", async () => {
    const reader = await gaslessReader();
    const creator = privateKeyToAccount(generatePrivateKey()).address;
    const tokenDomain = { name: "USD Coin", version: "2", chainId: fixture.chainId, verifyingContract: fixture.token };
    const signedTip = async (relayerFee: bigint) => {
      const terms: TipMessage = {
        reader: reader.address,
        creator,
        amount: 2n * USD,
        relayerFee,
        nonce: await chain.publicClient.readContract({
          ...pool(),
          functionName: "intentNonceOf",
          args: [reader.address],
        }),
        deadline: (await chain.latestTime()) + 3600n,
      };
      const signature = await reader.signTypedData(tipAuthorizationTypedData(tokenDomain, domain(), terms));
      return { tip: tipToWire(terms), signature };
    };
    const spent = await relaySpend();
    await expectRefused(client.relay("tip-with-authorization", await signedTip(MIN_FEE - 1n)), 422, "fee_below_policy");
    expect(await relaySpend()).to.deep.equal(spent);
    const submitted = await client.relay("tip-with-authorization", await signedTip(MIN_FEE));
    const outcome = await client.relayTransaction(submitted.hash);
    expect(outcome).to.deep.include({ action: "tip-with-authorization", account: reader.address, status: "confirmed" });
    expect(await chain.publicClient.readContract({ ...pool(), functionName: "claimableOf", args: [creator] })).to.equal(
      2n * USD,
    );
  });

  it("relays a creator's claim (claim(creator) pays the creator), and refuses one with nothing to claim", async () => {
    const reader = await gaslessReader();
    await client.relay("subscribe-with-authorization", await signedSubscription(reader));
    const creator = fixture.creators[0] as Address;
    const tally = signedTallySchema.parse(
      await new TallySigner(fixture, { key: "0x", account: reader, address: reader.address }, 0n).click(creator),
    );
    await fixture.goToEpoch(1n, 10n);
    const { account: keeperAccount } = await chain.fundedAccount();
    const wallet = createWalletClient({ account: keeperAccount, chain: hardhat, transport: chain.transport });
    await chain.publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        ...pool(),
        functionName: "settle",
        args: settleArgsOf(0n, [{ reader: reader.address, tallies: [tally] }]),
      }),
    });
    const claimable = await chain.publicClient.readContract({
      ...pool(),
      functionName: "claimableOf",
      args: [creator],
    });
    expect(claimable > 0n).to.equal(true);
    const { hash } = await client.relay("claim", { creator });
    expect((await client.relayTransaction(hash)).status).to.equal("confirmed");
    expect(await chain.publicClient.readContract({ ...usdc(), functionName: "balanceOf", args: [creator] })).to.equal(
      claimable,
    );
    const refused = await expectRefused(client.relay("claim", { creator }), 422, "relay_reverts");
    expect(refused.message).to.contain("NothingToWithdraw");
  });

  it("refuses a second request of an account while its first is pending (409), then reports the outcome", async () => {
    const reader = await gaslessReader();
    const first = await signedSubscription(reader);
    const second = await signedSubscription(reader, { nonce: 1n });
    await chain.rpc("evm_setAutomine", [false]);
    try {
      const { hash } = await client.relay("subscribe-with-authorization", first);
      expect((await client.relayTransaction(hash)).status).to.equal("pending");
      await expectRefused(client.relay("subscribe-with-authorization", second), 409, "relay_in_flight");
      await chain.rpc("evm_mine");
      expect((await client.relayTransaction(hash)).status).to.equal("confirmed");
    } finally {
      await chain.rpc("evm_setAutomine", [true]);
    }
  });

  it("limits requests per account (429 with retry-after)", async () => {
    const reader = await gaslessReader();
    const refused = await signedSubscription(reader, { amountPerEpoch: 0n });
    const results: number[] = [];
    for (let i = 0; i <= ACCOUNT_RATE; i++) {
      const res = await fetch(`${keeper.url}/v1/relay/subscribe-with-authorization`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...refused, subscription: { ...refused.subscription, amountPerEpoch: String(i + 1) } }),
      });
      results.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).to.be.greaterThan(0);
    }
    expect(results).to.deep.equal([...Array<number>(ACCOUNT_RATE).fill(422), 429]);
  });

  it("answers 503 above its gas-price ceiling and 403 when it has no relay key, sending nothing", async () => {
    const cheap = await start({ relayKey, relayMaxGasPrice: "0.000000001" });
    const off = await start({});
    extraKeepers.push(cheap, off);
    const reader = await gaslessReader();
    const spent = await relaySpend();
    await expectRefused(
      createKeeperClient(cheap.url).relay("subscribe-with-authorization", await signedSubscription(reader)),
      503,
      "gas_price_above_ceiling",
    );
    const offClient = createKeeperClient(off.url);
    expect((await offClient.relayPolicy()).enabled).to.equal(false);
    await expectRefused(offClient.relay("claim", { creator: fixture.creators[1] as Address }), 403, "relay_disabled");
    expect(await relaySpend()).to.deep.equal(spent);
  });
});
