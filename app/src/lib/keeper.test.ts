import { describe, expect, it } from "vitest";

import { createKeeperClient, isRetryable, isSuperseded, KeeperError } from "./keeper.js";

function answering(status: number, body: unknown): typeof fetch {
  return async () => new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
}

describe("keeper client", () => {
  it("reports an unreachable keeper as retryable", async () => {
    const client = createKeeperClient("http://down.test", {
      fetch: async () => Promise.reject(new TypeError("fetch failed")),
    });
    const error = await client.currentEpoch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeeperError);
    expect((error as KeeperError).kind).toBe("unreachable");
    expect(isRetryable(error)).toBe(true);
  });

  it("reports an unhealthy keeper as down", async () => {
    expect(await createKeeperClient("http://k.test", { fetch: answering(503, "busy") }).health()).toBe(false);
    expect(await createKeeperClient("http://k.test", { fetch: answering(200, { ok: true }) }).health()).toBe(true);
  });

  it("carries the keeper's error code and tells final refusals from superseded tallies", async () => {
    const client = createKeeperClient("http://k.test", {
      fetch: answering(400, { error: { code: "bad_signature", message: "no" } }),
    });
    const error = await client.epochStatus(3n).catch((e: unknown) => e);
    expect((error as KeeperError).code).toBe("bad_signature");
    expect(isRetryable(error)).toBe(false);
    expect(isSuperseded(new KeeperError("rejected", "x", "stale_sequence", 409))).toBe(true);
    expect(isRetryable(new KeeperError("server", "x", undefined, 503))).toBe(true);
  });

  it("rejects a malformed answer instead of trusting it", async () => {
    const client = createKeeperClient("http://k.test", { fetch: answering(200, { epoch: "soon" }) });
    await expect(client.currentEpoch()).rejects.toMatchObject({ kind: "invalid_response" });
  });

  it("parses the current epoch and item clicks", async () => {
    const urls: string[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      urls.push(String(input));
      return String(input).includes("items")
        ? Response.json({ clicks: 4 })
        : Response.json({ epoch: 2, start: "100", end: 200, deadline: 300, chainTime: 150 });
    };
    const client = createKeeperClient("http://k.test/", { fetch: fetchImpl });
    expect(await client.currentEpoch()).toEqual({ epoch: 2n, start: 100n, end: 200n, deadline: 300n, chainTime: 150n });
    expect(
      await client.itemClicks("0x00000000000000000000000000000000000000a1", "https://x.example/?a=1&b=2", 2n),
    ).toBe(4);
    expect(urls[1]).toBe(
      "http://k.test/v1/items/clicks?creator=0x00000000000000000000000000000000000000a1&url=https%3A%2F%2Fx.example%2F%3Fa%3D1%26b%3D2&epoch=2",
    );
  });
});
