import type { ThrottlePolicy } from '../../src/stores/FirstFactorThrottleStore';
import { MemoryFirstFactorThrottleStore } from '../../src/stores/memory/MemoryFirstFactorThrottleStore';
import { RedisFirstFactorThrottleStore } from '../../src/stores/redis/RedisFirstFactorThrottleStore';
import { redisKeys } from '../../src/stores/redis/redisKeys';
import { describeStoreContractOnMemoryAndRedis } from '../helpers/describeStoreContractOnRedis';
import { connectTestRedis } from '../helpers/withRedis';

/** The first-factor throttle port (src/stores/contract/firstFactorThrottleStoreContract.ts) on memory, Redis and the 3-master Cluster, plus what only one adapter does. */
const T0 = Date.UTC(2026, 0, 1);
const POLICY: ThrottlePolicy = { freeFailures: 5, baseDelayMs: 30_000, maxDelayMs: 900_000, memoryMs: 3_600_000 };

describeStoreContractOnMemoryAndRedis({
  ports: ['firstFactor'],
  memory: () => ({ firstFactor: new MemoryFirstFactorThrottleStore() }),
  redis: (client, keys) => ({ firstFactor: new RedisFirstFactorThrottleStore(client, keys) }),
  skippedName: 'first-factor throttle store contract: redis',
  alsoOnRedis: () => {
    it('keeps a Redis key no longer than its memory period, or its delay when that is longer', async () => {
      const { redis, keyPrefix } = await connectTestRedis();
      const keys = redisKeys(keyPrefix);
      const store = new RedisFirstFactorThrottleStore(redis, keys);
      await store.reserve('k', POLICY, T0);
      const ttl = await redis.pttl(keys.firstFactor('k'));
      expect(ttl).toBeGreaterThan(POLICY.memoryMs - 5000);
      expect(ttl).toBeLessThanOrEqual(POLICY.memoryMs);
      const long = { ...POLICY, freeFailures: 1, baseDelayMs: 2 * POLICY.memoryMs, maxDelayMs: 2 * POLICY.memoryMs };
      await store.reserve('long', long, T0);
      expect(await redis.pttl(keys.firstFactor('long'))).toBeGreaterThan(POLICY.memoryMs);
      await redis.quit();
    });
  },
});

describe('MemoryFirstFactorThrottleStore', () => {
  it('forgets the count after the memory period without failures (Redis: the key TTL)', async () => {
    const store = new MemoryFirstFactorThrottleStore();
    for (let i = 0; i < 4; i += 1) await store.reserve('k', POLICY, T0);
    expect(await store.reserve('k', POLICY, T0 + POLICY.memoryMs - 1)).toMatchObject({ ok: true, failures: 5 });
    expect(await store.reserve('k', POLICY, T0 + 2 * POLICY.memoryMs)).toEqual({ ok: true, failures: 1, blockedUntilMs: null });
  });

  it('holds at most maxKeys keys, forgetting the least recently written first', async () => {
    const store = new MemoryFirstFactorThrottleStore(100);
    for (let i = 0; i < 5; i += 1) await store.reserve('victim', POLICY, T0);
    for (let i = 0; i < 99; i += 1) await store.reserve(`made-up-${i}`, POLICY, T0);
    expect(store.size).toBe(100);
    expect((await store.reserve('victim', POLICY, T0)).ok).toBe(false);
    for (let i = 99; i < 1000; i += 1) await store.reserve(`made-up-${i}`, POLICY, T0);
    expect(store.size).toBe(100);
  });
});
