/**
 * Finds the Plaudit creator of a page that has no button, in this order: a `plaudit:creator` meta tag, a
 * `<link rel="payment">` to a Plaudit creator URL, a FLOSS/fund manifest (`/.well-known/funding-manifest-urls`
 * naming `funding.json` URLs of the same host) with a channel whose address is an Ethereum address or a
 * Plaudit creator URL, and a Drips `FUNDING.json` with an `ownedBy` address. The page is fetched once;
 * the manifests only when the page names no creator, each within the same limits.
 */
import { getAddress, isAddress, type Address } from "viem";

import { cleanItemTitle, type DiscoverySource } from "@plaudit/protocol";
import { fetchPage, FetchFailed, FetchRefused, type FetchLimits } from "./fetch-page.js";
import { readPage } from "./read-page.js";

export interface DiscoveryLimits extends FetchLimits {
  /** Largest manifest (funding-manifest-urls, funding.json, FUNDING.json) read. */
  maxManifestBytes: number;
}

export const DISCOVERY_DEFAULTS = {
  timeoutMs: 5_000,
  maxBytes: 512 * 1024,
  maxManifestBytes: 64 * 1024,
  maxRedirects: 3,
} as const;

/** funding.json URLs tried from one funding-manifest-urls file. */
const MAX_MANIFEST_URLS = 3;
/** funding.json channels looked at. */
const MAX_CHANNELS = 32;

export type DiscoveryResult =
  | { found: true; creator: Address; title: string | null; source: DiscoverySource }
  | { found: false; title: string | null };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** A Plaudit creator URL: its path or fragment is `/c/<address>` (the dApp's `#/c/0x…`). */
const CREATOR_PATH = /(?:^|\/)c\/(0x[0-9a-fA-F]{40})\/?$/;

function addressOf(value: unknown): Address | undefined {
  return typeof value === "string" && ADDRESS.test(value.trim()) && isAddress(value.trim(), { strict: false })
    ? getAddress(value.trim())
    : undefined;
}

/** The creator a Plaudit creator URL names, if `href` is one. */
export function creatorOfUrl(href: string, base?: URL): Address | undefined {
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  const match = CREATOR_PATH.exec(url.hash.replace(/^#/, "")) ?? CREATOR_PATH.exec(url.pathname);
  return match === null ? undefined : addressOf(match[1]);
}

async function fetchJson(url: URL, limits: DiscoveryLimits): Promise<unknown> {
  try {
    const { body } = await fetchPage(url, { ...limits, maxBytes: limits.maxManifestBytes });
    return JSON.parse(body) as unknown;
  } catch (error) {
    // A missing or broken manifest is no creator, not an error; a refused address or redirect is.
    if (error instanceof FetchRefused) throw error;
    if (error instanceof FetchFailed || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

async function fetchText(url: URL, limits: DiscoveryLimits): Promise<string | undefined> {
  try {
    return (await fetchPage(url, { ...limits, maxBytes: limits.maxManifestBytes })).body;
  } catch (error) {
    if (error instanceof FetchFailed) return undefined;
    throw error;
  }
}

/** The creator a FLOSS/fund funding.json names: a channel whose address is one, those naming Plaudit first. */
function creatorOfFundingJson(json: unknown): Address | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const funding = (json as { funding?: unknown }).funding;
  const channels = (funding as { channels?: unknown } | undefined)?.channels;
  if (!Array.isArray(channels)) return undefined;
  const candidates = channels.slice(0, MAX_CHANNELS).filter((c): c is Record<string, unknown> => {
    return typeof c === "object" && c !== null;
  });
  const mentionsPlaudit = (c: Record<string, unknown>) =>
    [c["guid"], c["description"]].some((v) => typeof v === "string" && v.toLowerCase().includes("plaudit"));
  for (const channel of [...candidates.filter(mentionsPlaudit), ...candidates]) {
    const address = channel["address"];
    const found = addressOf(address) ?? (typeof address === "string" ? creatorOfUrl(address) : undefined);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The `ownedBy` of a Drips FUNDING.json (`{ "drips": { "<network>": { "ownedBy": "0x…" } } }`), Ethereum first. */
function creatorOfDripsJson(json: unknown): Address | undefined {
  const drips = (json as { drips?: unknown } | null)?.drips;
  if (typeof drips !== "object" || drips === null) return undefined;
  const networks = Object.entries(drips as Record<string, unknown>).sort(([a], [b]) =>
    a === "ethereum" ? -1 : b === "ethereum" ? 1 : 0,
  );
  for (const [, network] of networks) {
    const found = addressOf((network as { ownedBy?: unknown } | null)?.ownedBy);
    if (found !== undefined) return found;
  }
  return undefined;
}

export async function discoverCreator(pageUrl: URL, limits: DiscoveryLimits): Promise<DiscoveryResult> {
  const page = await fetchPage(pageUrl, limits);
  const facts = readPage(page.body);
  const title = cleanItemTitle(facts.title) ?? null;

  const meta = addressOf(facts.metaCreator);
  if (meta !== undefined) return { found: true, creator: meta, title, source: "meta" };

  for (const href of facts.paymentLinks) {
    const creator = creatorOfUrl(href, page.url);
    if (creator !== undefined) return { found: true, creator, title, source: "link_payment" };
  }

  const origin = new URL("/", page.url);
  const manifestList = await fetchText(new URL("/.well-known/funding-manifest-urls", origin), limits);
  if (manifestList !== undefined) {
    const urls = manifestList
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith("#"))
      .slice(0, MAX_MANIFEST_URLS);
    for (const line of urls) {
      let url: URL;
      try {
        url = new URL(line, origin);
      } catch {
        continue;
      }
      // Only the page's own host: the well-known file is that host's word, another host's is not.
      if (url.hostname !== origin.hostname) continue;
      const creator = creatorOfFundingJson(await fetchJson(url, limits));
      if (creator !== undefined) return { found: true, creator, title, source: "funding_manifest" };
    }
  }

  const drips = creatorOfDripsJson(await fetchJson(new URL("/FUNDING.json", origin), limits));
  if (drips !== undefined) return { found: true, creator: drips, title, source: "drips_funding_json" };
  return { found: false, title };
}
