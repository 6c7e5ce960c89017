/** The static servers of the local system and the browser test. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { serveApp, serveEmbeddingPage, staticPath } from "../../scripts/local/servers.js";

/** GET with the path sent as is (fetch would normalise `..` away). */
function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }),
      );
    });
    req.once("error", reject);
    req.end();
  });
}

describe("local system: static servers", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "plaudit-servers-"));
    mkdirSync(join(root, "dist", "assets"), { recursive: true });
    writeFileSync(join(root, "dist", "index.html"), "<h1>app</h1>");
    writeFileSync(join(root, "dist", "assets", "a.js"), "console.log(1)");
    writeFileSync(join(root, "secret.txt"), "outside dist");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("serves the built app, the current plaudit.json, and 404 for what is missing", async () => {
    let json = '{"v":1}';
    const app = await serveApp(join(root, "dist"), () => json, { host: "127.0.0.1" });
    try {
      expect(app.url).to.equal(`http://localhost:${app.port}/`);
      expect(await get(app.port, "/")).to.include({ status: 200, body: "<h1>app</h1>" });
      expect(await get(app.port, "/assets/a.js")).to.include({ status: 200, type: "text/javascript; charset=utf-8" });
      expect(await get(app.port, "/plaudit.json")).to.include({ status: 200, body: '{"v":1}' });
      json = '{"v":2}';
      expect((await get(app.port, "/plaudit.json")).body).to.equal('{"v":2}');
      expect((await get(app.port, "/nope.js")).status).to.equal(404);
    } finally {
      await app.stop();
    }
  });

  it("never serves a file outside the app's directory", async () => {
    const app = await serveApp(join(root, "dist"), () => "{}", { host: "127.0.0.1" });
    try {
      for (const path of ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"]) {
        const answer = await get(app.port, path);
        expect(answer.body, path).to.not.equal("outside dist");
      }
    } finally {
      await app.stop();
    }
    expect(staticPath("/srv/dist", "/%2e%2e/%2e%2e/etc/passwd")).to.satisfy(
      (p: string | undefined) => p === undefined || p.startsWith("/srv/dist/"),
    );
    expect(staticPath("/srv/dist", "/%E0%A4%A")).to.equal(undefined);
  });

  it("serves the embedding page on 127.0.0.1, another site than localhost", async () => {
    const site = await serveEmbeddingPage("<p>creator</p>");
    try {
      expect(site.url).to.equal(`http://127.0.0.1:${site.port}/`);
      expect(await get(site.port, "/any/item")).to.include({ status: 200, body: "<p>creator</p>" });
    } finally {
      await site.stop();
    }
  });
});
