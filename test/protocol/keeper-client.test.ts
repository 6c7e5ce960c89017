import { expect } from "chai";

import {
  createKeeperClient,
  epochStatusResponseSchema,
  isRetryable,
  isSuperseded,
  KeeperError,
  settlementProgress,
  type EpochStatusResponse,
  type PopularItemsResponse,
  type ProfileResponse,
} from "@plaudit/protocol";

function answering(status: number, body: unknown): typeof fetch {
  return async () => new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
}

async function failure(promise: Promise<unknown>): Promise<KeeperError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(KeeperError);
  return error as KeeperError;
}

/** A fetch that records each request (method, URL, body) and answers with `answer(url)`. */
function recording(answer: (url: URL) => Response) {
  const requests: { method: string; url: string; body: string | undefined }[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    requests.push({ method: init?.method ?? "GET", url: String(input), body: init?.body?.toString() });
    return answer(new URL(String(input)));
  };
  return { requests, fetchImpl };
}

const creator = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const profile: ProfileResponse = {
  chainId: 31337,
  creator,
  name: "Ada Lovelace",
  bio: "Notes on the analytical engine.",
  avatar: "https://ada.example/avatar.png",
  website: "https://ada.example/",
  links: ["https://social.example/@ada"],
  version: "2",
  signature: `0x${"11".repeat(65)}`,
};

const settling: EpochStatusResponse = {
  epoch: "3",
  status: "settling",
  start: 0,
  end: 100,
  deadline: 200,
  readers: 10,
  clicks: 40,
  settledClicks: 25,
  droppedClicks: 9,
  settledReaders: 6,
  skippedReaders: 1,
  droppedReaders: 3,
  dropped: [],
  transactions: [
    { hash: `0x${"ab".repeat(32)}`, readers: 7, status: "confirmed", from: null, nonce: 4, gasUsed: null },
  ],
};

describe("keeper client", () => {
  it("reports an unreachable keeper as retryable", async () => {
    const client = createKeeperClient("http://down.test", {
      fetch: async () => Promise.reject(new TypeError("fetch failed")),
    });
    const error = await failure(client.currentEpoch());
    expect(error.kind).to.equal("unreachable");
    expect(isRetryable(error)).to.equal(true);
  });

  it("posts a tally with its item and the item's title, and leaves the title out without an item", async () => {
    const bodies: unknown[] = [];
    const client = createKeeperClient("http://k.test", {
      fetch: async (_input, init) => {
        bodies.push(JSON.parse(String(init?.body)));
        return Response.json({ status: "unchanged" });
      },
    });
    const tally = { reader: "0x1" } as unknown as Parameters<typeof client.postTally>[0];
    await client.postTally(tally, "https://blog.test/a", "On engines");
    await client.postTally(tally, "https://blog.test/b");
    await client.postTally(tally, undefined, "no item, no title");
    expect(bodies).to.deep.equal([
      { tally, item: "https://blog.test/a", title: "On engines" },
      { tally, item: "https://blog.test/b" },
      { tally },
    ]);
  });

  it("reports an unhealthy keeper as down", async () => {
    expect(await createKeeperClient("http://k.test", { fetch: answering(503, "busy") }).health()).to.equal(false);
    const healthy = { status: "ok", chainTime: 5, storage: "sqlite" };
    expect(await createKeeperClient("http://k.test", { fetch: answering(200, healthy) }).health()).to.equal(true);
  });

  it("carries the keeper's error code and tells final refusals from superseded tallies", async () => {
    const client = createKeeperClient("http://k.test", {
      fetch: answering(422, { error: { code: "bad_signature", message: "no" } }),
    });
    const error = await failure(client.epochStatus(3n));
    expect(error.code).to.equal("bad_signature");
    expect(error.status).to.equal(422);
    expect(isRetryable(error)).to.equal(false);
    expect(isSuperseded(new KeeperError("rejected", "x", "stale_sequence", 409))).to.equal(true);
    expect(isRetryable(new KeeperError("server", "x", "chain_unavailable", 503))).to.equal(true);
  });

  it("carries the relay's refusal codes and messages too", async () => {
    const message = "relayerFee 0 is below this keeper's minimum of 10000 token units (GET /v1/relay/policy)";
    const client = createKeeperClient("http://k.test", {
      fetch: answering(422, { error: { code: "fee_below_policy", message } }),
    });
    const error = await failure(client.relay("claim", { creator: "0x00000000000000000000000000000000000000a1" }));
    expect(error.code).to.equal("fee_below_policy");
    expect(error.message).to.equal(message);
    expect(error.kind).to.equal("rejected");
  });

  it("rejects a malformed answer instead of trusting it", async () => {
    const client = createKeeperClient("http://k.test", { fetch: answering(200, { epoch: "soon" }) });
    expect((await failure(client.currentEpoch())).kind).to.equal("invalid_response");
  });

  it("parses the current epoch and item clicks, and encodes the query", async () => {
    const urls: string[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      urls.push(String(input));
      return String(input).includes("items")
        ? Response.json({ clicks: 4 })
        : Response.json({ epoch: "2", start: 100, end: 200, deadline: 300, chainTime: 150 });
    };
    const client = createKeeperClient("http://k.test/", { fetch: fetchImpl });
    expect(await client.currentEpoch()).to.deep.equal({
      epoch: 2n,
      start: 100n,
      end: 200n,
      deadline: 300n,
      chainTime: 150n,
    });
    expect(
      await client.itemClicks("0x00000000000000000000000000000000000000a1", "https://x.example/?a=1&b=2", 2n),
    ).to.equal(4);
    expect(urls[1]).to.equal(
      "http://k.test/v1/items/clicks?creator=0x00000000000000000000000000000000000000a1&url=https%3A%2F%2Fx.example%2F%3Fa%3D1%26b%3D2&epoch=2",
    );
  });

  it("counts dropped readers as decided, so settlement progress reaches 100 %", async () => {
    const client = createKeeperClient("http://k.test", { fetch: answering(200, settling) });
    const status = await client.epochStatus(3n);
    expect(status.droppedReaders).to.equal(3);
    expect(settlementProgress(status)).to.equal(1);
    const open = epochStatusResponseSchema.parse({ ...settling, status: "open", readers: 0, settledReaders: 0 });
    expect(settlementProgress(open)).to.equal(0);
  });

  describe("creators, items and discovery", () => {
    it("reads a creator's signed profile, its version as a bigint, and null when the keeper has none", async () => {
      const { requests, fetchImpl } = recording((url) =>
        url.pathname.includes(creator)
          ? Response.json(profile)
          : Response.json({ error: { code: "not_found", message: "no profile" } }, { status: 404 }),
      );
      const client = createKeeperClient("http://k.test", { fetch: fetchImpl });
      const read = await client.getProfile(creator);
      expect(read?.version).to.equal(2n);
      expect(read?.name).to.equal("Ada Lovelace");
      expect(requests[0]?.url).to.equal(`http://k.test/v1/creators/${creator}/profile`);
      expect(await client.getProfile("0x00000000000000000000000000000000000000a1")).to.equal(null);
    });

    it("refuses a served profile that breaks the protocol's bounds instead of showing it", async () => {
      const hostile = { ...profile, name: "<img src=x onerror=alert(1)>" };
      const client = createKeeperClient("http://k.test", { fetch: answering(200, hostile) });
      expect((await failure(client.getProfile(creator))).kind).to.equal("invalid_response");
    });

    it("PUTs a profile to its creator's path and carries a stale version's 409 with the keeper's message", async () => {
      const { requests, fetchImpl } = recording(() =>
        Response.json({ status: "stored", version: "2" }, { status: 201 }),
      );
      const stored = await createKeeperClient("http://k.test", { fetch: fetchImpl }).putProfile(profile);
      expect(stored).to.deep.equal({ status: "stored", version: 2n });
      expect(requests[0]?.method).to.equal("PUT");
      expect(requests[0]?.url).to.equal(`http://k.test/v1/creators/${creator}/profile`);
      expect(JSON.parse(requests[0]?.body ?? "")).to.deep.equal(profile);
      const message = "version 2 is not above the stored version 3";
      const stale = createKeeperClient("http://k.test", {
        fetch: answering(409, { error: { code: "stale_version", message } }),
      });
      const error = await failure(stale.putProfile(profile));
      expect([error.kind, error.code, error.status, error.message]).to.deep.equal([
        "rejected",
        "stale_version",
        409,
        message,
      ]);
    });

    it("pages a creator's items and the popular rankings with epoch, cursor and limit in the query", async () => {
      const page: PopularItemsResponse = {
        epoch: "3",
        items: [{ creator, url: "https://blog.example/posts/42", title: "On engines", readers: 12 }],
        nextCursor: "1",
      };
      const { requests, fetchImpl } = recording((url) => {
        if (url.pathname === "/v1/popular/items") return Response.json(page);
        if (url.pathname === "/v1/popular/creators")
          return Response.json({ epoch: "3", creators: [{ creator, readers: 14, items: 2 }], nextCursor: null });
        return Response.json({
          creator,
          epoch: "3",
          items: page.items.map(({ creator: _c, ...item }) => item),
          nextCursor: null,
        });
      });
      const client = createKeeperClient("http://k.test", { fetch: fetchImpl });
      const items = await client.popularItems(3n, "1", 10);
      expect(items.epoch).to.equal(3n);
      expect(items.nextCursor).to.equal("1");
      expect(items.items[0]?.title).to.equal("On engines");
      expect((await client.popularCreators()).creators[0]?.readers).to.equal(14);
      expect((await client.creatorItems(creator, 2n)).items[0]?.url).to.equal("https://blog.example/posts/42");
      expect(requests.map((r) => r.url)).to.deep.equal([
        "http://k.test/v1/popular/items?epoch=3&cursor=1&limit=10",
        "http://k.test/v1/popular/creators",
        `http://k.test/v1/creators/${creator}/items?epoch=2`,
      ]);
    });

    it("refuses a ranking whose cursor is not this keeper's kind", async () => {
      const client = createKeeperClient("http://k.test", {
        fetch: answering(200, { epoch: "3", items: [], nextCursor: "../../admin" }),
      });
      expect((await failure(client.popularItems())).kind).to.equal("invalid_response");
    });

    it("posts a page to discover and carries 'no creator found' as a refusal with its code", async () => {
      const found = { creator, title: "On engines", source: "meta" };
      const { requests, fetchImpl } = recording(() => Response.json(found));
      expect(
        await createKeeperClient("http://k.test", { fetch: fetchImpl }).discover("https://blog.example/"),
      ).to.deep.equal(found);
      expect(requests[0]).to.deep.include({ method: "POST", url: "http://k.test/v1/discover" });
      expect(JSON.parse(requests[0]?.body ?? "")).to.deep.equal({ url: "https://blog.example/" });
      const none = createKeeperClient("http://k.test", {
        fetch: answering(404, { error: { code: "no_creator_found", message: "no creator on that page" } }),
      });
      const error = await failure(none.discover("https://blog.example/"));
      expect([error.code, error.status]).to.deep.equal(["no_creator_found", 404]);
    });
  });
});
