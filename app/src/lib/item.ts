/** Items are the things a button sits on: a creator's address and the URL of the page or work. */
import type { Address } from "viem";

import { addressSchema, cleanItemTitle, normalizeItemUrl } from "@plaudit/protocol";

export { normalizeItemUrl };
export { itemKey } from "./recordKeys.js";

export interface Item {
  creator: Address;
  url: string;
  /** The title the button declared (`cleanItemTitle`): sent with the tally, never part of the item's identity. */
  title?: string;
}

/** `item` with its title cleaned (`cleanItemTitle`), or without one when nothing usable is left. */
export function withTitle(item: Omit<Item, "title">, title: string | null | undefined): Item {
  const clean = cleanItemTitle(title);
  return clean === undefined
    ? { creator: item.creator, url: item.url }
    : { creator: item.creator, url: item.url, title: clean };
}

/** Reads and checks `creator`, `url` and the optional `title` from a query string (the button's own URL). */
export function parseItem(search: string): Item {
  const params = new URLSearchParams(search);
  const creator = addressSchema.safeParse(params.get("creator") ?? "");
  if (!creator.success) throw new Error("the button needs a creator address");
  return withTitle({ creator: creator.data, url: normalizeItemUrl(params.get("url") ?? "") }, params.get("title"));
}

/** The item a key of `itemKey` names, or undefined for a key that is not one. */
export function itemOfKey(key: string): Item | undefined {
  const space = key.indexOf(" ");
  const creator = addressSchema.safeParse(key.slice(0, space));
  if (space === -1 || !creator.success) return undefined;
  return { creator: creator.data, url: key.slice(space + 1) };
}
