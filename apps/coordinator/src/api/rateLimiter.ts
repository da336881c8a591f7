/**
 * A token bucket per key (a client address, an operator name): `burst` requests at once, then
 * `perSecond` on average. In memory: a restart refills every bucket, which only helps a caller
 * for one burst. Buckets idle long enough to be full again are dropped. Time comes from the
 * caller's clock (the coordinator's core clock), so tests move it instead of sleeping; a clock
 * set back refills nothing and takes nothing.
 */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: RateLimit, private readonly now: () => number) {}

  /** Takes one token for `key`; false when the bucket is empty (the caller answers 429). */
  take(key: string): boolean {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.limit.burst, at: t };
    b.tokens = Math.min(this.limit.burst, b.tokens + (Math.max(0, t - b.at) / 1000) * this.limit.perSecond);
    b.at = t;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.prune(t);
    return ok;
  }

  private prune(t: number): void {
    const refill = (this.limit.burst / this.limit.perSecond) * 1000;
    for (const [k, b] of this.buckets) if (t - b.at > refill) this.buckets.delete(k);
  }
}
