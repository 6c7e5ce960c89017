import { getAddress } from "viem";
import { describe, expect, it } from "vitest";

import { createKeeperClient, type PopularItemsResponse } from "@plaudit/protocol";
import { currentCursor, firstPage, nextPage, previousPage, type Pager } from "../lib/pager.js";
import { popularPage, POPULAR_PAGE_SIZE } from "./usePopular.js";

const creator = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
/** 23 items, most readers first, as the keeper ranks them. */
const ranking = Array.from({ length: 23 }, (_, i) => ({
  creator,
  url: `https://blog.example/posts/${i}`,
  title: `Post ${i}`,
  readers: 100 - i,
}));

/** A keeper serving `ranking` in pages the way its ranking cache cuts them (offset cursors). */
function rankingKeeper() {
  const asked: string[] = [];
  const keeper = createKeeperClient("http://keeper.test", {
    fetch: async (input) => {
      const url = new URL(String(input));
      asked.push(`${url.pathname}${url.search}`);
      const offset = Number(url.searchParams.get("cursor") ?? "0");
      const limit = Number(url.searchParams.get("limit") ?? "20");
      const body: PopularItemsResponse = {
        epoch: "3",
        items: ranking.slice(offset, offset + limit),
        nextCursor: offset + limit < ranking.length ? String(offset + limit) : null,
      };
      return Response.json(body);
    },
  });
  return { keeper, asked };
}

describe("Popular's paging", () => {
  it("walks the ranking page by page with the keeper's cursors, and back", async () => {
    const { keeper, asked } = rankingKeeper();
    let pager: Pager = firstPage;
    const urls = async () => (await popularPage(keeper, "items", currentCursor(pager))).items.map((i) => i.url);

    const first = await popularPage(keeper, "items", currentCursor(pager));
    expect(first.items.map((i) => i.title)).toEqual(ranking.slice(0, POPULAR_PAGE_SIZE).map((i) => i.title));
    pager = nextPage(pager, first.nextCursor);
    const second = await popularPage(keeper, "items", currentCursor(pager));
    expect(second.items[0]?.readers).toBe(100 - POPULAR_PAGE_SIZE);
    pager = nextPage(pager, second.nextCursor);
    const last = await popularPage(keeper, "items", currentCursor(pager));
    expect(last.items.map((i) => i.url)).toEqual(ranking.slice(20).map((i) => i.url));
    expect(last.nextCursor).toBeNull();
    expect(nextPage(pager, last.nextCursor)).toBe(pager);

    pager = previousPage(pager);
    expect(await urls()).toEqual(second.items.map((i) => i.url));
    expect(asked).toEqual([
      "/v1/popular/items?limit=10",
      "/v1/popular/items?cursor=10&limit=10",
      "/v1/popular/items?cursor=20&limit=10",
      "/v1/popular/items?cursor=10&limit=10",
    ]);
  });

  it("asks the creators' ranking for creators", async () => {
    const asked: string[] = [];
    const keeper = createKeeperClient("http://keeper.test", {
      fetch: async (input) => {
        asked.push(new URL(String(input)).pathname);
        return Response.json({ epoch: "3", creators: [{ creator, readers: 14, items: 2 }], nextCursor: null });
      },
    });
    expect((await popularPage(keeper, "creators", undefined)).creators).toEqual([{ creator, readers: 14, items: 2 }]);
    expect(asked).toEqual(["/v1/popular/creators"]);
  });
});
