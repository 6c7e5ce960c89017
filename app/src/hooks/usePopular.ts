/**
 * Popular this month: the keeper's rankings of items and of creators by distinct readers (never by
 * money), one page at a time with its cursor; each page is cached (the keeper caches its rankings too).
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";

import type { KeeperClient, PopularCreators, PopularItems } from "@plaudit/protocol";
import { currentCursor, firstPage, hasPrevious, nextPage, pageNumber, previousPage, type Pager } from "../lib/pager.js";
import { useServices } from "./services.js";

/** Entries per page of a ranking. */
export const POPULAR_PAGE_SIZE = 10;
/** How long a page is fresh: the keeper recomputes a ranking at most every 30 s by default. */
const POPULAR_FRESH_MS = 30_000;

export type PopularKind = "items" | "creators";
type PageOf<K extends PopularKind> = K extends "items" ? PopularItems : PopularCreators;

/** One page of a ranking of this month (the keeper's current epoch). */
export function popularPage<K extends PopularKind>(
  keeper: Pick<KeeperClient, "popularItems" | "popularCreators">,
  kind: K,
  cursor: string | undefined,
  limit = POPULAR_PAGE_SIZE,
): Promise<PageOf<K>> {
  return (
    kind === "items" ? keeper.popularItems(undefined, cursor, limit) : keeper.popularCreators(undefined, cursor, limit)
  ) as Promise<PageOf<K>>;
}

export function usePopular<K extends PopularKind>(kind: K) {
  const { keeper } = useServices();
  const [pager, setPager] = useState<Pager>(firstPage);
  const cursor = currentCursor(pager);
  const page = useQuery({
    queryKey: ["popular", keeper?.url, kind, cursor ?? null],
    enabled: keeper !== undefined,
    staleTime: POPULAR_FRESH_MS,
    placeholderData: keepPreviousData,
    queryFn: () => popularPage(keeper as KeeperClient, kind, cursor),
  });
  const nextCursor = page.isPlaceholderData ? null : (page.data?.nextCursor ?? null);
  return {
    page,
    pageNumber: pageNumber(pager),
    /** Rank of the page's first entry, from 1. */
    firstRank: (pageNumber(pager) - 1) * POPULAR_PAGE_SIZE + 1,
    hasNext: nextCursor !== null,
    hasPrevious: hasPrevious(pager),
    next: () => setPager((p) => nextPage(p, nextCursor)),
    previous: () => setPager(previousPage),
  };
}
