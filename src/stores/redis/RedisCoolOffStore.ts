import type { CoolOff, CoolOffStore } from '../types';
import type { RedisKeys } from './redisKeys';
import { withScripts, type RedisLike } from './scripts';

/** The account cool-off: a hash (start, until) and a set of refs added during it, in the user's slot. */
export class RedisCoolOffStore implements CoolOffStore {
  private readonly redis: ReturnType<typeof withScripts>;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    this.redis = withScripts(redis);
  }

  async start(userId: string, input: { nowMs: number; untilMs: number; addedRef?: string }): Promise<CoolOff> {
    const reply = (await this.redis.sgStartCoolOff(
      this.keys.coolOff(userId),
      this.keys.coolOffAdded(userId),
      input.nowMs,
      input.untilMs,
      input.addedRef ?? '',
    )) as string[];
    const [start, until, ...addedRefs] = reply;
    return { startedAtMs: Number(start), untilMs: Number(until), addedRefs: addedRefs.sort() };
  }

  async get(userId: string, nowMs: number): Promise<CoolOff | null> {
    // One slot: both reads in one round trip.
    const [[, h], [, added]] = (await this.redis
      .multi()
      .hgetall(this.keys.coolOff(userId))
      .smembers(this.keys.coolOffAdded(userId))
      .exec()) as [[Error | null, Record<string, string>], [Error | null, string[]]];
    const untilMs = Number(h?.until);
    if (!h?.until || untilMs <= nowMs) return null;
    return { startedAtMs: Number(h.start), untilMs, addedRefs: [...(added ?? [])].sort() };
  }
}
