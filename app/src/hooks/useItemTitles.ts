/**
 * Titles of a creator's items in one month, as the keeper knows them (`GET /v1/creators/:a/items`: the
 * title most of its readers' buttons declared), by URL. Without a keeper, or while it does not answer,
 * the map is empty and items show by URL. Titles are text.
 */
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";

import { MAX_PAGE_LIMIT, type CreatorItems, type KeeperClient } from "@plaudit/protocol";
import { useServices } from "./services.js";

/** How long a month's item list is fresh (the keeper's rankings are cached for 30 s by default). */
const ITEMS_FRESH_MS = 30_000;

export function creatorItemsQuery(keeper: KeeperClient | undefined, creator: Address, epoch: bigint, cursor?: string) {
  return {
    queryKey: ["creator-items", keeper?.url, creator.toLowerCase(), epoch.toString(), cursor ?? null],
    enabled: keeper !== undefined,
    staleTime: ITEMS_FRESH_MS,
    queryFn: (): Promise<CreatorItems> => (keeper as KeeperClient).creatorItems(creator, epoch, cursor, MAX_PAGE_LIMIT),
  } as const;
}

/** The titles the keeper has for the creator's items of `epoch` (its most applauded 100), by URL. */
export function titlesOf(items: CreatorItems | undefined): Map<string, string> {
  const titles = new Map<string, string>();
  for (const item of items?.items ?? []) if (item.title !== null) titles.set(item.url, item.title);
  return titles;
}

export function useItemTitles(creator: Address, epoch: bigint): Map<string, string> {
  const { keeper } = useServices();
  const items = useQuery(creatorItemsQuery(keeper, creator, epoch));
  return titlesOf(items.data);
}
