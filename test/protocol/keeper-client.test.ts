import { expect } from "chai";

import {
  createKeeperClient,
  epochStatusResponseSchema,
  isRetryable,
  isSuperseded,
  KeeperError,
  settlementProgress,
  type EpochStatusResponse,
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
});
