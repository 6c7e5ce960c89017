/**
 * Token buckets per key (IP, reader): `rate` per second, bursts up to `burst`. In memory, per instance.
 * `take` charges a request before its work; `peek` and `charge` split that for a limit that must be
 * charged only for work that was done (a reader's stored tallies): `charge` may go into debt, down to
 * one burst, so that requests admitted together still wait it off.
 */
/** Buckets kept before full ones (which a new bucket would equal) are pruned. */
const MAX_BUCKETS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  /** Takes a token for `key`; returns 0 if allowed, else the seconds to wait. */
  take(key: string, now = Date.now()): number {
    const bucket = this.refill(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.waitOf(bucket);
  }

  /** 0 if `key` has a token now (nothing is taken), else the seconds to wait. */
  peek(key: string, now = Date.now()): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return 0;
    return this.refill(key, now).tokens >= 1 ? 0 : this.waitOf(bucket);
  }

  /** Takes a token for `key` whether or not one is left. */
  charge(key: string, now = Date.now()): void {
    const bucket = this.refill(key, now);
    bucket.tokens = Math.max(-this.burst, bucket.tokens - 1);
  }

  private refill(key: string, now: number): { tokens: number; at: number } {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size > MAX_BUCKETS) this.prune(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    return bucket;
  }

  private waitOf(bucket: { tokens: number }): number {
    return Math.ceil((1 - bucket.tokens) / this.rate);
  }

  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.rate >= this.burst) this.buckets.delete(key);
    }
  }
}
