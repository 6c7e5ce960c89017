/**
 * Settlement when a reader tries to make the keeper's batches revert (issue 15, item 1): a contract-wallet
 * reader whose ERC-1271 check is light and refusing while simulated, heavy and accepting on chain (its
 * owner front-runs each keeper transaction to flip it), and a batch that reverts on chain for a reason no
 * simulation showed. Every honest reader is settled within a bounded number of transactions, and the
 * keeper's reverted transactions are counted and bounded.
 */
import { expect } from "chai";
import { artifacts } from "hardhat";
import {
  createWalletClient,
  custom,
  encodeFunctionData,
  getAddress,
  type Address,
  type EIP1193Provider,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import {
  addClick,
  mockStablecoinAbi,
  NO_CLICKS,
  plauditPoolAbi,
  type Clicks,
  type SignedTallyInput,
} from "@plaudit/protocol";
import type { RunningKeeper } from "../../keeper/src/index.js";
import { ESTIMATE_MARGIN_DENOMINATOR, ESTIMATE_MARGIN_NUMERATOR } from "../../keeper/src/settle/gas-policy.js";
import {
  createLocalChain,
  deployPool,
  TallySigner,
  USD,
  type LocalChain,
  type PoolFixture,
  type Reader,
} from "./chain-fixture.js";
import { postJson, startTestKeeper, tempDir } from "./keeper-fixture.js";

const GRACE = 60n;
const HONEST_EOAS = 10;
/** Session keys of the hostile wallet: each tally's `Session` is one wallet check. */
const HOSTILE_KEYS = 8;
/** Fresh creators each hostile tally names: credits the simulation never saw. */
const HOSTILE_CREATORS_PER_TALLY = 12;
/**
 * The attacker's budget, in token units: enough for every creator it names (its own addresses, so it
 * gets the budget back but the keeper's tip) to be credited, each a first store the simulation never saw.
 */
const HOSTILE_BUDGET = 1_000n;

const wallet = await artifacts.readArtifact("SimulationDodgingWallet");

describe("keeper settlement against griefing readers", function () {
  this.timeout(180_000);
  let chain: LocalChain;
  const cleanups: (() => Promise<void> | void)[] = [];

  before(async () => {
    chain = await createLocalChain();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(async () => {
    await chain.close();
  });

  function walletClientOf(account: PrivateKeyAccount) {
    return createWalletClient({ account, chain: hardhat, transport: chain.transport });
  }

  async function mined(hash: Hex): Promise<TransactionReceipt> {
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  }

  /** A SimulationDodgingWallet reader subscribed for epochs 0 and 1 with `amount` each. */
  async function walletReader(fixture: PoolFixture, amount: bigint): Promise<Reader & { owner: PrivateKeyAccount }> {
    const { key, account: owner } = await chain.fundedAccount();
    const as = walletClientOf(owner);
    const deployed = await mined(
      await as.deployContract({ abi: wallet.abi, bytecode: wallet.bytecode as Hex, args: [owner.address] }),
    );
    const address = getAddress(deployed.contractAddress as Address);
    await mined(
      await walletClientOf(fixture.deployer).writeContract({
        address: fixture.token,
        abi: mockStablecoinAbi,
        functionName: "mint",
        args: [address, amount * 2n],
      }),
    );
    await mined(
      await as.writeContract({
        address,
        abi: wallet.abi,
        functionName: "approve",
        args: [fixture.token, fixture.pool, amount * 2n],
      }),
    );
    const subscribe = encodeFunctionData({ abi: plauditPoolAbi, functionName: "subscribe", args: [amount, 2n, 0n] });
    await mined(
      await as.writeContract({ address, abi: wallet.abi, functionName: "execute", args: [fixture.pool, subscribe] }),
    );
    // The reader signs as its wallet: the wallet accepts its owner's ECDSA signatures.
    return { key, account: owner, address, owner };
  }

  async function setFaces(reader: { address: Address; owner: PrivateKeyAccount }, heavy: boolean, refuses: boolean) {
    const receipt = await mined(
      await walletClientOf(reader.owner).writeContract({
        address: reader.address,
        abi: wallet.abi,
        functionName: "setFaces",
        args: [heavy, refuses],
      }),
    );
    return receipt.gasUsed;
  }

  /** A session-key tally of `reader` naming `creators` once each, its `Session` signed for the reader. */
  async function sessionTally(fixture: PoolFixture, reader: Reader, creators: readonly Address[]) {
    const signer = new TallySigner(fixture, reader, 0n, { sessionKey: privateKeyToAccount(generatePrivateKey()) });
    await signer.delegate(fixture.epochStart(3n));
    let clicks: Clicks = NO_CLICKS;
    for (const creator of creators) clicks = addClick(clicks, creator);
    return signer.sign(clicks, 1n);
  }

  async function ingest(keeper: RunningKeeper, tallies: readonly SignedTallyInput[]) {
    for (const tally of tallies) {
      const res = await postJson(`${keeper.url}/v1/tallies`, { tally });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
  }

  async function isSettled(fixture: PoolFixture, reader: Address) {
    return chain.publicClient.readContract({
      address: fixture.pool,
      abi: plauditPoolAbi,
      functionName: "isSettled",
      args: [reader, 0n],
    });
  }

  /**
   * The chain as the keeper sees it, with hooks around each of its broadcasts (what an attacker watching
   * the mempool can do) and its gas estimates recorded by calldata.
   */
  function keeperView(hooks: {
    beforeBroadcast?: () => Promise<void>;
    afterBroadcast?: () => Promise<void>;
    estimate?: (data: Hex, honest: bigint) => bigint;
  }) {
    const estimates = new Map<Hex, bigint>();
    const provider = {
      ...chain.provider,
      request: async (args: { method: string; params?: unknown }) => {
        if (args.method === "eth_sendRawTransaction") {
          await hooks.beforeBroadcast?.();
          try {
            return await chain.provider.request(args as never);
          } finally {
            await hooks.afterBroadcast?.();
          }
        }
        const result = await chain.provider.request(args as never);
        if (args.method === "eth_estimateGas") {
          const data = ((args.params as { data?: Hex; input?: Hex }[])[0]?.data ??
            (args.params as { input?: Hex }[])[0]?.input) as Hex;
          const honest = BigInt(result as Hex);
          const answered = hooks.estimate?.(data, honest) ?? honest;
          estimates.set(data, answered);
          return `0x${answered.toString(16)}`;
        }
        return result;
      },
    } as EIP1193Provider;
    return { transport: custom(provider, { retryCount: 0 }), estimates };
  }

  async function keeperWith(fixture: PoolFixture, transport: ReturnType<typeof custom>) {
    const dir = tempDir();
    const { key } = await chain.fundedAccount();
    const keeper = await startTestKeeper(fixture, {
      dataDir: dir.path,
      privateKey: key,
      batchGasLimit: 12_000_000,
      transport,
    });
    cleanups.push(
      () => dir.remove(),
      () => keeper.stop(),
    );
    return { keeper, address: privateKeyToAccount(key).address };
  }

  /** The keeper's settle transactions as mined: readers (as recorded), estimate-free facts from the chain. */
  async function keeperTransactions(keeper: RunningKeeper) {
    const records = await keeper.store.transactions(0n);
    return Promise.all(
      records.map(async (record) => ({
        record,
        receipt: await chain.publicClient.getTransactionReceipt({ hash: record.hash }),
        gas: (await chain.publicClient.getTransaction({ hash: record.hash })).gas,
      })),
    );
  }

  it("settles honest readers in one EOA and one wallet transaction while a wallet dodges simulation, none reverting", async () => {
    const fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 5n);
    const eoas: Reader[] = [];
    const tallies: SignedTallyInput[] = [];
    for (let i = 0; i < HONEST_EOAS; i++) {
      const reader = await fixture.newReader(10n * USD, 2n);
      eoas.push(reader);
      tallies.push(await new TallySigner(fixture, reader, 0n).click(fixture.creators[i % 4] as Address));
    }
    const honestWallet = await walletReader(fixture, 10n * USD);
    tallies.push(await sessionTally(fixture, honestWallet, fixture.creators));
    // The attacker: a tiny budget, eight session keys, each tally naming fresh creators.
    const hostile = await walletReader(fixture, HOSTILE_BUDGET);
    for (let k = 0; k < HOSTILE_KEYS; k++) {
      const creators = Array.from({ length: HOSTILE_CREATORS_PER_TALLY }, () =>
        getAddress(privateKeyToAccount(generatePrivateKey()).address),
      );
      tallies.push(await sessionTally(fixture, hostile, creators));
    }

    // Light and refusing whenever the keeper simulates; heavy and accepting in every keeper transaction.
    let attackerGas = 0n;
    const view = keeperView({
      beforeBroadcast: async () => {
        attackerGas += await setFaces(hostile, true, false);
      },
      afterBroadcast: async () => {
        attackerGas += await setFaces(hostile, false, true);
      },
    });
    const { keeper } = await keeperWith(fixture, view.transport);
    await ingest(keeper, tallies);
    attackerGas += await setFaces(hostile, false, true);
    await fixture.goToEpoch(1n, GRACE + 1n);

    const report = await keeper.settler!.settleEpoch(0n);
    expect(report).to.include({ state: "done", readers: HONEST_EOAS + 2, reverted: 0, dropped: 0, skipped: 0 });
    for (const reader of [...eoas, honestWallet]) expect(await isSettled(fixture, reader.address)).to.equal(true);

    const txs = await keeperTransactions(keeper);
    expect(txs, "one EOA batch, one wallet batch").to.have.length(2);
    for (const { receipt } of txs) expect(receipt.status).to.equal("success");
    const walletReaders = new Set([honestWallet.address, hostile.address]);
    const [eoaBatch, walletBatch] = txs.map(({ record }) => record.readers);
    expect(
      eoaBatch?.every((r) => !walletReaders.has(r)),
      "no wallet in the EOA batch",
    ).to.equal(true);
    expect(new Set(walletBatch)).to.deep.equal(walletReaders);

    // The attack happened: on chain the wallet batch used more than the estimate with a 25 % margin (the
    // limit an estimate-only policy would have set), and stayed within the worst-case limit.
    const walletTx = txs[1]!;
    const estimate = view.estimates.get(walletTx.record.data);
    expect(estimate !== undefined, "the wallet batch was estimated").to.equal(true);
    const estimateOnlyLimit = (estimate! * ESTIMATE_MARGIN_NUMERATOR) / ESTIMATE_MARGIN_DENOMINATOR;
    expect(walletTx.receipt.gasUsed > estimateOnlyLimit, "heavier on chain than an estimate-only limit").to.equal(true);
    expect(walletTx.receipt.gasUsed <= walletTx.gas).to.equal(true);
    expect(await isSettled(fixture, hostile.address), "the hostile wallet accepted on chain").to.equal(true);
    console.log(
      `      wallet batch: estimate ${estimate}, gas used ${walletTx.receipt.gasUsed}, limit ${walletTx.gas}; ` +
        `attacker spent ${attackerGas} gas on flips`,
    );
  });

  it("bisects a batch that reverts on chain and drops the reader whose transaction reverts alone", async () => {
    const fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 5n);
    const readers: Reader[] = [];
    const tallies: SignedTallyInput[] = [];
    for (let i = 0; i < 9; i++) {
      const reader = await fixture.newReader(10n * USD, 2n);
      readers.push(reader);
      tallies.push(await new TallySigner(fixture, reader, 0n).click(fixture.creators[i % 4] as Address));
    }
    const poisoned = readers[4]!;
    const needle = poisoned.address.slice(2).toLowerCase();
    // Any batch with the poisoned reader is estimated at two thirds of its cost: it runs out of gas on chain.
    const view = keeperView({
      estimate: (data, honest) => (data.toLowerCase().includes(needle) ? (honest * 2n) / 3n : honest),
    });
    const { keeper } = await keeperWith(fixture, view.transport);
    await ingest(keeper, tallies);
    await fixture.goToEpoch(1n, GRACE + 1n);

    const report = await keeper.settler!.settleEpoch(0n);
    expect(report).to.include({ state: "done", readers: 9, settled: 8, dropped: 1 });
    for (const reader of readers)
      expect(await isSettled(fixture, reader.address), reader.address).to.equal(reader !== poisoned);

    const txs = await keeperTransactions(keeper);
    const reverted = txs.filter(({ receipt }) => receipt.status === "reverted");
    // 9 readers: batches of 9, 5, 3, 2 and 1 at most revert (one per level of the bisection), and each
    // reverted one held the poisoned reader.
    const levels = Math.ceil(Math.log2(readers.length)) + 1;
    expect(reverted.length).to.be.within(2, levels);
    for (const { record } of reverted) expect(record.readers).to.include(poisoned.address);
    expect(reverted.map(({ record }) => record.readers.length)).to.deep.equal(
      [...reverted.map(({ record }) => record.readers.length)].sort((a, b) => b - a),
    );
    expect(txs.length, "each level: the reverted half and its settled sibling").to.be.at.most(2 * levels - 1);
    expect(report.reverted).to.equal(reverted.length);
    expect(report.revertedGasUsed).to.equal(reverted.reduce((sum, { receipt }) => sum + receipt.gasUsed, 0n));

    console.log(`      reverted batches of ${reverted.map(({ record }) => record.readers.length).join(", ")} readers`);
    const lastRevert = reverted[reverted.length - 1]!;
    expect(lastRevert.record.readers).to.deep.equal([poisoned.address]);
    const status = (await (await fetch(`${keeper.url}/v1/epochs/0`)).json()) as {
      droppedReaders: number;
      dropped: { reader: string; reason: string }[];
    };
    expect(status.droppedReaders).to.equal(1);
    expect(status.dropped).to.deep.equal([
      {
        reader: poisoned.address,
        reason: `settle transaction ${lastRevert.record.hash} reverted with this reader alone`,
      },
    ]);
  });
});
