/**
 * A Hardhat node as a child process (in-memory chain, chain id 31337, Hardhat's default accounts), and
 * the few JSON-RPC calls the local system and the browser test make to it directly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

import { freePort } from "./ports.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface HardhatNode {
  rpcUrl: string;
  port: number;
  pid: number | undefined;
  /** Resolves when the process ends, for whatever reason, with its exit code or signal. */
  exited: Promise<string>;
  /** The node's last output (for error messages). */
  log(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (a forced shutdown). */
  kill(): void;
}

export async function jsonRpc<T>(rpcUrl: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** Starts the node without waiting for it; `ready()` waits until it answers JSON-RPC. */
export function spawnHardhatNode(options: {
  port: number;
  host?: string;
}): HardhatNode & { ready(timeoutMs?: number): Promise<void> } {
  const host = options.host ?? "127.0.0.1";
  const rpcUrl = `http://${host}:${options.port}`;
  const child: ChildProcess = spawn(
    fileURLToPath(new URL("node_modules/.bin/hardhat", `file://${repoRoot}`)),
    ["node", "--port", String(options.port), "--hostname", host],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } },
  );
  let output = "";
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-8000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => resolve(signal ?? `exit code ${code ?? "?"}`));
    child.once("error", (error) => resolve(`could not start: ${error.message}`));
  });
  let gone = false;
  void exited.then(() => void (gone = true));

  return {
    rpcUrl,
    port: options.port,
    pid: child.pid,
    exited,
    log: () => output,
    async ready(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (gone) throw new Error(`hardhat node exited (${await exited}):\n${output.slice(-2000)}`);
        try {
          await jsonRpc(rpcUrl, "eth_chainId");
          return;
        } catch {
          if (Date.now() > deadline)
            throw new Error(`hardhat node did not answer on ${rpcUrl} within ${timeoutMs} ms:\n${output.slice(-2000)}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    },
    kill() {
      if (!gone) child.kill("SIGKILL");
    },
    async stop(graceMs = 5000) {
      if (gone) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A Hardhat node on `port` (default: a free port), answering JSON-RPC. */
export async function startHardhatNode(options: { port?: number; host?: string } = {}): Promise<HardhatNode> {
  const node = spawnHardhatNode({
    port: options.port ?? (await freePort()),
    ...(options.host === undefined ? {} : { host: options.host }),
  });
  try {
    await node.ready();
  } catch (error) {
    await node.stop();
    throw error;
  }
  return node;
}

/** Mines one block now (chain time follows the wall clock unless it was moved). */
export async function mineBlock(rpcUrl: string): Promise<void> {
  await jsonRpc(rpcUrl, "evm_mine");
}

/** Moves chain time to `timestamp` and mines a block there. */
export async function travelTo(rpcUrl: string, timestamp: number): Promise<void> {
  await jsonRpc(rpcUrl, "evm_setNextBlockTimestamp", [timestamp]);
  await jsonRpc(rpcUrl, "evm_mine");
}
