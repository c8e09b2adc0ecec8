import { rateLimitResult } from '../memory/MemoryRateLimitStore';
import type { RateLimitHit, RateLimitStore } from '../types';
import type { RedisKeys } from './redisKeys';
import { withScripts, type RedisLike } from './scripts';

export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: ReturnType<typeof withScripts>;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    this.redis = withScripts(redis);
  }

  async hit(key: string, limit: number, windowSeconds: number, nowMs: number): Promise<RateLimitHit> {
    const windowMs = windowSeconds * 1000;
    const windowStart = Math.floor(nowMs / windowMs) * windowMs;
    const windowEnd = windowStart + windowMs;
    const count = Number(await this.redis.sgRateLimitHit(this.keys.rateLimit(key, windowStart), windowEnd - nowMs + 1000));
    return rateLimitResult(count, limit, windowEnd, nowMs);
  }
}
