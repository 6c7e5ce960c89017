/** Items are the things a button sits on: a creator's address and the URL of the page or work. */
import type { Address } from "viem";

import { addressSchema } from "../../../protocol/src/index.js";

export const MAX_ITEM_URL_LENGTH = 2048;

/** The canonical form of an item URL: http(s) only, no fragment. Throws on anything else. */
export function normalizeItemUrl(input: string): string {
  if (input.length > MAX_ITEM_URL_LENGTH) throw new Error("the item URL is too long");
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new Error("the item URL is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("the item URL must be http(s)");
  url.hash = "";
  return url.href;
}

export interface Item {
  creator: Address;
  url: string;
}

/** Reads and checks `creator` and `url` from a query string (the button's own URL). */
export function parseItem(search: string): Item {
  const params = new URLSearchParams(search);
  const creator = addressSchema.safeParse(params.get("creator") ?? "");
  if (!creator.success) throw new Error("the button needs a creator address");
  return { creator: creator.data, url: normalizeItemUrl(params.get("url") ?? "") };
}

/** One click per item per epoch: the key a tally record remembers. */
export function itemKey(item: Item): string {
  return `${item.creator.toLowerCase()} ${item.url}`;
}
