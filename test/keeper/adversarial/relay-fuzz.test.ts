/**
 * Property-based attacks on the keeper's relay (fast-check): hostile edits of valid relay requests, random
 * bodies on every relay route, random methods and paths under /v1/relay/. The relay never answers a 5xx,
 * every refusal is a JSON error with a code, and nothing but an accepted request (202) costs it anything:
 * its nonce and its native balance stay put.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Address, Hex } from "viem";
import { createWalletClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import {
  cancellationToWire,
  mockUSDCAbi,
  plauditDomain,
  RELAY_ACTIONS,
  subscriptionAuthorizationTypedData,
  subscriptionToWire,
  tipToWire,
  type SubscriptionMessage,
} from "@plaudit/protocol";
import type { RunningKeeper } from "../../../keeper/src/index.js";
import { createLocalChain, deployPool, USD, type LocalChain, type PoolFixture } from "../chain-fixture.js";
import { startTestKeeper, tempDir } from "../keeper-fixture.js";
import { rawRequest, type RawResponse } from "./harness.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 100);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1e308,
    2 ** 53,
    1.5,
    "",
    "-1",
    "1e18",
    "0x10",
    "115792089237316195423570985008687907853269984665640564039457584007913129639936",
    "9".repeat(100),
    "0x",
    "0xZZ",
    "0x" + "0".repeat(40),
    "0x" + "f".repeat(130),
    "__proto__",
    "\u0000",
    [],
    {},
    { kind: "eip2612" },
    { kind: "none", extra: 1 },
  ),
  fc.string({ maxLength: 40 }),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map((b) => b.toString()),
  fc.jsonValue({ maxDepth: 3 }),
);

describe("keeper relay under hostile requests (fast-check)", function () {
  this.timeout(180_000);
  let chain: LocalChain;
  let fixture: PoolFixture;
  let keeper: RunningKeeper;
  let dir: ReturnType<typeof tempDir>;
  let relayer: Address;
  const valid: Record<string, Record<string, unknown>> = {};

  before(async () => {
    chain = await createLocalChain();
    fixture = await deployPool(chain, { token: "MockUSDC" });
    await fixture.goToEpoch(0n, 10n);
    const { key: relayKey, account } = await chain.fundedAccount();
    relayer = account.address;
    dir = tempDir();
    keeper = await startTestKeeper(fixture, {
      dataDir: dir.path,
      relayKey,
      relayAccountRate: 1e9,
      relayIpRate: 1e9,
      ipRate: 1e9,
    });
    // A reader with USDC whose valid requests the hostile ones are edited from (it signs, never sends).
    const reader = privateKeyToAccount(generatePrivateKey());
    const minter = createWalletClient({ account: fixture.deployer, chain: hardhat, transport: chain.transport });
    await chain.publicClient.waitForTransactionReceipt({
      hash: await minter.writeContract({
        address: fixture.token,
        abi: mockUSDCAbi,
        functionName: "mint",
        args: [reader.address, 100n * USD],
      }),
    });
    const deadline = (await chain.latestTime()) + 3600n;
    const terms: SubscriptionMessage = {
      reader: reader.address,
      amountPerEpoch: USD,
      epochs: 1n,
      firstEpoch: 0n,
      relayerFee: 0n,
      nonce: 0n,
      deadline,
    };
    const tokenDomain = { name: "USD Coin", version: "2", chainId: fixture.chainId, verifyingContract: fixture.token };
    const domain = plauditDomain(fixture.chainId, fixture.pool);
    const signature = await reader.signTypedData(subscriptionAuthorizationTypedData(tokenDomain, domain, terms));
    valid["subscribe-with-authorization"] = { subscription: subscriptionToWire(terms), signature };
    valid["subscribe-by-signature"] = { subscription: subscriptionToWire(terms), permit: { kind: "none" }, signature };
    const cancellation = { reader: reader.address, fromEpoch: 1n, relayerFee: 0n, nonce: 0n, deadline };
    valid["cancel"] = { cancellation: cancellationToWire(cancellation), signature };
    valid["withdraw"] = {
      withdrawal: { reader: reader.address, relayerFee: "0", nonce: "0", deadline: String(deadline) },
      signature,
    };
    valid["revoke-sessions"] = {
      revocation: { reader: reader.address, nonce: "0", deadline: String(deadline) },
      signature,
    };
    valid["claim"] = { creator: fixture.creators[0] as Address };
    const tip = tipToWire({
      reader: reader.address,
      creator: fixture.creators[0] as Address,
      amount: USD,
      relayerFee: 0n,
      nonce: 0n,
      deadline,
    });
    valid["tip-with-authorization"] = { tip, signature };
    valid["tip-by-signature"] = { tip, permit: { kind: "none" }, signature };
  });

  after(async () => {
    await keeper.stop();
    dir.remove();
    await chain.close();
  });

  async function relaySpend() {
    return {
      nonce: await chain.publicClient.getTransactionCount({ address: relayer }),
      balance: await chain.publicClient.getBalance({ address: relayer }),
    };
  }

  /** Sends one request; checks that it gets no 5xx, a JSON error when refused, and costs nothing unless accepted. */
  async function attack(options: Parameters<typeof rawRequest>[1]): Promise<RawResponse> {
    const before = await relaySpend();
    const res = await rawRequest(keeper.url, options);
    const context = `${options.method} ${options.path} ${String(options.body).slice(0, 200)} -> ${res.status} ${res.text.slice(0, 300)}`;
    expect(res.status, context).to.be.within(200, 499);
    if (res.status >= 400 && res.text.length > 0) {
      const json = JSON.parse(res.text) as { error?: { code?: unknown; message?: unknown } };
      expect(json.error?.code, context).to.be.a("string");
      expect(json.error?.message, context).to.be.a("string").and.not.equal("");
    }
    if (res.status !== 202) expect(await relaySpend(), `${context}: a refused relay cost gas`).to.deep.equal(before);
    return res;
  }

  /** A value of the right wire type for `key`, wrong in value: it passes the schema and reaches the simulation. */
  function wellTyped(key: string): fc.Arbitrary<unknown> {
    if (key === "reader" || key === "creator") {
      return fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
    }
    if (key === "signature") {
      return fc.uint8Array({ minLength: 65, maxLength: 65 }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
    }
    if (key === "epochs") return fc.integer({ min: 1, max: 120 }).map(String);
    return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
  }

  /** A hostile edit of a valid body of `action`: a field (or a nested one) replaced, dropped or added. */
  function hostileBody(action: (typeof RELAY_ACTIONS)[number]): fc.Arbitrary<string> {
    const base = valid[action] as Record<string, unknown>;
    const paths: string[][] = [];
    for (const [key, value] of Object.entries(base)) {
      paths.push([key]);
      if (typeof value === "object" && value !== null) for (const inner of Object.keys(value)) paths.push([key, inner]);
    }
    const edit = (path: string[], value: unknown, drop: boolean) => {
      const copy = structuredClone(base);
      let target: Record<string, unknown> = copy;
      for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
      const last = path[path.length - 1] as string;
      if (drop) delete target[last];
      else target[last] = value;
      return JSON.stringify(copy);
    };
    const text = JSON.stringify(base);
    return fc.oneof(
      fc
        .constantFrom(...paths.filter((path) => path[path.length - 1] !== "kind"))
        .chain((path) => wellTyped(path[path.length - 1] as string).map((value) => edit(path, value, false))),
      fc
        .record({ path: fc.constantFrom(...paths), value: hostileValue })
        .map(({ path, value }) => edit(path, value, false)),
      fc.constantFrom(...paths).map((path) => edit(path, undefined, true)),
      fc
        .record({ key: fc.string({ maxLength: 10 }), value: hostileValue })
        .map(({ key, value }) => JSON.stringify({ ...base, [key]: value })),
      fc.nat({ max: text.length - 1 }).map((at) => text.slice(0, at)),
      hostileValue.map((value) => JSON.stringify(value) ?? ""),
    );
  }

  it("answers hostile edits of valid relay requests with 4xx JSON errors that cost nothing", async () => {
    const actions = RELAY_ACTIONS.filter(
      (a) => a !== "claim" && a !== "subscribe-with-authorization" && a !== "tip-with-authorization",
    );
    const codes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...actions).chain((action) => hostileBody(action).map((body) => ({ action, body }))),
        async ({ action, body }) => {
          const res = await attack({
            method: "POST",
            path: `/v1/relay/${action}`,
            headers: { "content-type": "application/json" },
            body,
          });
          if (res.status >= 400) codes.add((JSON.parse(res.text) as { error: { code: string } }).error.code);
        },
      ),
      { numRuns: RUNS, seed: Number(process.env["FUZZ_SEED"] ?? 0x5eed) },
    );
    // The edits reach every layer: the schema and the pool's own checks (by simulation).
    expect([...codes]).to.include.members(["invalid_body", "relay_reverts"]);
  });

  it("answers random methods, paths and bodies under /v1/relay/ without a 5xx", async () => {
    const paths = fc.oneof(
      fc.constantFrom(
        ...RELAY_ACTIONS.map((a) => `/v1/relay/${a}`),
        "/v1/relay/policy",
        "/v1/relay/",
        "/v1/relay/transactions/0x" + "0".repeat(64),
        "/v1/relay/transactions/0xabc",
        "/v1/relay/transactions/%ZZ",
        "/v1/relay/claim/extra",
      ),
      fc.string({ maxLength: 40 }).map((s) => `/v1/relay/${encodeURIComponent(s)}`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "DELETE"),
        paths,
        fc.option(hostileValue),
        async (method, path, body) => {
          const text = body === null ? undefined : (JSON.stringify(body) as string | undefined);
          await attack({ method, path, headers: { "content-type": "application/json" }, body: text });
        },
      ),
      { numRuns: RUNS, seed: Number(process.env["FUZZ_SEED"] ?? 0x5eed) },
    );
  });

  it("still relays a valid request afterwards", async () => {
    const res = await attack({
      method: "POST",
      path: "/v1/relay/subscribe-with-authorization",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(valid["subscribe-with-authorization"]),
    });
    expect(res.status, res.text).to.equal(202);
    const hash = (JSON.parse(res.text) as { hash: Hex }).hash;
    const outcome = await rawRequest(keeper.url, { method: "GET", path: `/v1/relay/transactions/${hash}` });
    expect((JSON.parse(outcome.text) as { status: string }).status).to.equal("confirmed");
  });
});
