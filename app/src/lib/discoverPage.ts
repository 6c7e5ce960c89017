/**
 * "Applaud a page": finding the creator of any page through the keeper's `POST /v1/discover`
 * (docs/keeper-api.md "Discovery"), and reading the page a reader shared to the dApp (Web Share Target,
 * app/public/manifest.webmanifest). The keeper's answer is parsed with the protocol's schemas; every
 * error code the route answers with becomes a sentence; the keeper's own text never reaches the reader.
 */
import {
  discoverResponseSchema,
  errorBodySchema,
  MAX_ITEM_URL_LENGTH,
  normalizeItemUrl,
  type Discovered,
  type KeeperErrorCode,
} from "@plaudit/protocol";

/** How long the reader waits for the keeper's discovery (the keeper itself stops its fetch after 5 s). */
export const DISCOVER_TIMEOUT_MS = 15_000;

export type Discovery =
  | ({ kind: "found"; url: string } & Discovered)
  | { kind: "none"; url: string }
  | { kind: "failed"; url: string; code: string | undefined; sentence: string };

/** The error codes `POST /v1/discover` answers with (docs/keeper-api.md), each with its sentence. */
export const DISCOVER_ERROR_SENTENCES = {
  invalid_body: "Plaudit's keeper did not take that address: it must be a web page (http:// or https://).",
  malformed_json: "Plaudit's keeper could not read the request, a fault on Plaudit's side.",
  body_too_large: "That address is too long for Plaudit's keeper.",
  unsupported_media_type: "Plaudit's keeper could not read the request, a fault on Plaudit's side.",
  address_refused:
    "Plaudit's keeper will not visit that address: it points into a private or local network, not the public web.",
  redirect_refused: "That page sends visitors on to another site; applaud the page it leads to instead.",
  fetch_failed:
    "Plaudit's keeper could not load that page (it did not answer in time, was too large, or answered with an error).",
  rate_limited: "Plaudit's keeper is looking up many pages right now; try again in a few seconds.",
  request_timeout: "Plaudit's keeper took too long to hear the request; try again.",
  headers_too_large: "Plaudit's keeper could not read the request, a fault on Plaudit's side.",
  method_not_allowed: "This keeper does not look up pages (it is older than this dApp).",
  not_found: "This keeper does not look up pages (it is older than this dApp).",
  internal: "Plaudit's keeper failed while looking up the page; try again later.",
} as const satisfies Partial<Record<KeeperErrorCode, string>>;

const UNREACHABLE = "Plaudit's keeper cannot be reached; check your connection and try again.";
const NONSENSE = "Plaudit's keeper answered something this dApp does not understand.";
const NO_KEEPER = "No keeper is configured, and only a keeper can look up a page.";

export function discoverErrorSentence(code: string | undefined, status: number): string {
  if (code !== undefined && code in DISCOVER_ERROR_SENTENCES)
    return DISCOVER_ERROR_SENTENCES[code as keyof typeof DISCOVER_ERROR_SENTENCES];
  return status >= 500 ? DISCOVER_ERROR_SENTENCES.internal : `Plaudit's keeper refused the lookup (HTTP ${status}).`;
}

/** What the reader typed, as a page address: the canonical http(s) URL, or what is wrong in words. */
export function checkPageUrl(typed: string): { url: string } | { problem: string } {
  const text = typed.trim();
  if (text === "") return { problem: "Enter the address of the page you want to applaud." };
  if (text.length > MAX_ITEM_URL_LENGTH)
    return { problem: `That address is too long: at most ${MAX_ITEM_URL_LENGTH} characters.` };
  try {
    return { url: normalizeItemUrl(text) };
  } catch {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== "http" && scheme !== "https")
      return { problem: "Only a web page (http:// or https://) can be applauded." };
    return { problem: "Enter the page's full address, starting with https:// (like https://their.site/post)." };
  }
}

export interface DiscoverDeps {
  fetch: typeof fetch;
  /** The deployment's keeper, or undefined when it has none. */
  keeperUrl: string | undefined;
  signal?: AbortSignal;
}

/** Asks the keeper who the creator of `url` (already checked with `checkPageUrl`) is. */
export async function discoverPage(deps: DiscoverDeps, url: string): Promise<Discovery> {
  if (deps.keeperUrl === undefined) return { kind: "failed", url, code: undefined, sentence: NO_KEEPER };
  const root = deps.keeperUrl.replace(/\/+$/, "");
  const timeout = AbortSignal.timeout(DISCOVER_TIMEOUT_MS);
  // AbortSignal.any is recent (2023-24 browsers): without it, the caller's signal alone.
  const signal =
    deps.signal === undefined
      ? timeout
      : typeof AbortSignal.any === "function"
        ? AbortSignal.any([deps.signal, timeout])
        : deps.signal;
  let response: Response;
  try {
    response = await deps.fetch(`${root}/v1/discover`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url }),
      signal,
    });
  } catch (error) {
    if (deps.signal?.aborted === true) throw error;
    return { kind: "failed", url, code: undefined, sentence: UNREACHABLE };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (response.ok) {
    const found = discoverResponseSchema.safeParse(body);
    if (!found.success) return { kind: "failed", url, code: undefined, sentence: NONSENSE };
    return { kind: "found", url, ...found.data };
  }
  const refusal = errorBodySchema.safeParse(body);
  const code = refusal.success ? refusal.data.error.code : undefined;
  if (code === "no_creator_found") return { kind: "none", url };
  return { kind: "failed", url, code, sentence: discoverErrorSentence(code, response.status) };
}

/** The first http(s) URL in a text (as Android shares a page: "Title https://…"), trailing punctuation left off. */
function urlInText(text: string): string | undefined {
  const match = /https?:\/\/[^\s<>"'`]+/i.exec(text);
  return match?.[0].replace(/[.,;:!?)\]}»”’]+$/u, "");
}

/**
 * The page a reader shared to the dApp (the Web Share Target's GET `?title=&text=&url=`): `url` when it is
 * an http(s) URL, else the first one inside `text`; undefined when the query shares none.
 */
export function sharedPageUrl(search: string): string | undefined {
  const params = new URLSearchParams(search);
  for (const candidate of [params.get("url"), urlInText(params.get("text") ?? "")]) {
    if (candidate === null || candidate === undefined || candidate.trim() === "") continue;
    const checked = checkPageUrl(candidate);
    if ("url" in checked) return checked.url;
  }
  return undefined;
}

/** Where the dApp goes for a shared page: the Applaud page with the address filled in. */
export function applaudRoute(url: string | undefined): string {
  return url === undefined ? "#/applaud" : `#/applaud?url=${encodeURIComponent(url)}`;
}

/** The address the Applaud page starts with, from its route (`#/applaud?url=…`). */
export function prefilledUrl(hash: string): string {
  const query = hash.indexOf("?");
  return query === -1 ? "" : (new URLSearchParams(hash.slice(query + 1)).get("url") ?? "");
}
