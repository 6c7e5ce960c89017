/**
 * The `fetch` of the keeper's HTTP JSON-RPC transport (viem's `fetchFn`): undici's `request`, without
 * the WHATWG layer of Node's built-in `fetch` (Request, Response and web streams around the same
 * undici). That layer cost about half of the 1 ms of CPU one JSON-RPC call took on the 2-core machines
 * here; with a budget read for each new reader, RPC calls were a tenth of the ingest path's CPU.
 *
 * viem reads only `ok`, `status`, `statusText`, `headers` and `text()` of an answer whose `body` is null
 * (viem/utils/rpc/http.ts), so the answer is that much of a Response. Its body is read here, up to
 * `MAX_RPC_ANSWER_BYTES` (viem's own default limit): a hostile endpoint cannot fill the memory.
 */
import { STATUS_CODES } from "node:http";

import { request } from "undici";

/** The largest JSON-RPC answer read (viem's default `maxResponseBodySize`, 10 MiB). */
export const MAX_RPC_ANSWER_BYTES = 10 * 1024 * 1024;

export class RpcAnswerTooLarge extends Error {
  override readonly name = "RpcAnswerTooLarge";
}

export const rpcFetch: typeof fetch = async (input, init) => {
  const { statusCode, headers, body } = await request(input instanceof Request ? input.url : String(input), {
    method: init?.method ?? "POST",
    headers: init?.headers as Record<string, string> | undefined,
    body: init?.body as string | undefined,
    signal: init?.signal ?? undefined,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RPC_ANSWER_BYTES) {
      body.destroy();
      throw new RpcAnswerTooLarge(`the RPC's answer exceeds ${MAX_RPC_ANSWER_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks, size).toString("utf8");
  const answerHeaders = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) answerHeaders.append(name, one);
  }
  const answer: Pick<Response, "ok" | "status" | "statusText" | "headers" | "body" | "text"> = {
    ok: statusCode >= 200 && statusCode < 300,
    status: statusCode,
    statusText: STATUS_CODES[statusCode] ?? "",
    headers: answerHeaders,
    body: null,
    text: async () => text,
  };
  return answer as Response;
};
