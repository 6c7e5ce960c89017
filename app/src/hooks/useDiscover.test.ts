import { describe, expect, it } from "vitest";

import { creatorA, creatorB } from "../testing/fixtures.js";
import { createDiscoverer, type DiscoverState } from "./useDiscover.js";

/** A keeper whose discoveries answer only when the test releases them, in any order. */
function heldKeeper() {
  const waiting = new Map<string, { release: (creator: string) => void; signal: AbortSignal | undefined }>();
  const fetchImpl: typeof fetch = (_input, init) =>
    new Promise((resolve, reject) => {
      const { url } = JSON.parse(String(init?.body)) as { url: string };
      init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      waiting.set(url, {
        release: (creator) => resolve(Response.json({ creator, title: `Title of ${url}`, source: "meta" })),
        signal: init?.signal ?? undefined,
      });
    });
  return { fetch: fetchImpl, waiting };
}

describe("useDiscover's lookups", () => {
  it("goes pending, then shows what the keeper found", async () => {
    const keeper = heldKeeper();
    const states: DiscoverState[] = [];
    const discoverer = createDiscoverer({ fetch: keeper.fetch, keeperUrl: "http://keeper.test" }, (s) =>
      states.push(s),
    );
    const done = discoverer.lookUp("https://a.test/");
    expect(states).toEqual([{ kind: "pending", url: "https://a.test/" }]);
    keeper.waiting.get("https://a.test/")?.release(creatorA);
    await done;
    expect(states.at(-1)).toEqual({
      kind: "found",
      url: "https://a.test/",
      creator: creatorA,
      title: "Title of https://a.test/",
      source: "meta",
    });
  });

  it("lets a newer address supersede the lookup in flight: the older one is aborted and never shown", async () => {
    const keeper = heldKeeper();
    const states: DiscoverState[] = [];
    const discoverer = createDiscoverer({ fetch: keeper.fetch, keeperUrl: "http://keeper.test" }, (s) =>
      states.push(s),
    );
    const first = discoverer.lookUp("https://a.test/");
    const second = discoverer.lookUp("https://b.test/");
    expect(keeper.waiting.get("https://a.test/")?.signal?.aborted).toBe(true);
    keeper.waiting.get("https://b.test/")?.release(creatorB);
    await Promise.all([first, second]);
    expect(states.map((s) => s.kind)).toEqual(["pending", "pending", "found"]);
    expect(states.at(-1)).toMatchObject({ url: "https://b.test/", creator: creatorB });
  });

  it("goes back to idle on reset and drops the answer in flight", async () => {
    const keeper = heldKeeper();
    const states: DiscoverState[] = [];
    const discoverer = createDiscoverer({ fetch: keeper.fetch, keeperUrl: "http://keeper.test" }, (s) =>
      states.push(s),
    );
    const lookup = discoverer.lookUp("https://a.test/");
    discoverer.reset();
    keeper.waiting.get("https://a.test/")?.release(creatorA);
    await lookup;
    expect(states).toEqual([{ kind: "pending", url: "https://a.test/" }, { kind: "idle" }]);
  });
});
