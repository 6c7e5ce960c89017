/**
 * One bounded HTTP(S) GET for page discovery. The host is resolved here, every resolved address is
 * checked (address-policy.ts), and the connection goes to the checked address (no second lookup a DNS
 * rebinding could answer differently). Limits: http(s) only, a total time, a body size, and redirects
 * only to the same host (at most a few). Nothing is decompressed (identity encoding is asked for).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";

import { mayConnect } from "./address-policy.js";

export interface FetchLimits {
  /** Addresses allowed although private or loopback (normalized, see address-policy.ts). */
  allow: ReadonlySet<string>;
  /** ms for the whole fetch: connection, redirects and body. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

/** Why a fetch was refused before or while connecting: the address or a redirect. */
export class FetchRefused extends Error {
  override readonly name = "FetchRefused";
  constructor(
    readonly reason: "address" | "redirect" | "scheme",
    message: string,
  ) {
    super(message);
  }
}

/** The page could not be fetched within the limits (network error, timeout, size, status). */
export class FetchFailed extends Error {
  override readonly name = "FetchFailed";
}

export interface FetchedPage {
  /** The URL finally answered (after same-host redirects). */
  url: URL;
  contentType: string;
  body: string;
}

/** A `lookup` that resolves `hostname`, refuses it unless every address may be connected to, and answers them. */
function checkedLookup(allow: ReadonlySet<string>): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses: LookupAddress[]) => {
      if (error !== null) {
        callback(error, "", 0);
        return;
      }
      // One refused address refuses the host: a resolver may rotate its answers between lookups.
      const refused = addresses.find((a) => !mayConnect(a.address, allow));
      if (refused !== undefined || addresses.length === 0) {
        callback(
          new FetchRefused("address", `${hostname} resolves to ${refused?.address ?? "nothing"}, not a public address`),
          "",
          0,
        );
        return;
      }
      if (options.all === true) callback(null, addresses);
      else callback(null, (addresses[0] as LookupAddress).address, (addresses[0] as LookupAddress).family);
    });
  };
}

/** The host part of a URL without IPv6 brackets. */
function bareHost(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

function getOnce(url: URL, limits: FetchLimits, signal: AbortSignal): Promise<IncomingMessage> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Promise.reject(new FetchRefused("scheme", `${url.protocol} is not http(s)`));
  }
  const host = bareHost(url);
  if (isIP(host) !== 0 && !mayConnect(host, limits.allow)) {
    return Promise.reject(new FetchRefused("address", `${host} is not a public address`));
  }
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "GET",
      lookup: checkedLookup(limits.allow),
      signal,
      headers: {
        accept: "text/html, application/json;q=0.9, text/plain;q=0.8",
        "accept-encoding": "identity",
        "user-agent": "PlauditKeeper/1 (page discovery)",
      },
    });
    req.once("response", resolve);
    req.once("error", reject);
    req.end();
  });
}

/** Reads `res` up to `maxBytes`, else fails. */
function readBody(res: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(res.headers["content-length"] ?? "0");
  if (declared > maxBytes) {
    res.destroy();
    return Promise.reject(new FetchFailed(`the page is ${declared} bytes, more than the limit of ${maxBytes}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(new FetchFailed(`the page is more than the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.once("error", reject);
    res.once("close", () => {
      if (!res.complete) reject(new FetchFailed("the connection closed before the page ended"));
    });
  });
}

/** Fetches `url` within `limits`, following redirects only within its host. */
export async function fetchPage(url: URL, limits: FetchLimits): Promise<FetchedPage> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let current = url;
  try {
    for (let redirects = 0; ; redirects++) {
      const res = await getOnce(current, limits, signal);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location !== undefined) {
        res.resume();
        if (redirects >= limits.maxRedirects) throw new FetchFailed(`more than ${limits.maxRedirects} redirects`);
        let next: URL;
        try {
          next = new URL(res.headers.location, current);
        } catch {
          throw new FetchFailed("a redirect to an unparseable URL");
        }
        if (next.hostname !== current.hostname) {
          throw new FetchRefused("redirect", `a redirect from ${current.host} to another host (${next.host})`);
        }
        current = next;
        continue;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        throw new FetchFailed(`${current.host} answered ${status}`);
      }
      const body = await readBody(res, limits.maxBytes);
      return { url: current, contentType: String(res.headers["content-type"] ?? ""), body };
    }
  } catch (error) {
    if (error instanceof FetchRefused || error instanceof FetchFailed) throw error;
    if (signal.aborted) throw new FetchFailed(`no complete answer within ${limits.timeoutMs} ms`);
    throw new FetchFailed(`fetching ${current.host} failed: ${(error as Error).message}`);
  }
}
