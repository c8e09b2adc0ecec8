import type { RateLimitHit, RateLimitStore } from '../types';
import { ExpiringMap } from './ExpiringMap';

/** Fixed-window counters in memory, windows aligned to the epoch as in the Redis adapter. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly counters = new ExpiringMap<number>();

  async hit(key: string, limit: number, windowSeconds: number, nowMs: number): Promise<RateLimitHit> {
    const windowMs = windowSeconds * 1000;
    const windowStart = Math.floor(nowMs / windowMs) * windowMs;
    const counterKey = `${key}\u0000${windowStart}`;
    const count = (this.counters.get(counterKey, nowMs) ?? 0) + 1;
    this.counters.set(counterKey, count, windowStart + windowMs, nowMs);
    return rateLimitResult(count, limit, windowStart + windowMs, nowMs);
  }
}

/** Shared by every rate-limit adapter: over the limit means wait until the window ends. */
export function rateLimitResult(count: number, limit: number, windowEndMs: number, nowMs: number): RateLimitHit {
  const allowed = count <= limit;
  return { allowed, count, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((windowEndMs - nowMs) / 1000)) };
}
