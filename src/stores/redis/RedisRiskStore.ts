import type { RiskStore, SeenLocation } from '../types';
import type { RedisKeys } from './redisKeys';
import { throwOnTransactionError } from './RedisChallengeStore';
import type { RedisLike } from './scripts';

const KEEP_SECONDS = 400 * 86_400;

/** Known devices and countries (sets) and the last location (a hash) per user, one slot per user. */
export class RedisRiskStore implements RiskStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {}

  async isKnownDevice(userId: string, deviceHash: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.devices(userId), deviceHash)) === 1;
  }

  async knownCountries(userId: string): Promise<string[]> {
    return (await this.redis.smembers(this.keys.countries(userId))).sort();
  }

  async lastSeen(userId: string): Promise<SeenLocation | null> {
    const h = await this.redis.hgetall(this.keys.lastSeen(userId));
    if (!h.atMs) return null;
    const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
    return { country: h.country || null, latitude: num(h.latitude), longitude: num(h.longitude), atMs: Number(h.atMs) };
  }

  async recordSuccess(userId: string, input: { deviceHash: string | null; location: SeenLocation }): Promise<void> {
    const tx = this.redis.multi();
    if (input.deviceHash) tx.sadd(this.keys.devices(userId), input.deviceHash).expire(this.keys.devices(userId), KEEP_SECONDS);
    if (input.location.country) tx.sadd(this.keys.countries(userId), input.location.country).expire(this.keys.countries(userId), KEEP_SECONDS);
    const { country, latitude, longitude, atMs } = input.location;
    tx.hset(this.keys.lastSeen(userId), {
      country: country ?? '',
      latitude: latitude ?? '',
      longitude: longitude ?? '',
      atMs,
    }).expire(this.keys.lastSeen(userId), KEEP_SECONDS);
    throwOnTransactionError(await tx.exec());
  }
}
