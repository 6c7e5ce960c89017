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
/**
 * A shown item the keeper's list lacks is usually a click whose tally is still on its way to the keeper:
 * the list is asked again this often, at most `MISSING_ITEM_RETRIES` times (an item below the keeper's
 * first 100 of the month never appears, and must not make the page poll for ever).
 */
const MISSING_ITEM_RETRY_MS = 3_000;
const MISSING_ITEM_RETRIES = 10;

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

/** Whether the list should be asked again: a shown URL is not in it, and the retries are not used up. */
export function missingItemRetry(
  items: CreatorItems | undefined,
  shown: readonly string[],
  fetches: number,
): number | false {
  if (items === undefined || fetches > MISSING_ITEM_RETRIES) return false;
  const listed = new Set(items.items.map((item) => item.url));
  return shown.some((url) => !listed.has(url)) ? MISSING_ITEM_RETRY_MS : false;
}

/** The titles the keeper has for `shown` items of the creator in `epoch`, by URL. */
export function useItemTitles(creator: Address, epoch: bigint, shown: readonly string[]): Map<string, string> {
  const { keeper } = useServices();
  const query = creatorItemsQuery(keeper, creator, epoch);
  const items = useQuery({
    ...query,
    // The same list for another set of shown items is asked again at once when one of them is new.
    queryKey: [...query.queryKey, [...shown].sort().join(" ")],
    refetchInterval: (q) => missingItemRetry(q.state.data, shown, q.state.dataUpdateCount),
  });
  return titlesOf(items.data);
}
