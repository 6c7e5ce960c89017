/**
 * Items and popularity from the keeper: a tally's item and title are recorded per reader, a creator's
 * items and the popular items and creators of an epoch are ranked by distinct readers (never by money),
 * the title shown is the one most readers declared, rankings are paginated by cursor and cached.
 */
import { expect } from "chai";

import {
  creatorItemsResponseSchema,
  errorBodySchema,
  popularCreatorsResponseSchema,
  popularItemsResponseSchema,
  type PopularItems,
} from "@plaudit/protocol";
import type { RunningKeeper } from "../../keeper/src/index.js";
import { createLocalChain, deployPool, TallySigner, type LocalChain, type PoolFixture } from "./chain-fixture.js";
import { getJson, postJson, startTestKeeper, tempDir } from "./keeper-fixture.js";

const ITEM_A = "https://a.example/one";
const ITEM_B = "https://b.example/one";
const ITEM_C = "https://a.example/two";
const ITEM_D = "https://d.example/";

describe("keeper items and popular rankings", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let fixture: PoolFixture;
  let keeper: RunningKeeper;
  let dir: ReturnType<typeof tempDir>;
  let signers: TallySigner[];

  before(async () => {
    chain = await createLocalChain();
    fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 10n);
    dir = tempDir();
    // A long TTL: the cache test sees the ranking it computed first.
    keeper = await startTestKeeper(fixture, { dataDir: dir.path, popularTtlMs: 600_000 });
    signers = [];
    for (let i = 0; i < 5; i++) signers.push(new TallySigner(fixture, await fixture.newReader(), 0n));
  });
  after(async () => {
    await keeper.stop();
    dir.remove();
    await chain.close();
  });

  async function click(reader: number, creator: number, item?: string, title?: string) {
    const tally = await signers[reader]!.click(fixture.creators[creator]!);
    const res = await postJson(`${keeper.url}/v1/tallies`, {
      tally,
      ...(item === undefined ? {} : { item }),
      ...(title === undefined ? {} : { title }),
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
  }

  /** Every page of a popular-items listing, walked by cursor `limit` at a time. */
  async function allPopularItems(limit: number): Promise<PopularItems["items"]> {
    const items: PopularItems["items"] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const query: string = `epoch=0&limit=${limit}${cursor === null ? "" : `&cursor=${cursor}`}`;
      const res = await getJson(`${keeper.url}/v1/popular/items?${query}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const body = popularItemsResponseSchema.parse(res.body);
      expect(body.items.length).to.be.at.most(limit);
      items.push(...body.items);
      cursor = body.nextCursor;
      if (cursor === null) return items;
    }
    throw new Error("the cursor never ended");
  }

  it("records items with titles and ranks a creator's items by distinct readers, title by majority", async () => {
    await click(0, 0, ITEM_A, "Alpha");
    await click(1, 0, ITEM_A, "Alpha");
    await click(2, 0, ITEM_A, "<b>Renamed by one reader</b>");
    await click(0, 0, ITEM_A, "Alpha again"); // the same reader again: not a new reader, title kept
    await click(0, 1, ITEM_B, "Beta");
    await click(1, 1, ITEM_B, "Beta");
    await click(3, 0, ITEM_C);
    await click(3, 2, ITEM_D, "Delta");
    await click(4, 3); // a click without an item: counts for the creator, lists no item

    const res = await getJson(`${keeper.url}/v1/creators/${fixture.creators[0]!.toLowerCase()}/items?epoch=0`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const body = creatorItemsResponseSchema.parse(res.body);
    expect(body.creator).to.equal(fixture.creators[0]);
    expect(body.items).to.deep.equal([
      { url: ITEM_A, title: "Alpha", readers: 3 },
      { url: ITEM_C, title: null, readers: 1 },
    ]);
    expect(body.nextCursor).to.equal(null);
  });

  it("ranks every creator's items by distinct readers, ties by creator then URL, and pages them by cursor", async () => {
    const [c0, c1, c2] = fixture.creators as [string, string, string];
    const ones = [
      { creator: c0, url: ITEM_C, title: null, readers: 1 },
      { creator: c2, url: ITEM_D, title: "Delta", readers: 1 },
    ].sort((x, y) => (x.creator < y.creator ? -1 : x.creator > y.creator ? 1 : 0));
    const expected = [
      { creator: c0, url: ITEM_A, title: "Alpha", readers: 3 },
      { creator: c1, url: ITEM_B, title: "Beta", readers: 2 },
      ...ones,
    ];
    expect(await allPopularItems(100)).to.deep.equal(expected);
    expect(await allPopularItems(1)).to.deep.equal(expected);
    expect(await allPopularItems(3)).to.deep.equal(expected);
  });

  it("ranks creators by distinct readers (clicks without an item count), with their applauded items", async () => {
    const res = await getJson(`${keeper.url}/v1/popular/creators?epoch=0&limit=2`);
    const first = popularCreatorsResponseSchema.parse(res.body);
    expect(first.creators).to.deep.equal([
      { creator: fixture.creators[0], readers: 4, items: 2 },
      { creator: fixture.creators[1], readers: 2, items: 1 },
    ]);
    expect(first.nextCursor).to.equal("2");
    const rest = popularCreatorsResponseSchema.parse(
      (await getJson(`${keeper.url}/v1/popular/creators?epoch=0&limit=2&cursor=2`)).body,
    );
    const ones = [fixture.creators[2]!, fixture.creators[3]!].sort();
    expect(rest.creators).to.deep.equal([
      { creator: ones[0], readers: 1, items: ones[0] === fixture.creators[2] ? 1 : 0 },
      { creator: ones[1], readers: 1, items: ones[1] === fixture.creators[2] ? 1 : 0 },
    ]);
    expect(rest.nextCursor).to.equal(null);
  });

  it("serves a ranking from its cache until the TTL ends, while a creator's own items are live", async () => {
    const before = await getJson(`${keeper.url}/v1/popular/items`);
    expect(before.headers.get("cache-control")).to.equal("public, max-age=600");
    await click(4, 1, ITEM_B, "Beta");
    const after = await getJson(`${keeper.url}/v1/popular/items`);
    expect(after.body).to.deep.equal(before.body);
    const live = creatorItemsResponseSchema.parse(
      (await getJson(`${keeper.url}/v1/creators/${fixture.creators[1]}/items`)).body,
    );
    expect(live.items).to.deep.equal([{ url: ITEM_B, title: "Beta", readers: 3 }]);
  });

  it("refuses bad titles, limits, cursors and epochs naming the parameter", async () => {
    const tally = await signers[2]!.click(fixture.creators[1]!);
    for (const title of ["", "x".repeat(201), "bell\u0007", "rtl\u202eoverride"]) {
      const res = await postJson(`${keeper.url}/v1/tallies`, { tally, item: ITEM_B, title });
      expect(res.status, title).to.equal(400);
      expect(errorBodySchema.parse(res.body).error.message).to.contain("title");
    }
    for (const [query, name] of [
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["cursor=abc", "cursor"],
      ["cursor=-1", "cursor"],
      ["epoch=x", "epoch"],
    ] as const) {
      for (const route of ["popular/items", "popular/creators", `creators/${fixture.creators[0]}/items`]) {
        const res = await getJson(`${keeper.url}/v1/${route}?${query}`);
        expect(res.status, `${route}?${query}`).to.equal(400);
        const { error } = errorBodySchema.parse(res.body);
        expect(error.code).to.equal("invalid_query");
        expect(error.message).to.contain(name);
      }
    }
  });
});
