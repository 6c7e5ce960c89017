/**
 * Rankings (popular items and creators of an epoch) computed at most once per `ttlMs` and key, shared by
 * concurrent requests; pages are cut from the cached ranking, so a cursor walks one consistent list while
 * it lives. A failed computation is not cached. Bounded: the oldest entry goes first.
 */
export class RankingCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<readonly T[]> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(key: string, compute: () => Promise<readonly T[]>, now = Date.now()): Promise<readonly T[]> {
    const hit = this.entries.get(key);
    if (hit !== undefined && now - hit.at < this.ttlMs) return hit.value;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    const value = compute();
    this.entries.set(key, { at: now, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}

/** One page of `list` from `offset`, and the cursor of the next page (null at the end). */
export function page<T>(list: readonly T[], offset: number, limit: number): { items: T[]; nextCursor: string | null } {
  const items = list.slice(offset, offset + limit);
  return { items, nextCursor: offset + limit < list.length ? String(offset + limit) : null };
}
