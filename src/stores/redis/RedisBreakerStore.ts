import type { BreakerAdmit, BreakerPolicy, BreakerStore } from '../types';
import type { RedisKeys } from './redisKeys';
import { withScripts, type RedisLike } from './scripts';

const BUCKET_MS = 60_000;

/** Conversion counters and breaker state of a country under one hash tag; `admit` is one script. */
export class RedisBreakerStore implements BreakerStore {
  private readonly redis: ReturnType<typeof withScripts>;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    this.redis = withScripts(redis);
  }

  async admit(country: string, policy: BreakerPolicy, nowMs: number, count: boolean): Promise<BreakerAdmit> {
    const k = this.keys.breaker(country);
    const reply = (await this.redis.sgBreakerAdmit(
      k.sent,
      k.verified,
      k.state,
      nowMs,
      BUCKET_MS,
      policy.windowMs,
      policy.minSends,
      policy.minConversion,
      policy.openMs,
      policy.maxOpenMs,
      count ? '1' : '0',
    )) as number[];
    const [open, openUntilMs, level, tripped, sent, verified] = reply.map(Number) as [number, number, number, number, number, number];
    return { open: open === 1, openUntilMs, level, tripped: tripped === 1, sent, verified };
  }

  async adjustSent(country: string, atMs: number, delta: number, windowMs: number): Promise<void> {
    await this.bump(this.keys.breaker(country).sent, atMs, delta, windowMs);
  }

  async recordVerified(country: string, atMs: number, windowMs: number): Promise<void> {
    await this.bump(this.keys.breaker(country).verified, atMs, 1, windowMs);
  }

  private async bump(key: string, atMs: number, delta: number, windowMs: number): Promise<void> {
    await this.redis.sgBumpBucket(key, String(Math.floor(atMs / BUCKET_MS)), delta, windowMs + 60_000);
  }
}
