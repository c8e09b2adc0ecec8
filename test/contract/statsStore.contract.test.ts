import { MemoryStatsStore } from '../../src/stores/memory/MemoryStatsStore';
import { RedisStatsStore } from '../../src/stores/redis/RedisStatsStore';
import { redisKeys } from '../../src/stores/redis/redisKeys';
import { statSeriesKey } from '../../src/core/stats/statSeriesKey';
import { describeStoreContractOnMemoryAndRedis } from '../helpers/describeStoreContractOnRedis';
import { connectTestRedis } from '../helpers/withRedis';

/** The stats port (src/stores/contract/statsStoreContract.ts) on memory, Redis and the 3-master Cluster, plus retention. */
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const HOUR = 3_600_000;

describeStoreContractOnMemoryAndRedis({
  ports: ['stats'],
  memory: () => ({ stats: new MemoryStatsStore() }),
  redis: (client, keys) => ({ stats: new RedisStatsStore(client, keys) }),
  skippedName: 'stats store contract: redis',
  alsoOnRedis: () => {
    it('writes a flush as one MULTI and keeps minute buckets the minute retention, hour buckets the hour retention', async () => {
      const { redis, keyPrefix } = await connectTestRedis();
      const keys = redisKeys(keyPrefix);
      const store = new RedisStatsStore(redis, keys, { minuteRetentionHours: 2, hourRetentionDays: 3 });
      const commands: string[] = [];
      const monitor = await redis.duplicate().monitor();
      monitor.on('monitor', (_t: string, args: string[]) => {
        if (String(args[1] ?? '').startsWith(keyPrefix) || ['multi', 'exec'].includes(String(args[0]).toLowerCase())) commands.push(String(args[0]).toLowerCase());
      });
      await store.add(T0, [{ name: 'lockout', labels: { factor: 'sms' } }, { name: 'lockout', labels: { factor: 'otp' } }]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      monitor.disconnect();
      expect(commands).toEqual(['multi', 'hincrby', 'hincrby', 'pexpire', 'hincrby', 'hincrby', 'pexpire', 'exec']);
      const minuteTtl = await redis.pttl(keys.statsBucket('minute', T0));
      const hourTtl = await redis.pttl(keys.statsBucket('hour', T0));
      expect(minuteTtl).toBeGreaterThan(2 * HOUR);
      expect(minuteTtl).toBeLessThanOrEqual(2 * HOUR + 60_000);
      expect(hourTtl).toBeGreaterThan(3 * 24 * HOUR);
      expect(hourTtl).toBeLessThanOrEqual(3 * 24 * HOUR + HOUR);
      await redis.quit();
    });
  },
});

describe('MemoryStatsStore', () => {
  it('drops a minute bucket once it is older than the minute retention (Redis: the key TTL)', async () => {
    const store = new MemoryStatsStore({ minuteRetentionHours: 1, hourRetentionDays: 1 });
    await store.add(T0, [{ name: 'lockout', labels: { factor: 'sms' } }]);
    await store.add(T0 + 2 * HOUR, [{ name: 'lockout', labels: { factor: 'otp' } }]);
    expect(await store.read(T0, T0, 'minute')).toEqual([]);
    const hours = await store.read(T0, T0 + 2 * HOUR, 'hour');
    expect(hours[0]?.counts.get(statSeriesKey('lockout', { factor: 'sms' }))).toBe(1);
  });

  it('reads a range from 0 in the time a retention takes (the range is cut at the retention)', async () => {
    const store = new MemoryStatsStore();
    await store.add(T0, [{ name: 'lockout', labels: { factor: 'sms' } }]);
    expect((await store.read(0, T0, 'minute')).length).toBe(1);
  });
});
