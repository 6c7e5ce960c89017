import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";

import { creatorA, creatorB, readerWithSession, scope } from "../testing/fixtures.js";
import { recordClick } from "./clicker.js";
import { localItems, localTallies, mergeTallies } from "./tallyStore.js";

describe("tally store", () => {
  it("merges browser and keeper tallies into one per key, highest seq, keys ascending", async () => {
    const f = await readerWithSession();
    for (const n of [1, 2, 3])
      await recordClick(f.deps, f.session, 0n, { creator: creatorA, url: `https://m.example/${n}` });
    const [mine] = localTallies(f.store, scope, f.session.reader, 0n);
    if (mine === undefined) throw new Error("no local tally");
    const olderFromKeeper = { ...mine, seq: 2n };
    const otherKey = privateKeyToAccount(generatePrivateKey()).address;
    const otherDevice = { ...mine, signer: otherKey, seq: 7n };
    const otherPool = { ...mine, pool: creatorA, seq: 99n };
    const otherEpoch = { ...mine, epoch: 1n, seq: 99n };
    const merged = mergeTallies(
      scope,
      f.session.reader,
      0n,
      [mine],
      [olderFromKeeper, otherDevice, otherPool, otherEpoch],
    );
    expect(merged.map((t) => t.seq)).toHaveLength(2);
    expect(merged.find((t) => t.signer === f.session.key)?.seq).toBe(3n);
    expect(merged.find((t) => t.signer === otherKey)?.seq).toBe(7n);
    expect(BigInt(merged[0]?.signer ?? "0x0") < BigInt(merged[1]?.signer ?? "0x0")).toBe(true);
  });

  it("skips a corrupt record and keeps the others", async () => {
    const f = await readerWithSession();
    await recordClick(f.deps, f.session, 0n, { creator: creatorA, url: "https://c.example/1" });
    const prefix = `plaudit:v1:${scope.chainId}:${scope.pool.toLowerCase()}:tally:${f.session.reader.toLowerCase()}:0:`;
    f.store.set(`${prefix}0x0000000000000000000000000000000000000bad`, "{not json");
    expect(localTallies(f.store, scope, f.session.reader, 0n)).toHaveLength(1);
  });

  it("lists the items this browser counted in a month, by creator", async () => {
    const f = await readerWithSession();
    await recordClick(f.deps, f.session, 0n, { creator: creatorA, url: "https://a.example/1#top" });
    await recordClick(f.deps, f.session, 0n, { creator: creatorB, url: "https://b.example/1" });
    await recordClick(f.deps, f.session, 0n, { creator: creatorA, url: "https://a.example/2" });
    await recordClick(f.deps, f.session, 1n, { creator: creatorB, url: "https://b.example/next-month" });
    expect(localItems(f.store, scope, f.session.reader, 0n)).toEqual(
      new Map([
        [creatorA, ["https://a.example/1", "https://a.example/2"]],
        [creatorB, ["https://b.example/1"]],
      ]),
    );
    expect(localItems(f.store, scope, f.session.reader, 2n).size).toBe(0);
  });
});
