import { describe, expect, it } from "vitest";

import { creatorA, scope } from "../testing/fixtures.js";
import { keys } from "../lib/recordKeys.js";
import { memoryStore } from "../lib/storage.js";
import {
  applauded,
  clicksOfAnswer,
  epochByClock,
  epochOfAnswer,
  grantReader,
  hasQueue,
  parseLightConfig,
} from "./lightState.js";

const reader = "0x00000000000000000000000000000000000000c3";
const item = { creator: creatorA, url: "https://blog.example/post" };
const config = JSON.stringify({
  chainId: scope.chainId,
  pool: scope.pool,
  startTime: 1_000,
  epochLength: 100,
  keeperUrl: "http://keeper.test/",
  token: "0x00000000000000000000000000000000000000d4",
});

describe("parseLightConfig", () => {
  it("reads the fields the button needs and names the first bad one", () => {
    expect(parseLightConfig(config)).toEqual({
      scope,
      startTime: 1_000,
      epochLength: 100,
      keeperUrl: "http://keeper.test",
    });
    expect(() => parseLightConfig("{")).toThrow("plaudit.json is not valid JSON");
    expect(() => parseLightConfig(JSON.stringify({ ...JSON.parse(config), pool: "0x12" }))).toThrow(/pool/);
    expect(() => parseLightConfig(JSON.stringify({ ...JSON.parse(config), epochLength: 0 }))).toThrow(/epochLength/);
    expect(() => parseLightConfig(JSON.stringify({ ...JSON.parse(config), keeperUrl: "javascript:x" }))).toThrow(
      /keeperUrl/,
    );
  });

  it("works out the month by the clock only as a fallback, like the pool", () => {
    const c = parseLightConfig(config);
    expect(epochByClock(c, 500_000)).toBe(0n);
    expect(epochByClock(c, 1_250_000)).toBe(2n);
  });
});

describe("keeper answers", () => {
  it("takes a month and a count only when they are what the API promises", () => {
    expect(epochOfAnswer({ epoch: "7", start: 1 })).toBe(7n);
    expect(epochOfAnswer({ epoch: 7 })).toBe(7n);
    expect(epochOfAnswer({ epoch: "-1" })).toBeUndefined();
    expect(epochOfAnswer([7])).toBeUndefined();
    expect(clicksOfAnswer({ clicks: 3 })).toBe(3);
    expect(clicksOfAnswer({ clicks: 1.5 })).toBeUndefined();
    expect(clicksOfAnswer({ clicks: "3" })).toBeUndefined();
    expect(clicksOfAnswer(null)).toBeUndefined();
  });
});

describe("what this storage knows of the reader's click", () => {
  const itemKey = `${creatorA.toLowerCase()} ${item.url}`;

  it("says applauded once the click left the queue, queued while it waits", () => {
    const store = memoryStore();
    expect(applauded(store, scope, reader, 0n, item)).toBeUndefined();
    store.set(keys.tally(scope, reader, 0n, creatorA), JSON.stringify({ items: [itemKey] }));
    store.set(keys.outbox(scope), JSON.stringify([{ item: item.url, tally: { reader } }]));
    expect(hasQueue(store, scope)).toBe(true);
    expect(applauded(store, scope, reader, 0n, item)).toBe("queued");
    store.set(keys.outbox(scope), "[]");
    expect(applauded(store, scope, reader, 0n, item)).toBe("counted");
    expect(applauded(store, scope, reader, 1n, item)).toBeUndefined();
  });

  it("counts the click the window made when it handed over this month's grant", () => {
    const store = memoryStore();
    store.set(keys.frameGrant(scope), JSON.stringify({ epoch: "3", session: { reader }, items: [itemKey] }));
    expect(grantReader(store, scope, 3n)).toBe(reader);
    expect(grantReader(store, scope, 4n)).toBeUndefined();
    expect(applauded(store, scope, reader, 3n, item)).toBe("counted");
    expect(applauded(store, scope, reader, 4n, item)).toBeUndefined();
  });

  it("ignores records it cannot read", () => {
    const store = memoryStore();
    store.set(keys.frameGrant(scope), "{not json");
    store.set(keys.outbox(scope), "nope");
    expect(grantReader(store, scope, 0n)).toBeUndefined();
    expect(hasQueue(store, scope)).toBe(false);
  });
});
