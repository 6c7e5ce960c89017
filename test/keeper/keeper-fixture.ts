/** Starts an in-process keeper against a PoolFixture, with a temporary SQLite data dir. */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";

import { startKeeper, type RunningKeeper, type StartKeeperOptions } from "../../keeper/src/index.js";
import type { PoolFixture } from "./chain-fixture.js";

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "plaudit-keeper-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function startTestKeeper(
  fixture: PoolFixture,
  options: Partial<StartKeeperOptions> & { dataDir: string },
): Promise<RunningKeeper> {
  return startKeeper({
    transport: fixture.chain.transport,
    pool: fixture.pool,
    chainId: fixture.chainId,
    port: 0,
    settle: false,
    chainTimeTtlMs: 0,
    pollIntervalMs: 50,
    graceSeconds: 60,
    logLevel: process.env["KEEPER_TEST_LOG"] === undefined ? "silent" : "debug",
    ...options,
  });
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

export async function getJson(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Runs the keeper's command line (`keeper/src/cli.ts <args>`) as one process: node with tsx's loader.
 * Not through the `tsx` wrapper, which runs the keeper in a child process of its own: a SIGKILL would
 * kill the wrapper only and leave the keeper running, orphaned.
 */
export function spawnKeeperCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ["--import", "tsx", "keeper/src/cli.ts", ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
}
