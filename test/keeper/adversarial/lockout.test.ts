/**
 * Unsigned junk that names a reader: it must not use up the reader's rate limit (from however many
 * IPs it comes), and the work it causes is bounded: repeated junk for a contract-wallet reader costs
 * one ERC-1271 `eth_call`, a reader without a budget one `budgetOf` call, not one per request.
 */
import { expect } from "chai";
import { custom, toFunctionSelector, type Address, type EIP1193Provider, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import type { RunningKeeper } from "../../../keeper/src/index.js";
import type { SignedTallyInput } from "@plaudit/protocol";
import { createLocalChain, deployPool, TallySigner, type LocalChain, type PoolFixture } from "../chain-fixture.js";
import { startTestKeeper, tempDir } from "../keeper-fixture.js";
import { rawRequest } from "./harness.js";

/** Tallies per second per reader (burst 3 s of it) and requests per second per IP (burst likewise). */
const READER_RATE = 2;
const IP_RATE = 10;
/** 200 junk requests: over thirty times the reader's burst, none over its IP's. */
const JUNK_IPS = 20;
const JUNK_PER_IP = 10;

const BUDGET_OF = toFunctionSelector("function budgetOf(address,uint64)");
const IS_VALID_SIGNATURE = toFunctionSelector("function isValidSignature(bytes32,bytes)");

/** Counts `eth_call`s by target and selector on their way to the chain. */
function countingProvider(inner: EIP1193Provider) {
  const calls = new Map<string, number>();
  const provider = {
    ...inner,
    request: async (args: { method: string; params?: unknown }) => {
      if (args.method === "eth_call") {
        const [call] = args.params as [{ to?: string; data?: string; input?: string }];
        const data = call.data ?? call.input ?? "";
        const key = `${call.to?.toLowerCase()}:${data.slice(0, 10)}`;
        calls.set(key, (calls.get(key) ?? 0) + 1);
      }
      return inner.request(args as never);
    },
  } as EIP1193Provider;
  return { provider, calls: (to: Address, selector: Hex) => calls.get(`${to.toLowerCase()}:${selector}`) ?? 0 };
}

describe("keeper under unsigned junk naming a reader", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  let fixture: PoolFixture;
  let keeper: RunningKeeper;
  let dir: ReturnType<typeof tempDir>;
  let counter: ReturnType<typeof countingProvider>;

  before(async () => {
    chain = await createLocalChain();
    fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 10n);
    dir = tempDir();
    counter = countingProvider(chain.provider);
    keeper = await startTestKeeper(fixture, {
      dataDir: dir.path,
      transport: custom(counter.provider, { retryCount: 0 }),
      readerRate: READER_RATE,
      ipRate: IP_RATE,
    });
  });

  after(async () => {
    await keeper.stop();
    dir.remove();
    await chain.close();
  });

  async function postFrom(localAddress: string, body: unknown) {
    const res = await rawRequest(keeper.url, {
      method: "POST",
      path: "/v1/tallies",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      localAddress,
    });
    return { status: res.status, body: JSON.parse(res.text) as { status?: string; error?: { code: string } } };
  }

  /** Junk from `JUNK_IPS` loopback addresses other than the reader's, each within its own IP limit. */
  async function fromManyIps(junk: (n: number) => unknown) {
    const answers: string[] = [];
    await Promise.all(
      Array.from({ length: JUNK_IPS }, async (_, ip) => {
        for (let i = 0; i < JUNK_PER_IP; i++) {
          const res = await postFrom(`127.0.0.${ip + 2}`, junk(ip * JUNK_PER_IP + i));
          answers.push(`${res.status} ${res.body.error?.code ?? res.body.status}`);
        }
      }),
    );
    return answers;
  }

  it("does not make the reader's genuine tally 429 when junk naming it comes from many IPs", async () => {
    const reader = await fixture.newReader();
    const own = new TallySigner(fixture, reader, 0n);
    const first = await own.click(fixture.creators[0] as Address);
    expect((await postFrom("127.0.0.1", { tally: first })).status).to.equal(201);
    // Forged tallies in the reader's name: the signature no longer matches the counts.
    const forged = (n: number): { tally: SignedTallyInput } => ({
      tally: { ...first, seq: String(100 + n), counts: [n + 2] },
    });
    const junk = await fromManyIps(forged);
    expect(new Set(junk)).to.deep.equal(new Set(["422 bad_signature"]));
    // Replays of the reader's genuine tally verify, but store nothing: they are not charged either.
    const replays = await fromManyIps(() => ({ tally: first }));
    expect(new Set(replays)).to.deep.equal(new Set(["200 unchanged"]));

    const next = await postFrom("127.0.0.1", { tally: await own.click(fixture.creators[1] as Address) });
    expect(next.status, JSON.stringify(next.body)).to.equal(201);
    // The reader's own stored tallies still count against its limit.
    const statuses: number[] = [];
    for (let i = 0; i < READER_RATE * 3 + 2; i++) {
      statuses.push((await postFrom("127.0.0.1", { tally: await own.click(fixture.creators[2] as Address) })).status);
    }
    expect(statuses).to.include(429);
  });

  it("asks a contract wallet about repeated junk once, and still accepts its genuine tally", async () => {
    const wallet = await fixture.newWalletReader();
    const own = new TallySigner(fixture, wallet, 0n);
    const genuine = await own.click(fixture.creators[0] as Address);
    const junk = { tally: { ...genuine, counts: [(genuine.counts[0] as number) + 5] } };
    const before = counter.calls(wallet.address, IS_VALID_SIGNATURE);
    for (let i = 0; i < 20; i++) {
      const res = await postFrom(`127.0.0.${2 + (i % JUNK_IPS)}`, junk);
      expect(`${res.status} ${res.body.error?.code}`).to.equal("422 bad_signature");
    }
    expect(counter.calls(wallet.address, IS_VALID_SIGNATURE) - before).to.equal(1);
    const res = await postFrom("127.0.0.1", { tally: genuine });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(counter.calls(wallet.address, IS_VALID_SIGNATURE) - before).to.equal(2);
  });

  it("reads the budget of a reader without one once for many tallies, and sees its subscription at once", async () => {
    const key = generatePrivateKey();
    const account = privateKeyToAccount(key);
    await chain.rpc("hardhat_setBalance", [account.address, "0x3635C9ADC5DEA00000"]);
    const own = new TallySigner(fixture, { key, account, address: account.address }, 0n);
    const before = counter.calls(fixture.pool, BUDGET_OF);
    for (let i = 0; i < 5; i++) {
      const res = await postFrom("127.0.0.1", { tally: await own.click(fixture.creators[0] as Address) });
      expect(`${res.status} ${res.body.error?.code}`).to.equal("422 no_budget");
    }
    expect(counter.calls(fixture.pool, BUDGET_OF) - before).to.equal(1);
    // The Subscribed event drops the cached "no budget" before the next tally is judged.
    await fixture.subscribe(account);
    const res = await postFrom("127.0.0.1", { tally: await own.click(fixture.creators[0] as Address) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
  });
});
