import { describe, expect, it } from "vitest";

import type { CreatorItems } from "@plaudit/protocol";
import { creatorA } from "../testing/fixtures.js";
import { missingItemRetry, titlesOf } from "./useItemTitles.js";

const listed = (...urls: string[]): CreatorItems => ({
  creator: creatorA,
  epoch: 0n,
  items: urls.map((url, i) => ({ url, title: i === 0 ? "First" : null, readers: 1 })),
  nextCursor: null,
});

describe("item titles of a creator's month", () => {
  it("asks the keeper again while a shown item is not in its list yet (its tally still on the way)", () => {
    const items = listed("https://a.example/1");
    expect(missingItemRetry(items, ["https://a.example/1", "https://a.example/2"], 1)).toBeGreaterThan(0);
  });

  it("stops asking once every shown item is listed, titled or not", () => {
    const items = listed("https://a.example/1", "https://a.example/2");
    expect(missingItemRetry(items, ["https://a.example/1", "https://a.example/2"], 1)).toBe(false);
  });

  it("gives up after its retries, so an item the keeper never lists does not make the page poll for ever", () => {
    const items = listed("https://a.example/1");
    expect(missingItemRetry(items, ["https://a.example/2"], 1)).not.toBe(false);
    expect(missingItemRetry(items, ["https://a.example/2"], 100)).toBe(false);
  });

  it("keeps only the titles the keeper has, by URL", () => {
    expect([...titlesOf(listed("https://a.example/1", "https://a.example/2"))]).toEqual([
      ["https://a.example/1", "First"],
    ]);
  });
});
