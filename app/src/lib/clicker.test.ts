import { hashTypedData, recoverAddress, verifyTypedData } from "viem";
import { describe, expect, it } from "vitest";

import { plauditDomain, sessionTypedData, signedTallySchema, tallyTypedData } from "@plaudit/protocol";
import { creatorA, creatorB, readerWithSession, schedule, scope } from "../testing/fixtures.js";
import { ClickRefused, recordClick } from "./clicker.js";
import { pendingEntries } from "./outbox.js";
import { newSessionKey, saveSession, sessionRequest } from "./session.js";
import { localTallies } from "./tallyStore.js";

const item = (creator = creatorA, url = "https://blog.example/post-1") => ({ creator, url });

describe("recordClick", () => {
  it("signs a cumulative tally with the session key that verifies against the pool's domain", async () => {
    const f = await readerWithSession();
    const outcome = await recordClick(f.deps, f.session, 0n, item());
    expect(outcome.status).toBe("signed");
    if (outcome.status !== "signed") return;
    const { tally } = outcome;
    expect(tally.signer).toBe(f.session.key);
    expect(tally.seq).toBe(1n);
    const domain = plauditDomain(scope.chainId, scope.pool);
    const digest = hashTypedData(
      tallyTypedData(domain, {
        reader: tally.reader,
        epoch: 0n,
        seq: 1n,
        creators: tally.creators,
        counts: tally.counts,
      }),
    );
    expect(await recoverAddress({ hash: digest, signature: tally.signature })).toBe(f.session.key);
    const sessionOk = await verifyTypedData({
      address: f.readerAccount.address,
      ...sessionTypedData(domain, {
        reader: f.readerAccount.address,
        key: f.session.key,
        expiry: BigInt(f.session.expiry),
        nonce: f.session.nonce,
      }),
      signature: tally.session?.signature ?? "0x",
    });
    expect(sessionOk).toBe(true);
  });

  it("counts one click per item per epoch and grows the tally with strictly increasing seq", async () => {
    const f = await readerWithSession();
    await recordClick(f.deps, f.session, 0n, item(creatorA, "https://a.example/1"));
    const again = await recordClick(f.deps, f.session, 0n, item(creatorA, "https://a.example/1#comments"));
    expect(again).toEqual({ status: "already", creatorClicks: 1 });
    const second = await recordClick(f.deps, f.session, 0n, item(creatorA, "https://a.example/2"));
    const third = await recordClick(f.deps, f.session, 0n, item(creatorB, "https://b.example/1"));
    if (second.status !== "signed" || third.status !== "signed") throw new Error("expected signed clicks");
    expect(second.tally.seq).toBe(2n);
    expect(second.creatorClicks).toBe(2);
    expect(third.tally.seq).toBe(3n);
    expect(third.tally.creators).toEqual([creatorA, creatorB]);
    expect(third.tally.counts).toEqual([2, 1]);
  });

  it("starts a fresh tally in a new epoch, where the same item may be clicked again", async () => {
    const f = await readerWithSession();
    await recordClick(f.deps, f.session, 0n, item());
    const next = await recordClick(f.deps, f.session, 1n, item());
    if (next.status !== "signed") throw new Error("expected a signed click");
    expect(next.tally.epoch).toBe(1n);
    expect(next.tally.seq).toBe(1n);
    expect(next.tally.counts).toEqual([1]);
  });

  it("never signs the same seq twice when two tabs click at once", async () => {
    const f = await readerWithSession();
    const urls = Array.from({ length: 12 }, (_, i) => `https://many.example/${i}`);
    const outcomes = await Promise.all(urls.map((url) => recordClick(f.deps, f.session, 0n, item(creatorA, url))));
    const seqs = outcomes.map((o) => (o.status === "signed" ? o.tally.seq : 0n)).sort((a, b) => Number(a - b));
    expect(seqs).toEqual(urls.map((_, i) => BigInt(i + 1)));
    const [latest] = localTallies(f.store, scope, f.session.reader, 0n);
    expect(latest?.seq).toBe(12n);
    expect(latest?.counts).toEqual([12]);
  });

  it("queues every signed tally in seq order before returning", async () => {
    const f = await readerWithSession();
    await recordClick(f.deps, f.session, 0n, item(creatorA, "https://q.example/1"));
    await recordClick(f.deps, f.session, 0n, item(creatorB, "https://q.example/2"));
    const entries = pendingEntries(f.deps);
    expect(entries.map((e) => e.tally.seq)).toEqual(["1", "2"]);
    expect(entries.map((e) => e.item)).toEqual(["https://q.example/1", "https://q.example/2"]);
    for (const entry of entries) expect(signedTallySchema.safeParse(entry.tally).success).toBe(true);
  });

  it("does not count an item again after one-click mode was renewed with a new key", async () => {
    const f = await readerWithSession();
    await recordClick(f.deps, f.session, 0n, item());
    const pending = newSessionKey(schedule, 0n, 3, 0);
    const signature = await f.readerAccount.signTypedData(sessionRequest(scope, f.readerAccount.address, pending));
    const renewed = saveSession(f.store, scope, f.readerAccount.address, pending, signature, f.now());
    expect(await recordClick(f.deps, renewed, 0n, item())).toMatchObject({ status: "already" });
    const other = await recordClick(f.deps, renewed, 0n, item(creatorB, "https://other.example/"));
    if (other.status !== "signed") throw new Error("expected a signed click");
    expect(other.tally.signer).toBe(renewed.key);
    expect(other.tally.seq).toBe(1n);
  });

  it("refuses a click on the reader's own address", async () => {
    const f = await readerWithSession();
    await expect(recordClick(f.deps, f.session, 0n, item(f.session.reader))).rejects.toBeInstanceOf(ClickRefused);
    expect(pendingEntries(f.deps)).toEqual([]);
  });
});
