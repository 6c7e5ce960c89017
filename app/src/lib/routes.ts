/**
 * The dApp's pages by URL fragment: `#/reader` (also the default), `#/creator`, `#/popular`,
 * `#/status`, and a creator's public page `#/c/<address>` or `#/c/<ENS name>`.
 */
import type { Address } from "viem";

import { addressSchema } from "@plaudit/protocol";
import { looksLikeEnsName } from "./ens.js";

/** The pages in the navigation, in its order, with their labels. */
export const NAV_PAGES = { reader: "Reader", creator: "Creator", popular: "Popular", status: "Status" } as const;
export type NavPage = keyof typeof NAV_PAGES;

export type Route =
  | { page: NavPage }
  | { page: "public"; creator: Address }
  /** A public page asked for by ENS name: the name is resolved before the page shows. */
  | { page: "public-name"; name: string }
  /** `#/c/<something>` that is neither an address nor a name. */
  | { page: "public-invalid"; text: string };

/** The longest `#/c/<…>` text repeated back to the reader when it names nobody. */
const MAX_SHOWN_TEXT = 80;

export function parseRoute(hash: string): Route {
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
  return Object.hasOwn(NAV_PAGES, path) ? { page: path as NavPage } : { page: "reader" };
}

/** The link to a creator's public page. */
export function creatorPageHref(creator: Address): string {
  return `#/c/${creator}`;
}
