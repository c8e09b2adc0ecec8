import type { TrustedDevice, TrustedDeviceStore } from '../types';
import type { RedisKeys } from './redisKeys';
import { throwOnTransactionError } from './RedisChallengeStore';
import type { RedisLike } from './scripts';

/** One hash per user (id -> JSON); expiry is checked against the caller's clock, the key TTL tidies up. */
export class RedisTrustedDeviceStore implements TrustedDeviceStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {}

  async add(device: TrustedDevice, nowMs: number): Promise<void> {
    const key = this.keys.trusted(device.userId);
    throwOnTransactionError(
      await this.redis
        .multi()
        .hset(key, device.id, JSON.stringify(device))
        .pexpire(key, Math.max(1000, device.expiresAtMs - nowMs), 'GT')
        .pexpire(key, Math.max(1000, device.expiresAtMs - nowMs), 'NX')
        .exec(),
    );
  }

  async list(userId: string, nowMs: number): Promise<TrustedDevice[]> {
    const all = await this.redis.hvals(this.keys.trusted(userId));
    return all.map((v) => JSON.parse(v) as TrustedDevice).filter((d) => d.expiresAtMs > nowMs);
  }

  async isTrusted(userId: string, deviceId: string, nowMs: number): Promise<boolean> {
    const raw = await this.redis.hget(this.keys.trusted(userId), deviceId);
    return raw !== null && (JSON.parse(raw) as TrustedDevice).expiresAtMs > nowMs;
  }

  async revoke(userId: string, deviceId: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.trusted(userId), deviceId)) === 1;
  }

  async revokeAll(userId: string): Promise<number> {
    const key = this.keys.trusted(userId);
    const n = await this.redis.hlen(key);
    await this.redis.del(key);
    return n;
  }
}
