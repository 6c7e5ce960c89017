import { expect } from "chai";
import type { z } from "zod";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  currentEpochResponseSchema,
  epochStatusResponseSchema,
  errorBodySchema,
  healthResponseSchema,
  itemClicksResponseSchema,
  keeperConfigResponseSchema,
  readerTalliesResponseSchema,
  signedTallySchema,
  wireJsonSchema,
  type SignedTallyInput,
} from "@plaudit/protocol";
import type { RunningKeeper } from "../../keeper/src/index.js";
import { MAX_ERROR_MESSAGE_CHARS, ROUTE_LABELS, type RouteName } from "../../keeper/src/api/server.js";
import {
  createLocalChain,
  deployPool,
  TallySigner,
  type LocalChain,
  type PoolFixture,
  type Reader,
} from "./chain-fixture.js";
import { getJson, postJson, startTestKeeper, tempDir } from "./keeper-fixture.js";

const DAPP = "https://dapp.example";

describe("keeper HTTP API", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let fixture: PoolFixture;
  let keeper: RunningKeeper;
  let dir: ReturnType<typeof tempDir>;
  let alice: Reader;
  let aliceKey: TallySigner;

  before(async () => {
    chain = await createLocalChain();
    fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 10n);
    alice = await fixture.newReader();
    dir = tempDir();
    keeper = await startTestKeeper(fixture, {
      dataDir: dir.path,
      corsOrigins: [DAPP],
      readerRate: 5,
      maxBodyBytes: 4096,
    });
    aliceKey = new TallySigner(fixture, alice, 0n, { sessionKey: privateKeyToAccount(generatePrivateKey()) });
    await aliceKey.delegate(fixture.epochStart(5n));
  });

  after(async () => {
    await keeper.stop();
    dir.remove();
    await chain.close();
  });

  const post = (body: unknown, headers?: Record<string, string>) => postJson(`${keeper.url}/v1/tallies`, body, headers);
  const storedOf = async (reader: Reader) =>
    (await getJson(`${keeper.url}/v1/readers/${reader.address}/tallies?epoch=0`)).body["tallies"] as SignedTallyInput[];

  /** Posts a bad request and checks the error code and that nothing was stored for the reader. */
  async function expectRejected(body: unknown, status: number, code: string, reader: Reader = alice) {
    const before = await storedOf(reader);
    const res = await post(body);
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    const error = res.body["error"] as { code: string; message: string };
    expect(error.code).to.equal(code);
    expect(error.message).to.be.a("string").and.not.equal("");
    expect(await storedOf(reader)).to.deep.equal(before);
    return error;
  }

  it("stores a session-signed tally, answers unchanged for a resubmission, and returns it for resumption", async () => {
    const tally = await aliceKey.click(fixture.creators[0]!);
    const first = await post({ tally });
    expect(first.status).to.equal(201);
    expect(first.body).to.deep.equal({ status: "stored", seq: "1" });
    const again = await post({ tally });
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.equal({ status: "unchanged" });
    const stored = await storedOf(alice);
    expect(stored).to.have.length(1);
    expect(signedTallySchema.parse(stored[0])).to.deep.equal(signedTallySchema.parse(tally));
  });

  it("keeps only the latest tally per key and rejects a stale sequence", async () => {
    const older = await aliceKey.click(fixture.creators[1]!);
    const newer = await aliceKey.click(fixture.creators[1]!);
    expect((await post({ tally: newer })).status).to.equal(201);
    const error = await expectRejected({ tally: older }, 409, "stale_sequence");
    expect(error.message).to.contain("seq");
    expect((await storedOf(alice))[0]!.seq).to.equal(newer.seq);
  });

  it("rejects malformed JSON", async () => {
    await expectRejected('{"tally": {', 400, "malformed_json");
  });

  it("rejects wrong types naming the field", async () => {
    const tally = await aliceKey.click(fixture.creators[2]!);
    const error = await expectRejected({ tally: { ...tally, seq: "x" } }, 400, "invalid_body");
    expect(error.message).to.contain("tally.seq");
    await expectRejected({ tally: { ...tally, counts: ["1"] } }, 400, "invalid_body");
    await expectRejected({ tally, extra: true }, 400, "invalid_body");
    await expectRejected({ tally, item: "x".repeat(3000) }, 400, "invalid_body");
  });

  it("rejects an oversized body", async () => {
    const tally = await aliceKey.click(fixture.creators[2]!);
    await expectRejected({ tally, item: `https://x.example/${"a".repeat(5000)}` }, 413, "body_too_large");
  });

  it("rejects a bad tally signature", async () => {
    const tally = await aliceKey.click(fixture.creators[3]!);
    const forged = { ...tally, counts: [...tally.counts.slice(0, -1), (tally.counts.at(-1) as number) + 5] };
    await expectRejected({ tally: forged }, 422, "bad_signature");
    // The same signature with a high s (malleated) is refused like the contract does.
    const sig = tally.signature;
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${sig.slice(66, 130)}`);
    const v = sig.slice(130) === "1b" ? "1c" : "1b";
    const malleated = `${sig.slice(0, 66)}${(n - s).toString(16).padStart(64, "0")}${v}`;
    await expectRejected({ tally: { ...tally, signature: malleated } }, 422, "bad_signature");
  });

  it("rejects a session not signed by the reader, an expired one, and a missing one", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    const key = privateKeyToAccount(generatePrivateKey());
    // The stranger signs a delegation of a key in alice's name.
    const forged = new TallySigner(fixture, { ...alice, account: stranger }, 0n, { sessionKey: key });
    await forged.delegate(fixture.epochStart(5n));
    await expectRejected({ tally: await forged.click(fixture.creators[0]!) }, 422, "bad_session");
    const honest = new TallySigner(fixture, alice, 0n, { sessionKey: key });
    await honest.delegate(fixture.epochStart(5n));
    const good = await honest.click(fixture.creators[0]!);
    // A tally whose signer field names another key than the one that signed it.
    await expectRejected({ tally: { ...good, signer: stranger.address } }, 422, "bad_signature");
    await honest.delegate(fixture.epochStart(0n)); // expires before epoch 0 ends
    await expectRejected({ tally: await honest.click(fixture.creators[0]!) }, 422, "bad_session");
    await expectRejected({ tally: { ...good, session: null } }, 422, "bad_session");
  });

  it("sees a revocation as soon as it is mined: the old session is refused, one of the new nonce accepted", async () => {
    const bob = await fixture.newReader();
    const device = privateKeyToAccount(generatePrivateKey());
    const key = new TallySigner(fixture, bob, 0n, { sessionKey: device });
    await key.delegate(fixture.epochStart(5n), 0);
    // Stored: the keeper now holds bob's budget (and session nonce 0) in its cache.
    expect((await post({ tally: await key.click(fixture.creators[0]!) })).status).to.equal(201);
    await fixture.revokeSessions(bob);
    const revoked = await expectRejected({ tally: await key.click(fixture.creators[0]!) }, 422, "bad_session", bob);
    expect(revoked.message).to.contain("session.nonce 0 was revoked").and.contain("session nonce is now 1");
    await key.delegate(fixture.epochStart(5n), 1);
    const renewed = await post({ tally: await key.click(fixture.creators[0]!) });
    expect(renewed.status, JSON.stringify(renewed.body)).to.equal(201);
    await key.delegate(fixture.epochStart(5n), 2);
    const ahead = await expectRejected({ tally: await key.click(fixture.creators[0]!) }, 422, "bad_session", bob);
    expect(ahead.message).to.contain("session.nonce 2 is ahead of the reader's session nonce 1");
  });

  it("accepts a session of the new nonce at once even when its chain view is not yet past the revocation", async () => {
    // A keeper that reuses its chain time (and so its view of the chain head) for a minute.
    const lagging = tempDir();
    const slow = await startTestKeeper(fixture, { dataDir: lagging.path, chainTimeTtlMs: 60_000 });
    try {
      const erin = await fixture.newReader();
      const key = new TallySigner(fixture, erin, 0n, { sessionKey: privateKeyToAccount(generatePrivateKey()) });
      await key.delegate(fixture.epochStart(5n), 0);
      const first = await postJson(`${slow.url}/v1/tallies`, { tally: await key.click(fixture.creators[0]!) });
      expect(first.status).to.equal(201);
      await fixture.revokeSessions(erin);
      await key.delegate(fixture.epochStart(5n), 1);
      const renewed = await postJson(`${slow.url}/v1/tallies`, { tally: await key.click(fixture.creators[0]!) });
      expect(renewed.status, JSON.stringify(renewed.body)).to.equal(201);
    } finally {
      await slow.stop();
      lagging.remove();
    }
  });

  it("accepts a tally for an epoch that began after its chain time was read", async () => {
    // A pool of two-minute epochs (moving to its epoch 1 leaves the shared pool's epoch 0 open) and a
    // keeper that reuses its chain time for a minute.
    const short = await deployPool(chain, { epochLength: 120n });
    await short.goToEpoch(0n);
    const reader = await short.newReader();
    const lagging = tempDir();
    const slow = await startTestKeeper(short, { dataDir: lagging.path, chainTimeTtlMs: 60_000 });
    try {
      const before = await postJson(`${slow.url}/v1/tallies`, {
        tally: await new TallySigner(short, reader, 0n).click(short.creators[0]!),
      });
      expect(before.status, JSON.stringify(before.body)).to.equal(201);
      await short.goToEpoch(1n);
      const after = await postJson(`${slow.url}/v1/tallies`, {
        tally: await new TallySigner(short, reader, 1n).click(short.creators[0]!),
      });
      expect(after.status, JSON.stringify(after.body)).to.equal(201);
    } finally {
      await slow.stop();
      lagging.remove();
    }
  });

  it("refuses an unsigned session object on a tally the reader signed itself, of any size", async () => {
    const frank = await fixture.newReader();
    const own = new TallySigner(fixture, frank, 0n);
    const genuine = await own.click(fixture.creators[0]!);
    for (const bytes of [65, 1024]) {
      const junk = { expiry: fixture.epochStart(5n).toString(), nonce: 0, signature: `0x${"ab".repeat(bytes)}` };
      const error = await expectRejected({ tally: { ...genuine, session: junk } }, 422, "bad_session", frank);
      expect(error.message).to.contain("must be null when the reader signs");
    }
    // The reader's own copy is still the one stored (not refused as a stale sequence).
    expect((await post({ tally: genuine })).status).to.equal(201);
    expect((await storedOf(frank))[0]!.session).to.equal(null);
  });

  it("rejects an unknown reader (no budget)", async () => {
    const nobody = privateKeyToAccount(generatePrivateKey());
    const reader = { key: "0x" as const, account: nobody, address: nobody.address };
    const tally = await new TallySigner(fixture, reader, 0n).click(fixture.creators[0]!);
    await expectRejected({ tally }, 422, "no_budget", reader);
  });

  it("rejects the wrong chain, the wrong pool and an epoch that is not open", async () => {
    const tally = await aliceKey.click(fixture.creators[0]!);
    await expectRejected({ tally: { ...tally, chainId: 1 } }, 400, "wrong_chain");
    await expectRejected({ tally: { ...tally, pool: fixture.token } }, 400, "wrong_pool");
    const future = await new TallySigner(fixture, alice, 3n).click(fixture.creators[0]!);
    await expectRejected({ tally: future }, 422, "wrong_epoch");
  });

  it("rejects clicks the contract would reject", async () => {
    const signer = new TallySigner(fixture, alice, 0n);
    const descending = [...fixture.creators].sort((a, b) => (BigInt(a) < BigInt(b) ? 1 : -1)).slice(0, 2);
    const tally = await signer.sign({ creators: descending, counts: [1, 1] }, 50n);
    await expectRejected({ tally }, 422, "bad_clicks");
    const self = await signer.sign({ creators: [alice.address], counts: [1] }, 51n);
    await expectRejected({ tally: self }, 422, "bad_clicks");
  });

  it("limits tallies per reader", async () => {
    const carol = await fixture.newReader();
    const signer = new TallySigner(fixture, carol, 0n);
    // Signed first, then posted back to back: the limit is per second, and signing is the slow part.
    const tallies = [];
    for (let i = 0; i < 40; i++) tallies.push(await signer.click(fixture.creators[0]!));
    const answers = [];
    for (const tally of tallies) answers.push(await post({ tally }));
    expect(answers.map((a) => a.status)).to.include(201);
    const limited = answers.find((a) => a.status === 429);
    expect(limited, "no tally was rate-limited").to.not.equal(undefined);
    expect((limited?.body["error"] as { code: string }).code).to.equal("rate_limited");
    expect(limited?.headers.get("retry-after")).to.match(/^[0-9]+$/);
  });

  it("records an item's click once per reader, for the creator whose count rose", async () => {
    const dave = await fixture.newReader();
    const signer = new TallySigner(fixture, dave, 0n);
    const item = "https://blog.example/post-1";
    const [a, b] = fixture.creators as [`0x${string}`, `0x${string}`];
    expect((await post({ tally: await signer.click(a), item })).status).to.equal(201);
    expect((await post({ tally: await signer.click(a), item })).status).to.equal(201);
    expect((await post({ tally: await signer.click(b), item: "https://blog.example/other" })).status).to.equal(201);
    const clicks = async (creator: string, url: string) =>
      (await getJson(`${keeper.url}/v1/items/clicks?creator=${creator}&url=${encodeURIComponent(url)}&epoch=0`)).body[
        "clicks"
      ];
    expect(await clicks(a, item)).to.equal(1);
    expect(await clicks(b, item)).to.equal(0);
    expect(await clicks(b, "https://blog.example/other")).to.equal(1);
  });

  it("serves CORS only to configured origins", async () => {
    const allowed = await fetch(`${keeper.url}/v1/tallies`, {
      method: "OPTIONS",
      headers: { origin: DAPP, "access-control-request-method": "POST" },
    });
    expect(allowed.status).to.equal(204);
    expect(allowed.headers.get("access-control-allow-origin")).to.equal(DAPP);
    const other = await fetch(`${keeper.url}/v1/config`, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).to.equal(null);
    const denied = await fetch(`${keeper.url}/v1/tallies`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example" },
    });
    expect(denied.status).to.equal(403);
  });

  it("reports config, the current epoch by chain time, epoch status, health and metrics", async () => {
    const config = (await getJson(`${keeper.url}/v1/config`)).body;
    expect(config).to.include({
      chainId: fixture.chainId,
      pool: fixture.pool,
      token: fixture.token,
      epochLength: 86_400,
    });
    const current = (await getJson(`${keeper.url}/v1/epochs/current`)).body;
    expect(current["epoch"]).to.equal("0");
    expect(current["chainTime"]).to.be.at.least(Number(fixture.startTime));
    expect(current["end"]).to.equal(Number(fixture.epochStart(1n)));
    const status = (await getJson(`${keeper.url}/v1/epochs/0`)).body;
    expect(status["status"]).to.equal("open");
    expect(status["readers"]).to.be.at.least(2);
    expect(status["transactions"]).to.deep.equal([]);
    expect((await getJson(`${keeper.url}/healthz`)).body["status"]).to.equal("ok");
    const metrics = await (await fetch(`${keeper.url}/metrics`)).text();
    expect(metrics).to.match(/plaudit_keeper_tallies_total\{result="stored"\} [1-9]/);
    expect(metrics).to.contain('plaudit_keeper_tallies_total{result="bad_signature"}');
  });

  it("answers every route in the shape the protocol package's schemas define (strict: no field more or less)", async () => {
    const answers: [string, z.ZodType][] = [
      ["/v1/config", keeperConfigResponseSchema],
      ["/v1/epochs/current", currentEpochResponseSchema],
      ["/v1/epochs/0", epochStatusResponseSchema],
      [`/v1/readers/${alice.address}/tallies?epoch=0`, readerTalliesResponseSchema],
      [
        `/v1/items/clicks?creator=${fixture.creators[0]}&url=https%3A%2F%2Fblog.test%2Fa&epoch=0`,
        itemClicksResponseSchema,
      ],
      ["/healthz", healthResponseSchema],
      ["/v1/nope", errorBodySchema],
    ];
    for (const [path, schema] of answers) {
      const { body } = await getJson(`${keeper.url}${path}`);
      const parsed = schema.safeParse(body);
      expect(parsed.success, `${path}: ${parsed.error?.message ?? ""}`).to.equal(true);
    }
  });

  it("serves the wire formats as JSON Schema at /v1/schema", async () => {
    const res = await getJson(`${keeper.url}/v1/schema`);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal(wireJsonSchema());
    expect(Object.keys(res.body["$defs"] as object)).to.include.members([
      "SignedTally",
      "PostTallyRequest",
      "ErrorBody",
    ]);
  });

  it("answers unknown routes and bad parameters with JSON errors naming the parameter", async () => {
    expect((await getJson(`${keeper.url}/v1/nope`)).status).to.equal(404);
    const epoch = await getJson(`${keeper.url}/v1/epochs/abc`);
    expect(epoch.status).to.equal(400);
    expect(epoch.body["error"]).to.deep.include({ code: "invalid_query" });
    expect((epoch.body["error"] as { message: string }).message).to.match(/^epoch: /);
    const reader = await getJson(`${keeper.url}/v1/readers/0x12/tallies?epoch=0`);
    expect(reader.status).to.equal(400);
    expect((reader.body["error"] as { message: string }).message).to.match(/^reader: /);
    const query = await getJson(`${keeper.url}/v1/readers/${alice.address}/tallies?epoch=x`);
    expect((query.body["error"] as { message: string }).message).to.match(/^epoch: /);
    const missing = await getJson(`${keeper.url}/v1/readers/${alice.address}/tallies`);
    expect((missing.body["error"] as { message: string }).message).to.match(/^epoch: /);
    const tallies = await getJson(`${keeper.url}/v1/tallies`);
    expect(tallies.status).to.equal(405);
    expect(tallies.headers.get("allow")).to.equal("POST, OPTIONS");
  });

  it("counts a click count of zero as bad_clicks (422), as documented", async () => {
    const signer = new TallySigner(fixture, alice, 0n);
    const tally = await signer.sign(
      { creators: [fixture.creators[0]!, fixture.creators[1]!].sort(), counts: [0, 1] },
      60n,
    );
    const error = await expectRejected({ tally }, 422, "bad_clicks");
    expect(error.message).to.contain("counts[0]");
  });

  it("refuses the pool and its token as creators (bad_clicks), as the pool would skip the reader", async () => {
    for (const creator of [fixture.pool, fixture.token]) {
      const tally = await new TallySigner(fixture, alice, 0n).sign({ creators: [creator], counts: [1] }, 61n);
      const error = await expectRejected({ tally }, 422, "bad_clicks");
      expect(error.message).to.match(/pool|token/);
    }
  });

  it("stores only http(s) item URLs", async () => {
    const tally = await new TallySigner(fixture, await fixture.newReader(), 0n).click(fixture.creators[0]!);
    for (const item of ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://files.example/a", "https:no-host"]) {
      const error = await expectRejected({ tally, item }, 400, "invalid_body", alice);
      expect(error.message).to.contain("item: not an http(s) URL");
    }
  });

  it("takes POST bodies only as application/json (415 otherwise, so no form post skips the CORS preflight)", async () => {
    const tally = await aliceKey.click(fixture.creators[0]!);
    const body = JSON.stringify({ tally });
    const before = await storedOf(alice);
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16"]) {
      const res = await fetch(`${keeper.url}/v1/tallies`, {
        method: "POST",
        headers: { "content-type": contentType },
        body,
      });
      expect(res.status, contentType).to.equal(415);
      expect(((await res.json()) as { error: { code: string } }).error.code).to.equal("unsupported_media_type");
    }
    const untyped = await fetch(`${keeper.url}/v1/tallies`, { method: "POST", body: Buffer.from(body) });
    expect(untyped.status).to.equal(415);
    expect(await storedOf(alice)).to.deep.equal(before);
    const res = await post({ tally }, { "content-type": "application/json; charset=UTF-8" });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
  });

  it("never echoes unbounded input in an error", async () => {
    const tally = await aliceKey.click(fixture.creators[0]!);
    // The body limit of this keeper is 4 KiB; keepers with a larger one clip the same way.
    const key = "k".repeat(2500);
    const res = await post({ tally: { ...tally, [key]: 1 } });
    expect(res.status).to.equal(400);
    const message = (res.body["error"] as { message: string }).message;
    expect(message).to.not.contain(key);
    expect(message.length).to.be.at.most(MAX_ERROR_MESSAGE_CHARS + 50);
    const path = `/v1/${"p".repeat(5000)}`;
    const notFound = await getJson(`${keeper.url}${path}`);
    expect(notFound.status).to.equal(404);
    expect((notFound.body["error"] as { message: string }).message.length).to.be.at.most(MAX_ERROR_MESSAGE_CHARS + 50);
  });

  it("sends X-Content-Type-Options: nosniff with every answer", async () => {
    const answers = [
      await fetch(`${keeper.url}/v1/config`),
      await fetch(`${keeper.url}/v1/nope`),
      await fetch(`${keeper.url}/healthz`),
      await fetch(`${keeper.url}/metrics`),
      await fetch(`${keeper.url}/v1/config`, { method: "HEAD" }),
      await fetch(`${keeper.url}/v1/tallies`, { method: "OPTIONS", headers: { origin: DAPP } }),
      await fetch(`${keeper.url}/v1/tallies`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{",
      }),
    ];
    for (const res of answers) expect(res.headers.get("x-content-type-options"), res.url).to.equal("nosniff");
  });

  it("answers HEAD wherever it answers GET, with GET's headers and no body", async () => {
    for (const path of [
      "/healthz",
      "/metrics",
      "/v1/config",
      "/v1/epochs/current",
      "/v1/epochs/0",
      `/v1/readers/${alice.address}/tallies?epoch=0`,
      `/v1/items/clicks?creator=${fixture.creators[0]}&url=https%3A%2F%2Fblog.example%2Fpost-1&epoch=0`,
    ]) {
      const get = await fetch(`${keeper.url}${path}`);
      const head = await fetch(`${keeper.url}${path}`, { method: "HEAD" });
      expect(head.status, path).to.equal(get.status).and.equal(200);
      expect(head.headers.get("content-type"), path).to.equal(get.headers.get("content-type"));
      expect(await head.text(), path).to.equal("");
      if (path !== "/metrics")
        expect(head.headers.get("content-length"), path).to.equal(String((await get.arrayBuffer()).byteLength));
    }
  });

  it("labels metrics with one route name per route, on success and error paths alike", async () => {
    await getJson(`${keeper.url}/v1/epochs/0`);
    await getJson(`${keeper.url}/v1/epochs/not-a-number`);
    await post("{");
    await getJson(`${keeper.url}/v1/readers/0x12/tallies?epoch=0`);
    await getJson(`${keeper.url}/v1/nope`);
    const text = await (await fetch(`${keeper.url}/metrics`)).text();
    const labels = [...text.matchAll(/^plaudit_keeper_http_requests_total\{route="([^"]+)",status="([0-9]+)"\}/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(labels).to.include.members([
      "epoch_status 200",
      "epoch_status 400",
      "tallies 400",
      "reader_tallies 400",
      "not_found 404",
    ]);
    const routes = new Set(labels.map((l) => l.split(" ")[0]));
    expect([...routes].filter((r) => !ROUTE_LABELS.includes(r as RouteName))).to.deep.equal([]);
  });
});

describe("keeper HTTP API after an epoch is settled", function () {
  this.timeout(120_000);
  const GRACE = 60n;
  let chain: LocalChain;
  let fixture: PoolFixture;
  let dir: ReturnType<typeof tempDir>;

  before(async () => {
    chain = await createLocalChain();
    fixture = await deployPool(chain);
    await fixture.goToEpoch(1n, 5n);
    dir = tempDir();
  });

  after(async () => {
    dir.remove();
    await chain.close();
  });

  const lastSettledEpoch = async (keeper: RunningKeeper) =>
    /^plaudit_keeper_last_settled_epoch (\d+)$/m.exec(await (await fetch(`${keeper.url}/metrics`)).text())?.[1];

  it("counts settled readers' clicks apart from dropped ones, and still reports the epoch settled after a restart", async () => {
    const { key } = await chain.fundedAccount();
    const keeper = await startTestKeeper(fixture, { dataDir: dir.path, privateKey: key, settle: true });
    const payer = new TallySigner(fixture, await fixture.newReader(), 1n);
    const revoker = await fixture.newReader();
    const device = new TallySigner(fixture, revoker, 1n, { sessionKey: privateKeyToAccount(generatePrivateKey()) });
    await device.delegate(fixture.epochStart(5n), 0);
    for (const tally of [await payer.click(fixture.creators[0]!, 3), await device.click(fixture.creators[1]!, 2)]) {
      expect((await postJson(`${keeper.url}/v1/tallies`, { tally })).status).to.equal(201);
    }
    // The revoker's only tally is under a session it revokes: settlement drops the reader.
    await fixture.revokeSessions(revoker);
    const open = (await getJson(`${keeper.url}/v1/epochs/1`)).body;
    expect(open).to.include({ status: "open", readers: 2, clicks: 5, settledClicks: 0, droppedClicks: 0 });

    await fixture.goToEpoch(2n, GRACE + 1n);
    const deadline = Date.now() + 60_000;
    let status = open;
    while (status["status"] !== "settled" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await getJson(`${keeper.url}/v1/epochs/1`)).body;
    }
    expect(status).to.include({
      status: "settled",
      readers: 2,
      clicks: 3,
      settledClicks: 3,
      droppedClicks: 2,
      settledReaders: 1,
      droppedReaders: 1,
    });
    expect(await lastSettledEpoch(keeper)).to.equal("1");
    await keeper.stop();

    const restarted = await startTestKeeper(fixture, { dataDir: dir.path });
    try {
      expect(await lastSettledEpoch(restarted)).to.equal("1");
    } finally {
      await restarted.stop();
    }
  });
});
