/**
 * Static servers of the local system and the browser test: the built dApp (with the deployment's
 * `plaudit.json`) reached as http://localhost:PORT, and a creator's page on http://127.0.0.1:PORT, a
 * different site, that embeds Plaudit buttons with the dApp's snippet.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

export interface Served {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface ListenOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** Absent: every interface (the app) or 127.0.0.1 (the embedding page). */
  host?: string;
}

async function listen(server: Server, port: number, host: string | undefined): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (host === undefined) server.listen(port, () => resolve());
    else server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function stopper(server: Server) {
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

/** The file under `root` a request path names, or undefined for a path that leaves it. */
export function staticPath(root: string, requestPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath === "/" ? "/index.html" : requestPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const relative = normalize(decoded).replace(/^([/\\]*\.\.[/\\])+/, "");
  if (relative.split(/[/\\]/).includes("..")) return undefined;
  return join(root, relative);
}

/** Serves `dist` and `/plaudit.json` (asked for on every request, so it may change). */
export async function serveApp(
  dist: string,
  deploymentJson: () => string,
  options: ListenOptions = {},
): Promise<Served> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/plaudit.json") {
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(deploymentJson());
        return;
      }
      const file = staticPath(dist, path);
      if (file === undefined) {
        res.writeHead(400).end("bad path");
        return;
      }
      try {
        const body = await readFile(file);
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
        res.end(body);
      } catch {
        res.writeHead(404).end("not found");
      }
    })();
  });
  const port = await listen(server, options.port ?? 0, options.host);
  return { url: `http://localhost:${port}/`, port, stop: stopper(server) };
}

/** Serves one HTML page on 127.0.0.1 (by default), another site than localhost. */
export async function serveEmbeddingPage(html: string, options: ListenOptions = {}): Promise<Served> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  });
  const host = options.host ?? "127.0.0.1";
  const port = await listen(server, options.port ?? 0, host);
  return { url: `http://${host}:${port}/`, port, stop: stopper(server) };
}
