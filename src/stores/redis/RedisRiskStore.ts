import type { RiskStore, SeenLocation } from '../types';
import type { RedisKeys } from './redisKeys';
import { withScripts, type RedisLike } from './scripts';

const KEEP_SECONDS = 400 * 86_400;

/** Known devices and countries (sets) and the last location (a hash) per user, one slot per user. */
export class RedisRiskStore implements RiskStore {
  private readonly redis: ReturnType<typeof withScripts>;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    this.redis = withScripts(redis);
  }

  async isKnownDevice(userId: string, deviceHash: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.devices(userId), deviceHash)) === 1;
  }

  async knownCountries(userId: string): Promise<string[]> {
    return (await this.redis.smembers(this.keys.countries(userId))).sort();
  }

  async lastSeen(userId: string): Promise<SeenLocation | null> {
    return toSeenLocation(await this.redis.hgetall(this.keys.lastSeen(userId)));
  }

  async snapshot(userId: string, deviceHash: string | null): Promise<{ countries: string[]; lastSeen: SeenLocation | null; knownDevice: boolean }> {
    const [known, countries, fields] = (await this.redis.sgRiskSnapshot(
      this.keys.devices(userId),
      this.keys.countries(userId),
      this.keys.lastSeen(userId),
      deviceHash ?? '',
    )) as [number, string[], string[]];
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) h[fields[i] as string] = fields[i + 1] as string;
    return { knownDevice: Number(known) === 1, countries: [...countries].sort(), lastSeen: toSeenLocation(h) };
  }

  async recordSuccess(userId: string, input: { deviceHash: string | null; location: SeenLocation }): Promise<void> {
    const { country, latitude, longitude, atMs } = input.location;
    // One script, not a MULTI of six to eight commands.
    await this.redis.sgRecordSeen(
      this.keys.devices(userId),
      this.keys.countries(userId),
      this.keys.lastSeen(userId),
      KEEP_SECONDS,
      input.deviceHash ?? '',
      country ?? '',
      latitude ?? '',
      longitude ?? '',
      atMs,
    );
  }
}

function toSeenLocation(h: Record<string, string>): SeenLocation | null {
  if (!h.atMs) return null;
  const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
  return { country: h.country || null, latitude: num(h.latitude), longitude: num(h.longitude), atMs: Number(h.atMs) };
}
