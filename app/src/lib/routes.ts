/**
 * The dApp's pages by URL fragment: `#/reader` (also the default), `#/applaud` (may carry `?url=`),
 * `#/creator`, `#/popular`, `#/status`, a creator's public page `#/c/<address>` or `#/c/<ENS name>`, and
 * the tip page `#/tip/<address>` (opened by a button's link, not in the navigation).
 */
import type { Address } from "viem";

import { addressSchema } from "@plaudit/protocol";
import { looksLikeEnsName } from "./ens.js";

/** The pages in the navigation, in its order, with their labels. */
export const NAV_PAGES = {
  reader: "Reader",
  applaud: "Applaud a page",
  creator: "Creator",
  popular: "Popular",
  status: "Status",
} as const;
export type NavPage = keyof typeof NAV_PAGES;

export type Route =
  | { page: NavPage }
  | { page: "public"; creator: Address }
  /** A public page asked for by ENS name: the name is resolved before the page shows. */
  | { page: "public-name"; name: string }
  /** `#/c/<something>` that is neither an address nor a name. */
  | { page: "public-invalid"; text: string }
  /** `#/tip/<address>`; `creator` null when the text is not an address (the page says so). */
  | { page: "tip"; creator: Address | null };

/** The longest `#/c/<…>` text repeated back to the reader when it names nobody. */
const MAX_SHOWN_TEXT = 80;

/** The creator a `#/tip/<address>` hash names, or null when the hash is not such a route or not an address. */
export function tipCreatorOf(hash: string): Address | null | undefined {
  const match = /^#\/tip\/([^/?#]*)$/.exec(hash);
  if (match === null) return undefined;
  let candidate: string;
  try {
    candidate = decodeURIComponent(match[1] ?? "");
  } catch {
    return null; // a malformed escape (`%E0%A4%A`) names nothing
  }
  const address = addressSchema.safeParse(candidate);
  return address.success ? address.data : null;
}

export function parseRoute(hash: string): Route {
  const tipCreator = tipCreatorOf(hash);
  if (tipCreator !== undefined) return { page: "tip", creator: tipCreator };
  const path = hash.replace(/^#\/?/, "");
  const creatorPath = /^c\/([^?]*?)\/?(?:\?.*)?$/.exec(path);
  if (creatorPath !== null) {
    let text: string;
    try {
      text = decodeURIComponent(creatorPath[1] as string).trim();
    } catch {
      text = creatorPath[1] as string;
    }
    const address = addressSchema.safeParse(text);
    if (address.success) return { page: "public", creator: address.data };
    if (looksLikeEnsName(text)) return { page: "public-name", name: text.toLowerCase() };
    return { page: "public-invalid", text: text.slice(0, MAX_SHOWN_TEXT) };
  }
  // A page may carry a query (`#/applaud?url=…`).
  const page = path.split("?")[0] as string;
  return Object.hasOwn(NAV_PAGES, page) ? { page: page as NavPage } : { page: "reader" };
}

/** The link to a creator's public page. */
export function creatorPageHref(creator: Address): string {
  return `#/c/${creator}`;
}
