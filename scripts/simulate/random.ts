/** Seeded randomness for the simulation, so a run with the same seed makes the same choices. */

export type Random = () => number;

/** mulberry32: a small, fast PRNG with a 32-bit state; returns floats in [0, 1). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError("pick from an empty list");
  return items[Math.floor(random() * items.length)] as T;
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Zipf-like popularity: item `k` (0-based) is drawn with weight `1 / (k + 1)^exponent`, so a few items
 * get most of the draws and a long tail gets a few.
 */
export function zipfSampler(random: Random, size: number, exponent = 1.1): () => number {
  if (size < 1) throw new RangeError("zipf over no items");
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 0; k < size; k++) {
    total += 1 / (k + 1) ** exponent;
    cumulative.push(total);
  }
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}
