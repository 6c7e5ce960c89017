/**
 * Two origins on two sites: the built dApp on http://localhost:PORT (with the deployment's
 * plaudit.json, as a deployment would write it) and a creator's page on http://127.0.0.1:PORT2 that
 * embeds the button with the snippet the dApp generates.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";

import { freePort } from "./ports.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

export interface Served {
  url: string;
  stop(): Promise<void>;
}

async function listen(server: Server, host?: string): Promise<number> {
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (host === undefined) server.listen(port, () => resolve());
    else server.listen(port, host, () => resolve());
  });
  return port;
}

function stopper(server: Server) {
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

/** Serves `dist` and `/plaudit.json`; reachable as http://localhost:PORT (all interfaces). */
export async function serveApp(dist: string, deploymentJson: () => string): Promise<Served> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/plaudit.json") {
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(deploymentJson());
        return;
      }
      const relative = normalize(path === "/" ? "/index.html" : decodeURIComponent(path)).replace(/^(\.\.[/\\])+/, "");
      try {
        const body = await readFile(join(dist, relative));
        res.writeHead(200, { "content-type": TYPES[extname(relative)] ?? "application/octet-stream" });
        res.end(body);
      } catch {
        res.writeHead(404).end("not found");
      }
    })();
  });
  const port = await listen(server);
  return { url: `http://localhost:${port}/`, stop: stopper(server) };
}

/** Serves one HTML page on 127.0.0.1, another site than localhost. */
export async function serveEmbeddingPage(html: string): Promise<Served> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  });
  const port = await listen(server, "127.0.0.1");
  return { url: `http://127.0.0.1:${port}/`, stop: stopper(server) };
}
