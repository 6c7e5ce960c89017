/**
 * The keeper's profile routes: `PUT /v1/creators/:address/profile` keeps the highest version a creator
 * (EOA or ERC-1271 wallet) signed and refuses everything else with a 4xx; `GET` serves it as signed.
 */
import { expect } from "chai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  errorBodySchema,
  profileResponseSchema,
  putProfileResponseSchema,
  signedProfileSchema,
  verifyProfile,
  type SignedProfileInput,
} from "@plaudit/protocol";
import type { RunningKeeper } from "../../keeper/src/index.js";
import { createLocalChain, deployPool, signedProfile, type LocalChain, type PoolFixture } from "./chain-fixture.js";
import { getJson, startTestKeeper, tempDir } from "./keeper-fixture.js";

describe("keeper profile routes", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let fixture: PoolFixture;
  let keeper: RunningKeeper;
  let dir: ReturnType<typeof tempDir>;

  before(async () => {
    chain = await createLocalChain();
    fixture = await deployPool(chain);
    dir = tempDir();
    keeper = await startTestKeeper(fixture, { dataDir: dir.path });
  });
  after(async () => {
    await keeper.stop();
    dir.remove();
    await chain.close();
  });

  async function put(address: string, body: unknown, contentType = "application/json") {
    const res = await fetch(`${keeper.url}/v1/creators/${address}/profile`, {
      method: "PUT",
      headers: { "content-type": contentType },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const get = (address: string) => getJson(`${keeper.url}/v1/creators/${address}/profile`);

  async function expectRefused(address: string, body: unknown, status: number, code: string): Promise<string> {
    const before = await get(address);
    const res = await put(address, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    const { error } = errorBodySchema.parse(res.body);
    expect(error.code).to.equal(code);
    expect((await get(address)).body).to.deep.equal(before.body);
    return error.message;
  }

  it("stores an EOA creator's profile and serves it as signed, verifiable by the client", async () => {
    const creator = privateKeyToAccount(generatePrivateKey());
    const profile = await signedProfile(fixture.chainId, creator, { version: 3n });
    const res = await put(creator.address, profile);
    expect(res.status).to.equal(201);
    expect(putProfileResponseSchema.parse(res.body)).to.deep.equal({ status: "stored", version: 3n });
    const served = await get(creator.address.toLowerCase());
    expect(served.status).to.equal(200);
    expect(served.body).to.deep.equal(profile);
    expect(await verifyProfile(chain.publicClient, profileResponseSchema.parse(served.body))).to.equal(true);
    const again = await put(creator.address, profile);
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.equal({ status: "unchanged", version: "3" });
  });

  it("replaces a profile by a higher version and refuses a stale or equal one with 409", async () => {
    const creator = privateKeyToAccount(generatePrivateKey());
    expect(
      (await put(creator.address, await signedProfile(fixture.chainId, creator, { version: 5n }))).status,
    ).to.equal(201);
    const newer = await signedProfile(fixture.chainId, creator, { version: 6n, name: "Ada L." });
    expect((await put(creator.address, newer)).status).to.equal(201);
    const older = await signedProfile(fixture.chainId, creator, { version: 5n, name: "Old name" });
    const message = await expectRefused(creator.address, older, 409, "stale_version");
    expect(message).to.contain("version 5 is not above the stored version 6");
    const sameVersion = await signedProfile(fixture.chainId, creator, { version: 6n, name: "Other" });
    await expectRefused(creator.address, sameVersion, 409, "stale_version");
    expect((await get(creator.address)).body).to.deep.equal(newer);
  });

  it("stores an ERC-1271 wallet creator's profile signed by its owner", async () => {
    const wallet = await fixture.newWalletReader();
    const profile = await signedProfile(fixture.chainId, wallet.account, { creator: wallet.address });
    expect((await put(wallet.address, profile)).status).to.equal(201);
    expect(signedProfileSchema.parse((await get(wallet.address)).body).creator).to.equal(wallet.address);
  });

  it("refuses a forged signature, another chain and a path that names another creator", async () => {
    const creator = privateKeyToAccount(generatePrivateKey());
    const mallory = privateKeyToAccount(generatePrivateKey());
    const forged = await signedProfile(fixture.chainId, mallory, { creator: creator.address });
    await expectRefused(creator.address, forged, 422, "bad_signature");
    const elsewhere = await signedProfile(fixture.chainId + 1, creator, {});
    await expectRefused(creator.address, elsewhere, 400, "wrong_chain");
    const own = await signedProfile(fixture.chainId, creator, {});
    await expectRefused(mallory.address, own, 400, "creator_mismatch");
    expect((await get(creator.address)).status).to.equal(404);
  });

  it("refuses oversized and hostile fields naming the field", async () => {
    const creator = privateKeyToAccount(generatePrivateKey());
    const base = await signedProfile(fixture.chainId, creator, {});
    const cases: [Partial<SignedProfileInput>, string][] = [
      [{ name: "<script>alert(1)</script>" }, "name: no markup"],
      [{ name: "x".repeat(65) }, "name: at most 64"],
      [{ bio: "y".repeat(501) }, "bio: at most 500"],
      [{ website: "javascript:alert(1)" }, "website: not an http(s) URL"],
      [{ links: ["https://ok.example/", "data:text/html,hi"] }, "links.1: not an http(s) URL"],
    ];
    for (const [change, expected] of cases) {
      const message = await expectRefused(creator.address, { ...base, ...change }, 400, "invalid_body");
      expect(message).to.contain(expected);
    }
    await expectRefused(creator.address, "{", 400, "malformed_json");
    const res = await put(creator.address, base, "text/plain");
    expect(res.status).to.equal(415);
  });

  it("answers 404 for a creator without a profile and 400 for a bad address", async () => {
    const none = await get(privateKeyToAccount(generatePrivateKey()).address);
    expect(none.status).to.equal(404);
    expect(errorBodySchema.parse(none.body).error.code).to.equal("not_found");
    const bad = await get("0x1234");
    expect(bad.status).to.equal(400);
    expect(errorBodySchema.parse(bad.body).error.message).to.contain("address");
  });
});
