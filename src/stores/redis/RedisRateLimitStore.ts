import type { RateLimitStore, WindowAdd } from '../types';
import type { RedisKeys } from './redisKeys';
import { withScripts, type RedisLike } from './scripts';

/** Sliding windows as sorted sets scored by time; one script per add keeps it atomic. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: ReturnType<typeof withScripts>;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    this.redis = withScripts(redis);
  }

  async add(key: string, member: string, limit: number, windowMs: number, nowMs: number): Promise<WindowAdd> {
    const [allowed, count, retryAfterMs, added] = (await this.redis.sgWindowAdd(this.keys.window(key), member, limit, windowMs, nowMs)) as number[];
    return { allowed: allowed === 1, added: added === 1, count: Number(count), retryAfterMs: Number(retryAfterMs) };
  }

  async remove(key: string, member: string): Promise<void> {
    await this.redis.zrem(this.keys.window(key), member);
  }

  async addGroup(group: string, windows: readonly { key: string; limit: number; windowMs: number }[], member: string, nowMs: number): Promise<WindowAdd[]> {
    const keys = windows.map((w) => this.keys.groupWindow(group, w.key));
    const limits = windows.flatMap((w) => [w.limit, w.windowMs]);
    const reply = (await this.redis.sgWindowAddGroup(keys.length, ...keys, member, nowMs, ...limits)) as number[][];
    return reply.map(([allowed, count, retryAfterMs, added]) => ({ allowed: allowed === 1, added: added === 1, count: Number(count), retryAfterMs: Number(retryAfterMs) }));
  }

  async removeFromGroup(group: string, key: string, member: string): Promise<void> {
    await this.redis.zrem(this.keys.groupWindow(group, key), member);
  }
}
