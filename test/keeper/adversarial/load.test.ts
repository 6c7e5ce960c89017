/**
 * Load on the ingest path: many concurrent clients on loopback for a bounded time, each posting
 * increasing tallies for its own reader and key (two at a time, so that they race, plus resubmissions).
 * Afterwards no acknowledged tally is lost or duplicated (the stored latest seq of each key is its last
 * acknowledged seq) and the heap stays bounded (growth measured against a warm-up, not a timing).
 */
import { Agent } from "node:http";

import { expect } from "chai";
import type { Address } from "viem";

import type { RunningKeeper } from "../../../keeper/src/index.js";
import type { SignedTallyInput } from "@plaudit/protocol";
import { createLocalChain, deployPool, type LocalChain, type PoolFixture } from "../chain-fixture.js";
import { startTestKeeper, tempDir } from "../keeper-fixture.js";
import { collectGarbage, FastSigner, rawRequest, storedSeqs } from "./harness.js";

const CLIENTS = Number(process.env["LOAD_CLIENTS"] ?? 16);
const LOAD_MS = Number(process.env["LOAD_MS"] ?? 5_000);
const WARMUP_MS = 1_000;
/** Heap growth allowed between the warm-up and the end of the load (caches are bounded far below). */
const HEAP_GROWTH_LIMIT = 32 * 1024 * 1024;

interface ClientState {
  signer: FastSigner;
  /** Highest seq answered 201. */
  acked: bigint;
  statuses: Map<number, number>;
  unexpected: string[];
}

describe("keeper ingest under concurrent load", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  let fixture: PoolFixture;
  let keeper: RunningKeeper;
  let dir: ReturnType<typeof tempDir>;
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });

  before(async () => {
    chain = await createLocalChain();
    fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 10n);
    dir = tempDir();
    keeper = await startTestKeeper(fixture, { dataDir: dir.path, ipRate: 1e9, readerRate: 1e9, chainTimeTtlMs: 1000 });
  });

  after(async () => {
    agent.destroy();
    await keeper.stop();
    dir.remove();
    await chain.close();
  });

  async function post(client: ClientState, tally: SignedTallyInput): Promise<number> {
    const res = await rawRequest(keeper.url, {
      method: "POST",
      path: "/v1/tallies",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tally, item: `https://blog.example/${tally.seq}` }),
      agent,
    });
    client.statuses.set(res.status, (client.statuses.get(res.status) ?? 0) + 1);
    if (res.status === 201) {
      if (BigInt(tally.seq) > client.acked) client.acked = BigInt(tally.seq);
    } else if (res.status !== 409 && res.status !== 200) {
      client.unexpected.push(`${res.status} ${res.text.slice(0, 200)}`);
    }
    return res.status;
  }

  /** Posts pairs of consecutive tallies concurrently (they race), and now and then resubmits an old one. */
  async function drive(clients: ClientState[], until: number): Promise<void> {
    await Promise.all(
      clients.map(async (client, c) => {
        let previous: SignedTallyInput | undefined;
        for (let round = 0; Date.now() < until; round++) {
          const creator = fixture.creators[(c + round) % fixture.creators.length] as Address;
          const lower = client.signer.next(creator);
          const higher = client.signer.next(creator);
          const [a, b] = await Promise.all([post(client, lower), post(client, higher)]);
          // The higher seq always wins; the lower one is stored or refused as stale, never lost silently.
          expect(b, `client ${c} round ${round}`).to.equal(201);
          expect([201, 409], `client ${c} round ${round}`).to.include(a);
          if (previous !== undefined && round % 5 === 0) expect([200, 409]).to.include(await post(client, previous));
          previous = higher;
        }
      }),
    );
  }

  it("loses and duplicates no acknowledged tally and keeps the heap bounded", async () => {
    const clients: ClientState[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const reader = await fixture.newReader();
      clients.push({
        signer: new FastSigner(fixture, reader, 0n, { own: i % 2 === 0 }),
        acked: 0n,
        statuses: new Map(),
        unexpected: [],
      });
    }
    await drive(clients, Date.now() + WARMUP_MS);
    collectGarbage();
    const heapAfterWarmup = process.memoryUsage().heapUsed;

    await drive(clients, Date.now() + LOAD_MS);
    collectGarbage();
    const heapGrowth = process.memoryUsage().heapUsed - heapAfterWarmup;

    const unexpected = clients.flatMap((c) => c.unexpected);
    expect(unexpected, unexpected.slice(0, 5).join("\n")).to.deep.equal([]);
    const stored = storedSeqs(dir.path);
    expect(stored.size).to.equal(CLIENTS);
    for (const client of clients) {
      expect(client.acked, client.signer.key).to.be.greaterThan(10n);
      expect(stored.get(client.signer.key), client.signer.key).to.equal(client.acked);
    }
    // The keeper's own view agrees: one row per key, clicks of the last tallies summed once.
    const stats = await keeper.store.epochStats(0n);
    expect(stats.readers).to.equal(CLIENTS);
    expect(stats.clicks).to.equal(clients.reduce((sum, c) => sum + Number(c.acked), 0));
    const total = clients.reduce((sum, c) => sum + [...c.statuses.values()].reduce((a, b) => a + b, 0), 0);
    console.log(
      `      ${total} requests from ${CLIENTS} clients; heap growth after warm-up ${(heapGrowth / 1e6).toFixed(1)} MB`,
    );
    expect(heapGrowth).to.be.lessThan(HEAP_GROWTH_LIMIT);
  });
});
