/**
 * Page discovery (keeper/src/discover): the fetcher and reader against local test servers serving each
 * discovery form, a page with none, redirects, private addresses, a slow and a huge page; and the keeper's
 * `POST /v1/discover` route over it (answers, error codes, per-IP rate).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { expect } from "chai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { discoverResponseSchema, errorBodySchema } from "@plaudit/protocol";
import { allowList, mayConnect } from "../../keeper/src/discover/address-policy.js";
import { discoverCreator, type DiscoveryLimits } from "../../keeper/src/discover/discover.js";
import { FetchFailed, FetchRefused } from "../../keeper/src/discover/fetch-page.js";
import type { RunningKeeper } from "../../keeper/src/index.js";
import { createLocalChain, deployPool, type LocalChain } from "./chain-fixture.js";
import { postJson, startTestKeeper, tempDir } from "./keeper-fixture.js";

/** What a test site answers at a path: a body (HTML by default), or a handler of its own. */
type Answer = string | { type?: string; body: string } | ((req: IncomingMessage, res: ServerResponse) => void);

interface Site {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function site(paths: Record<string, Answer>): Promise<Site> {
  const server: Server = createServer((req, res) => {
    const answer = paths[new URL(req.url ?? "/", "http://x").pathname];
    if (answer === undefined) {
      res.writeHead(404).end("not here");
      return;
    }
    if (typeof answer === "function") {
      answer(req, res);
      return;
    }
    const { type, body } = typeof answer === "string" ? { type: "text/html; charset=utf-8", body: answer } : answer;
    res
      .writeHead(200, { "content-type": type ?? "application/json", "content-length": Buffer.byteLength(body) })
      .end(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const LOCAL = allowList(["127.0.0.1", "::1"]);
const LIMITS: DiscoveryLimits = {
  allow: LOCAL,
  timeoutMs: 1_000,
  maxBytes: 16 * 1024,
  maxManifestBytes: 4 * 1024,
  maxRedirects: 2,
};

const creator = privateKeyToAccount(generatePrivateKey()).address;
const page = (head: string, body = "<p>hello</p>") =>
  `<!doctype html><html><head><title>A &amp; B\n  essay</title>${head}</head><body>${body}</body></html>`;

describe("page discovery", function () {
  this.timeout(30_000);
  const sites: Site[] = [];
  async function serve(paths: Record<string, Answer>): Promise<Site> {
    const s = await site(paths);
    sites.push(s);
    return s;
  }
  after(async () => {
    await Promise.all(sites.map((s) => s.close()));
  });

  describe("forms", () => {
    it("reads a plaudit:creator meta tag, with the page's title as text", async () => {
      const s = await serve({ "/post": page(`<meta name="plaudit:creator" content="${creator.toLowerCase()}">`) });
      expect(await discoverCreator(new URL(`${s.url}/post`), LIMITS)).to.deep.equal({
        found: true,
        creator,
        title: "A & B essay",
        source: "meta",
      });
    });

    it("reads a <link rel=payment> to a Plaudit creator URL, relative or absolute, skipping other payment links", async () => {
      const s = await serve({
        "/": page(
          `<link rel="payment" href="https://pay.example/donate"><link rel="me payment" href="https://app.example/#/c/${creator}">`,
        ),
      });
      const result = await discoverCreator(new URL(`${s.url}/`), LIMITS);
      expect(result).to.include({ found: true, creator, source: "link_payment" });
    });

    it("reads a FLOSS/fund funding.json named by /.well-known/funding-manifest-urls, preferring a Plaudit channel", async () => {
      const other = privateKeyToAccount(generatePrivateKey()).address;
      const s = await serve({
        "/": page(""),
        "/.well-known/funding-manifest-urls": { type: "text/plain", body: "# ours\n/funding.json\n" },
        "/funding.json": {
          body: JSON.stringify({
            version: "v1.0.0",
            funding: {
              channels: [
                { guid: "bank", type: "bank", address: "" },
                { guid: "eth", type: "other", address: other },
                { guid: "plaudit", type: "other", address: creator, description: "Plaudit" },
              ],
            },
          }),
        },
      });
      expect(await discoverCreator(new URL(`${s.url}/`), LIMITS)).to.include({
        found: true,
        creator,
        source: "funding_manifest",
      });
    });

    it("reads a Drips FUNDING.json ownedBy address", async () => {
      const s = await serve({
        "/article": page(""),
        "/FUNDING.json": { body: JSON.stringify({ drips: { ethereum: { ownedBy: creator } } }) },
      });
      expect(await discoverCreator(new URL(`${s.url}/article`), LIMITS)).to.include({
        found: true,
        creator,
        source: "drips_funding_json",
      });
    });

    it("takes the first form in order: a meta tag wins over a FUNDING.json", async () => {
      const other = privateKeyToAccount(generatePrivateKey()).address;
      const s = await serve({
        "/": page(`<meta name="plaudit:creator" content="${creator}">`),
        "/FUNDING.json": { body: JSON.stringify({ drips: { ethereum: { ownedBy: other } } }) },
      });
      expect(await discoverCreator(new URL(`${s.url}/`), LIMITS)).to.include({ creator, source: "meta" });
    });

    it("finds nothing on a page with none of them, nor in malformed manifests or a bad address", async () => {
      const s = await serve({
        "/": page(`<meta name="plaudit:creator" content="0x1234"><link rel="payment" href="javascript:alert(1)">`),
        "/.well-known/funding-manifest-urls": { type: "text/plain", body: "https://elsewhere.example/funding.json" },
        "/FUNDING.json": { body: "{ not json" },
      });
      expect(await discoverCreator(new URL(`${s.url}/`), LIMITS)).to.deep.equal({
        found: false,
        title: "A & B essay",
      });
    });
  });

  describe("limits", () => {
    it("follows a redirect within the host and refuses one to another host", async () => {
      const target = await serve({ "/": page(`<meta name="plaudit:creator" content="${creator}">`) });
      const s = await serve({
        "/moved": (_req, res) => res.writeHead(301, { location: "/here" }).end(),
        "/here": page(`<meta name="plaudit:creator" content="${creator}">`),
        "/away": (_req, res) => res.writeHead(302, { location: `http://localhost:${target.port}/` }).end(),
      });
      expect(await discoverCreator(new URL(`${s.url}/moved`), LIMITS)).to.include({ found: true, creator });
      const refused = await discoverCreator(new URL(`${s.url}/away`), LIMITS).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(FetchRefused).and.to.have.property("reason", "redirect");
    });

    it("refuses private, loopback, link-local and unique-local addresses, IPv4 and IPv6, unless allowed", async () => {
      const s = await serve({ "/": page(`<meta name="plaudit:creator" content="${creator}">`) });
      const none = { ...LIMITS, allow: allowList([]) };
      for (const url of [
        s.url,
        `http://localhost:${s.port}/`,
        `http://[::ffff:127.0.0.1]:${s.port}/`,
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[64:ff9b::a00:1]/",
        "http://0.0.0.0/",
      ]) {
        const error = await discoverCreator(new URL(url), none).catch((e: unknown) => e);
        expect(error, url).to.be.instanceOf(FetchRefused).and.to.have.property("reason", "address");
      }
      expect(await discoverCreator(new URL(s.url), LIMITS)).to.include({ found: true });
    });

    it("classifies only public unicast addresses as connectable", () => {
      const none = allowList([]);
      for (const ok of ["93.184.216.34", "2606:4700:4700::1111", "8.8.8.8"])
        expect(mayConnect(ok, none), ok).to.equal(true);
      for (const bad of ["127.0.0.1", "::ffff:10.0.0.1", "100.64.0.1", "224.0.0.1", "::", "fc00::1", "2002:a00:1::"]) {
        expect(mayConnect(bad, none), bad).to.equal(false);
      }
    });

    it("gives up on a page that does not finish within the time limit", async () => {
      const s = await serve({
        "/slow": (_req, res) => {
          res.writeHead(200, { "content-type": "text/html" });
          res.write("<html><head><title>never ends");
        },
      });
      const error = await discoverCreator(new URL(`${s.url}/slow`), { ...LIMITS, timeoutMs: 300 }).catch(
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(FetchFailed);
      expect((error as Error).message).to.contain("300 ms");
    });

    it("refuses a page larger than the size limit, declared or streamed", async () => {
      const huge = "x".repeat(LIMITS.maxBytes + 1);
      const s = await serve({
        "/declared": page("", huge),
        "/streamed": (_req, res) => {
          res.writeHead(200, { "content-type": "text/html" });
          res.write(huge.slice(0, 10_000));
          res.end(huge.slice(10_000));
        },
      });
      for (const path of ["/declared", "/streamed"]) {
        const error = await discoverCreator(new URL(`${s.url}${path}`), LIMITS).catch((e: unknown) => e);
        expect(error, path).to.be.instanceOf(FetchFailed);
        expect((error as Error).message, path).to.contain(`${LIMITS.maxBytes}`);
      }
    });
  });

  describe("POST /v1/discover", () => {
    let chain: LocalChain;
    let keeper: RunningKeeper;
    let dir: ReturnType<typeof tempDir>;

    before(async () => {
      chain = await createLocalChain();
      const fixture = await deployPool(chain);
      dir = tempDir();
      keeper = await startTestKeeper(fixture, {
        dataDir: dir.path,
        discoverAllowHosts: ["127.0.0.1", "::1"],
        discoverRate: 0.01,
      });
    });
    after(async () => {
      await keeper.stop();
      dir.remove();
      await chain.close();
    });

    it("answers the creator found, 404 no_creator_found, 422 for a refused redirect, 400 for a bad URL, then 429", async () => {
      const s = await serve({
        "/": page(`<meta name="plaudit:creator" content="${creator}">`),
        "/none": page(""),
        "/away": (_req, res) => res.writeHead(302, { location: "http://elsewhere.example/" }).end(),
      });
      const discover = (url: unknown) => postJson(`${keeper.url}/v1/discover`, { url });
      const found = await discover(`${s.url}/`);
      expect(found.status, JSON.stringify(found.body)).to.equal(200);
      expect(discoverResponseSchema.parse(found.body)).to.deep.equal({ creator, title: "A & B essay", source: "meta" });

      const none = await discover(`${s.url}/none`);
      expect(none.status).to.equal(404);
      expect(errorBodySchema.parse(none.body).error.code).to.equal("no_creator_found");

      const away = await discover(`${s.url}/away`);
      expect(away.status).to.equal(422);
      expect(errorBodySchema.parse(away.body).error.code).to.equal("redirect_refused");

      const bad = await discover("file:///etc/passwd");
      expect(bad.status).to.equal(400);
      expect(errorBodySchema.parse(bad.body).error.message).to.contain("url");

      // Three discoveries were the burst: the next one waits.
      const limited = await discover(`${s.url}/`);
      expect(limited.status).to.equal(429);
      expect(errorBodySchema.parse(limited.body).error.code).to.equal("rate_limited");
      expect(Number(limited.headers.get("retry-after"))).to.be.greaterThan(0);
    });
  });
});
