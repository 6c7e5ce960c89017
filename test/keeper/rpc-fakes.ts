/** RPC plumbing for fault tests: an EIP-1193 provider that fails some calls, and an HTTP bridge to one. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { EIP1193Provider } from "viem";

/**
 * Fails calls the `shouldFail` decides on: "before" (never reaches the chain) or "after" (reaches the
 * chain, the answer is lost). Counts the failures.
 */
export function flakyProvider(
  inner: EIP1193Provider,
  shouldFail: (method: string, n: number) => "before" | "after" | undefined,
): { provider: EIP1193Provider; failures: () => number } {
  let calls = 0;
  let failures = 0;
  const fail = () => {
    failures++;
    return Object.assign(new Error("flaky RPC: limit exceeded"), { code: -32005 });
  };
  const provider = {
    ...inner,
    request: async (args: { method: string; params?: unknown }) => {
      const mode = shouldFail(args.method, calls++);
      if (mode === "before") throw fail();
      const result = await inner.request(args as never);
      if (mode === "after") throw fail();
      return result;
    },
  } as EIP1193Provider;
  return { provider, failures: () => failures };
}

/** Serves `provider` as JSON-RPC over HTTP, so a keeper in a child process can reach an in-process chain. */
export async function serveRpc(
  provider: EIP1193Provider,
  /** Runs after a call reached the chain and before its answer is sent. */
  afterCall: (method: string) => void | Promise<void> = () => undefined,
  /** A fixed port, e.g. to come back where a closed endpoint was; 0 = any free port. */
  port = 0,
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const answer = async (call: { id: unknown; method: string; params?: unknown[] }) => {
    try {
      const result = await provider.request({ method: call.method, params: call.params } as never);
      await afterCall(call.method);
      return { jsonrpc: "2.0", id: call.id, result };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: call.id,
        error: { code: e.code ?? -32603, message: e.message ?? String(error), data: e.data },
      };
    }
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: Parameters<typeof answer>[0] | Parameters<typeof answer>[0][];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
      } catch {
        // A client that gave up mid-request (its timeout) leaves a cut body: answer as a node would.
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
        return;
      }
      const reply = Array.isArray(body) ? Promise.all(body.map(answer)) : answer(body);
      reply.then(
        (r) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
