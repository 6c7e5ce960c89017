/** Items are the things a button sits on: a creator's address and the URL of the page or work. */
import type { Address } from "viem";

import { addressSchema, normalizeItemUrl } from "@plaudit/protocol";

export { normalizeItemUrl };
export { itemKey } from "./recordKeys.js";

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

/** The item a key of `itemKey` names, or undefined for a key that is not one. */
export function itemOfKey(key: string): Item | undefined {
  const space = key.indexOf(" ");
  const creator = addressSchema.safeParse(key.slice(0, space));
  if (space === -1 || !creator.success) return undefined;
  return { creator: creator.data, url: key.slice(space + 1) };
}
