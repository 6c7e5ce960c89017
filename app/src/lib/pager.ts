/**
 * Paging through a keeper listing with its opaque cursors: the keeper gives only the next page's
 * cursor, so "Previous" goes back to the cursor the current page was read with, kept on a stack.
 */
export interface Pager {
  /** The cursor of every page read so far, the current one last (undefined: the first page). */
  readonly cursors: readonly (string | undefined)[];
}

export const firstPage: Pager = { cursors: [undefined] };

/** The cursor the current page is read with. */
export function currentCursor(pager: Pager): string | undefined {
  return pager.cursors[pager.cursors.length - 1];
}

/** The page number shown to a person, from 1. */
export function pageNumber(pager: Pager): number {
  return pager.cursors.length;
}

export function hasPrevious(pager: Pager): boolean {
  return pager.cursors.length > 1;
}

/** The next page, read with the current page's `nextCursor` (null: there is none, nothing changes). */
export function nextPage(pager: Pager, nextCursor: string | null): Pager {
  return nextCursor === null ? pager : { cursors: [...pager.cursors, nextCursor] };
}

export function previousPage(pager: Pager): Pager {
  return hasPrevious(pager) ? { cursors: pager.cursors.slice(0, -1) } : pager;
}
