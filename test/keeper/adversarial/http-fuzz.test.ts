/**
 * Property-based attacks on the keeper's HTTP API (fast-check): random and hostile requests (wrong
 * types, huge numbers, unicode, deep nesting, duplicate keys, truncated bodies, wrong content types,
 * huge headers and bodies, random paths and methods) never get a 5xx, never change a stored row unless
 * they were accepted, and never take the server down (it answers /healthz afterwards).
 */
import { connect } from "node:net";

import { expect } from "chai";
import fc from "fast-check";
import type { Address } from "viem";

import type { RunningKeeper } from "../../../keeper/src/index.js";
import type { SignedTallyInput } from "@plaudit/protocol";
import { createLocalChain, deployPool, type LocalChain, type PoolFixture } from "../chain-fixture.js";
import { startTestKeeper, tempDir } from "../keeper-fixture.js";
import { FastSigner, rawRequest, snapshotStore, type RawResponse } from "./harness.js";

const MAX_BODY = 8192;
const RUNS = Number(process.env["FUZZ_RUNS"] ?? 150);

/** A JSON value that attacks a parser or a schema. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1e308,
    -1e308,
    2 ** 53,
    2 ** 64,
    1.5,
    "",
    "0",
    "-1",
    "18446744073709551616",
    "99999999999999999999",
    "0x",
    "0xZZ",
    "__proto__",
    "constructor",
    "\u0000",
    "\ud800",
    "😀".repeat(50),
    "0x" + "f".repeat(40),
    "0x" + "0".repeat(40),
    [],
    {},
    { __proto__: { polluted: true } },
  ),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.bigInt().map((b) => b.toString()),
  fc.double(),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }),
);

const TALLY_FIELDS = [
  "chainId",
  "pool",
  "reader",
  "signer",
  "epoch",
  "seq",
  "creators",
  "counts",
  "signature",
  "session",
] as const;

/** A body text derived from a valid signed tally by one hostile edit. */
function hostileBody(valid: SignedTallyInput): fc.Arbitrary<{ body: string; label: string }> {
  const base = { tally: valid, item: "https://blog.example/post" };
  const text = JSON.stringify(base);
  return fc.oneof(
    fc.record({ field: fc.constantFrom(...TALLY_FIELDS), value: hostileValue }).map(({ field, value }) => ({
      body: JSON.stringify({ ...base, tally: { ...valid, [field]: value } }),
      label: `tally.${field} = ${JSON.stringify(value)?.slice(0, 60)}`,
    })),
    fc.constantFrom(...TALLY_FIELDS).map((field) => {
      const tally: Record<string, unknown> = { ...valid };
      delete tally[field];
      return { body: JSON.stringify({ ...base, tally }), label: `without tally.${field}` };
    }),
    fc.record({ key: fc.string({ maxLength: 12 }), value: hostileValue }).map(({ key, value }) => ({
      body: JSON.stringify({ ...base, tally: { ...valid, [key]: value } }),
      label: `extra tally key ${JSON.stringify(key)}`,
    })),
    hostileValue.map((value) => ({ body: JSON.stringify({ ...base, item: value }), label: "hostile item" })),
    hostileValue.map((value) => ({ body: JSON.stringify(value) ?? "", label: "hostile top-level value" })),
    fc.nat({ max: text.length - 1 }).map((at) => ({ body: text.slice(0, at), label: `truncated at ${at}` })),
    fc.constantFrom(...TALLY_FIELDS).chain((field) =>
      hostileValue.map((value) => ({
        // Duplicate keys: JSON.parse keeps the last one.
        body: text.replace(`"${field}":`, `"${field}":${JSON.stringify(value) ?? "null"},"${field}":`),
        label: `duplicate tally.${field}`,
      })),
    ),
    fc.integer({ min: 10, max: 5000 }).map((depth) => ({
      body: `{"tally":${"[".repeat(depth)}${"]".repeat(depth)}}`,
      label: `nested ${depth}`,
    })),
    fc
      .integer({ min: 10, max: 3000 })
      .map((depth) => ({ body: `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`, label: `object nested ${depth}` })),
    fc.constant({ body: "x".repeat(MAX_BODY + 1), label: "body over the limit" }),
    fc.constant({
      body: `{"tally": ${JSON.stringify(valid)}, "item": "https://x.example/${"a".repeat(MAX_BODY)}"}`,
      label: "item over the limit",
    }),
    fc
      .uint8Array({ maxLength: 200 })
      .map((bytes) => ({ body: Buffer.from(bytes).toString("latin1"), label: "random bytes" })),
  );
}

const methods = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PROPFIND", "TRACE");

const KNOWN_PATHS = [
  "/v1/tallies",
  "/v1/tallies/",
  "/V1/TALLIES",
  "/v1/epochs/current",
  "/v1/epochs/0",
  "/v1/epochs/99999999999999999999",
  "/v1/epochs/-1",
  "/v1/epochs/1e3",
  "/v1/epochs/%00",
  "/v1/readers/0x0000000000000000000000000000000000000001/tallies?epoch=0",
  "/v1/readers/%E0%A4%A/tallies?epoch=0",
  "/v1/readers/%ZZ/tallies?epoch=0",
  "/v1/readers/0x0000000000000000000000000000000000000001/tallies?epoch=99999999999999999999999",
  "/v1/items/clicks?creator=0x0000000000000000000000000000000000000001&url=https://x.example",
  "/v1/items/clicks?creator=nope&url=",
  "/v1/items/clicks?creator=0x0000000000000000000000000000000000000001&url=x&epoch=abc",
  "/v1/config",
  "/healthz",
  "/metrics",
  "//v1//tallies",
  "/v1/../v1/tallies",
  "/v1/tallies?x=%FF",
  "*",
];

const paths = fc.oneof(
  fc.constantFrom(...KNOWN_PATHS),
  fc.string({ unit: "grapheme", maxLength: 60 }).map((s) => `/${encodeURIComponent(s)}`),
  fc.string({ unit: "grapheme", maxLength: 30 }).map((s) => `/v1/epochs/${encodeURIComponent(s)}`),
  fc
    .string({ unit: "grapheme", maxLength: 30 })
    .map((s) => `/v1/readers/${encodeURIComponent(s)}/tallies?epoch=${encodeURIComponent(s)}`),
  fc
    .string({ unit: "grapheme", maxLength: 30 })
    .map((s) => `/v1/items/clicks?creator=${encodeURIComponent(s)}&url=${encodeURIComponent(s)}`),
);

const contentTypes = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  "",
  "\u00ff\u00fe",
  undefined,
);

describe("keeper HTTP API under hostile requests (fast-check)", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  let fixture: PoolFixture;
  let keeper: RunningKeeper;
  let dir: ReturnType<typeof tempDir>;
  let signer: FastSigner;
  let fresh: SignedTallyInput;

  before(async () => {
    chain = await createLocalChain();
    fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 10n);
    dir = tempDir();
    keeper = await startTestKeeper(fixture, {
      dataDir: dir.path,
      maxBodyBytes: MAX_BODY,
      ipRate: 1e9,
      readerRate: 1e9,
      chainTimeTtlMs: 1000,
      corsOrigins: ["https://dapp.example"],
    });
    signer = new FastSigner(fixture, await fixture.newReader(), 0n);
    // One stored tally, so that a wrongly accepted request would have a row to change.
    const stored = await rawRequest(keeper.url, {
      method: "POST",
      path: "/v1/tallies",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tally: signer.next(fixture.creators[0] as Address) }),
    });
    expect(stored.status, stored.text).to.equal(201);
    // The next valid tally: every mutation of it is derived from a request the keeper would accept.
    fresh = signer.next(fixture.creators[1] as Address);
  });

  after(async () => {
    await keeper.stop();
    dir.remove();
    await chain.close();
  });

  /** Sends one request and checks the invariants every answer must keep. */
  async function attack(options: Parameters<typeof rawRequest>[1]): Promise<RawResponse> {
    const before = snapshotStore(dir.path);
    const res = await rawRequest(keeper.url, options);
    const context = `${options.method} ${options.path} -> ${res.status} ${res.text.slice(0, 300)}`;
    expect(res.status, context).to.be.within(200, 499);
    const prometheus = options.path.startsWith("/metrics") && res.status === 200;
    if (res.text.length > 0 && !prometheus) {
      // Every answer of the keeper is JSON; an error names its code and says what is wrong.
      const json = JSON.parse(res.text) as { error?: { code?: unknown; message?: unknown } };
      if (res.status >= 400) {
        expect(json.error?.code, context).to.be.a("string");
        expect(json.error?.message, context).to.be.a("string").and.not.equal("");
      }
    } else if (res.status >= 400 && options.method !== "HEAD") {
      // Empty error bodies come only from Node's HTTP parser (400, 431) or a refused CORS preflight (403).
      expect([400, 403, 431], context).to.include(res.status);
    }
    if (res.status >= 300)
      expect(snapshotStore(dir.path), `${context}: a rejected request changed the store`).to.equal(before);
    return res;
  }

  it("answers hostile tally bodies with 4xx JSON errors and changes no row", async () => {
    await fc.assert(
      fc.asyncProperty(hostileBody(fresh), contentTypes, async ({ body }, contentType) => {
        const headers: Record<string, string> = {};
        if (contentType !== undefined) headers["content-type"] = contentType;
        await attack({ method: "POST", path: "/v1/tallies", headers, body });
      }),
      { numRuns: RUNS, seed: Number(process.env["FUZZ_SEED"] ?? 0x5eed) },
    );
  });

  it("answers every known hostile path for every method without a 5xx and changes no row", async () => {
    for (const path of KNOWN_PATHS) {
      for (const method of ["GET", "POST", "HEAD", "OPTIONS", "DELETE"]) await attack({ method, path });
    }
  });

  it("answers random methods and paths without a 5xx and changes no row", async () => {
    await fc.assert(
      fc.asyncProperty(methods, paths, fc.option(hostileValue), async (method, path, body) => {
        const text = body === null ? undefined : JSON.stringify(body);
        await attack({
          method,
          path,
          headers: text === undefined ? {} : { "content-type": "application/json" },
          body: text,
        });
      }),
      { numRuns: RUNS, seed: Number(process.env["FUZZ_SEED"] ?? 0x5eed) + 1 },
    );
  });

  it("survives huge headers, a lying content-length and a connection cut mid-body", async () => {
    const before = snapshotStore(dir.path);
    const huge = await rawRequest(keeper.url, {
      method: "GET",
      path: "/v1/config",
      headers: { "x-big": "a".repeat(64 * 1024) },
    });
    expect(huge.status).to.equal(431);
    const many = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`x-h${i}`, "1"]));
    expect((await rawRequest(keeper.url, { method: "GET", path: "/v1/config", headers: many })).status).to.be.within(
      200,
      499,
    );
    // The keeper answers 413 at once and closes; the client may still be writing (then it sees a reset).
    const declared = await rawRequest(keeper.url, {
      method: "POST",
      path: "/v1/tallies",
      headers: { "content-type": "application/json", "content-length": String(10 * MAX_BODY) },
      body: "x".repeat(10 * MAX_BODY),
    }).then(
      (r) => r.status,
      () => "reset",
    );
    expect([413, "reset"]).to.include(declared);
    // Announce a body, send half of it, and hang up; then a body that never ends in time.
    for (const end of [true, false]) {
      await new Promise<void>((resolve, reject) => {
        const url = new URL(keeper.url);
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(
            `POST /v1/tallies HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"tally": {"chainId": 1`,
          );
          setTimeout(() => {
            if (end) socket.end();
            else socket.destroy();
            resolve();
          }, 50);
        });
        socket.on("error", reject);
      });
    }
    expect(snapshotStore(dir.path)).to.equal(before);
  });

  it("is still healthy and still stores the valid tally afterwards", async () => {
    const health = await rawRequest(keeper.url, { method: "GET", path: "/healthz" });
    expect(health.status).to.equal(200);
    expect(JSON.parse(health.text)).to.include({ status: "ok", storage: "sqlite" });
    const res = await rawRequest(keeper.url, {
      method: "POST",
      path: "/v1/tallies",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tally: fresh }),
    });
    // Stored now, or already stored by a hostile variant that was still the same signed tally.
    expect([200, 201], res.text).to.include(res.status);
    const stored = await rawRequest(keeper.url, {
      method: "GET",
      path: `/v1/readers/${signer.reader.address}/tallies?epoch=0`,
    });
    expect((JSON.parse(stored.text) as { tallies: SignedTallyInput[] }).tallies.map((t) => t.seq)).to.deep.equal([
      fresh.seq,
    ]);
  });
});
