/**
 * rpcFetch: the keeper's JSON-RPC transport (viem `http` with undici's `request` as its fetch) keeps what
 * the keeper relies on from an answer: its result, a 429's Retry-After, the size limit, the timeout and
 * the difference between an RPC error and a failing endpoint.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { expect } from "chai";
import { BaseError, createPublicClient, http } from "viem";

import { isTransportFailure } from "../../keeper/src/chain.js";
import { rateLimitWaitMs, sleep } from "../../keeper/src/retry.js";
import { MAX_RPC_ANSWER_BYTES, RpcAnswerTooLarge, rpcFetch } from "../../keeper/src/rpc-fetch.js";

interface Received {
  headers: IncomingMessage["headers"];
  body: { method?: string; id?: number };
}

/** An HTTP endpoint answering every request with `answer`; what it received, and when a client left. */
async function endpoint(answer: (res: ServerResponse, received: Received) => void) {
  const received: Received[] = [];
  let closed = 0;
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => {
      const one = { headers: req.headers, body: JSON.parse(text) as Received["body"] };
      received.push(one);
      res.on("close", () => closed++);
      answer(res, one);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    closed: () => closed,
    client: (timeout = 10_000) =>
      createPublicClient({
        transport: http(`http://127.0.0.1:${port}`, { retryCount: 0, timeout, fetchFn: rpcFetch }),
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Endpoint = Awaited<ReturnType<typeof endpoint>>;

/** Runs `check` against an endpoint answering with `answer`, and closes the endpoint whatever happens. */
async function withEndpoint(
  answer: (res: ServerResponse, received: Received) => void,
  check: (rpc: Endpoint) => Promise<void>,
): Promise<void> {
  const rpc = await endpoint(answer);
  try {
    await check(rpc);
  } finally {
    await rpc.close();
  }
}

async function failure(call: Promise<unknown>): Promise<BaseError> {
  try {
    await call;
  } catch (error) {
    expect(error).to.be.instanceOf(BaseError);
    return error as BaseError;
  }
  throw new Error("the call succeeded");
}

describe("rpcFetch (the keeper's JSON-RPC transport)", function () {
  it("posts the JSON-RPC call as JSON and hands viem the result", async function () {
    await withEndpoint(
      (res, { body }) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: "0x7a69" }));
      },
      async (rpc) => {
        expect(await rpc.client().getChainId()).to.equal(31337);
        expect(rpc.received[0]?.body.method).to.equal("eth_chainId");
        expect(rpc.received[0]?.headers["content-type"]).to.equal("application/json");
      },
    );
  });

  it("keeps a 429's status and Retry-After, so the keeper backs off as asked", async function () {
    await withEndpoint(
      (res) => {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: 429, message: "rate limited" } }));
      },
      async (rpc) => {
        const error = await failure(rpc.client().getChainId());
        expect(rateLimitWaitMs(error)).to.equal(7000);
      },
    );
  });

  it("tells an RPC error answer apart from a failing endpoint", async function () {
    await withEndpoint(
      (res, { body }) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, error: { code: -32602, message: "invalid params" } }));
      },
      async (rpc) => {
        const error = await failure(rpc.client().getChainId());
        expect(error.shortMessage).to.match(/invalid/i);
        expect(isTransportFailure(error)).to.equal(false);
        expect(rateLimitWaitMs(error)).to.equal(undefined);
      },
    );
  });

  it("refuses an answer larger than the limit instead of reading it whole", async function () {
    await withEndpoint(
      (res) => {
        // No Content-Length: the size shows only while reading.
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = "x".repeat(1024 * 1024);
        const write = (left: number): void => {
          if (left <= 0 || res.destroyed) return void res.end();
          if (res.write(chunk)) write(left - chunk.length);
          else res.once("drain", () => write(left - chunk.length));
        };
        write(MAX_RPC_ANSWER_BYTES + 2 * chunk.length);
      },
      async (rpc) => {
        const error = await failure(rpc.client().getChainId());
        expect(error.walk((e) => e instanceof RpcAnswerTooLarge)).to.be.instanceOf(RpcAnswerTooLarge);
        expect(isTransportFailure(error)).to.equal(true);
      },
    );
  });

  it("gives up on a stalled answer at the timeout and closes the connection", async function () {
    await withEndpoint(
      (res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"jsonrpc":"2.0",');
      },
      async (rpc) => {
        const error = await failure(rpc.client(200).getChainId());
        expect(error.name).to.equal("TimeoutError");
        expect(isTransportFailure(error)).to.equal(true);
        for (let waited = 0; rpc.closed() === 0 && waited < 2000; waited += 20) {
          await sleep(20);
        }
        expect(rpc.closed()).to.equal(1);
      },
    );
  });
});
