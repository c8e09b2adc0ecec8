import { connectTestCluster } from '../helpers/forEachStore';
import type { Redis } from 'ioredis';
import type { FirstFactorThrottleStore, ThrottlePolicy } from '../../src/stores/FirstFactorThrottleStore';
import { MemoryFirstFactorThrottleStore } from '../../src/stores/memory/MemoryFirstFactorThrottleStore';
import { RedisFirstFactorThrottleStore } from '../../src/stores/redis/RedisFirstFactorThrottleStore';
import { redisKeys } from '../../src/stores/redis/redisKeys';
import { connectTestRedis, TEST_REDIS_URL, TEST_REDIS_CLUSTER_NODES } from '../helpers/withRedis';

const T0 = Date.UTC(2026, 0, 1);
const POLICY: ThrottlePolicy = { freeFailures: 5, baseDelayMs: 30_000, maxDelayMs: 900_000, memoryMs: 3_600_000 };

function contract(name: string, make: () => Promise<{ store: FirstFactorThrottleStore; close?: () => Promise<void> }>) {
  describe(`first-factor throttle store contract: ${name}`, () => {
    let store: FirstFactorThrottleStore;
    let close: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, close } = await make());
    });
    afterEach(async () => {
      await close?.();
    });

    it('lets the free failures through, then delays by the base delay, doubling up to the maximum', async () => {
      for (let i = 1; i <= 4; i += 1) expect(await store.reserve('k', POLICY, T0)).toEqual({ ok: true, failures: i, blockedUntilMs: null });
      expect(await store.reserve('k', POLICY, T0)).toEqual({ ok: true, failures: 5, blockedUntilMs: T0 + 30_000 });
      expect(await store.reserve('k', POLICY, T0 + 29_999)).toEqual({ ok: false, retryAfterMs: 1 });
      let now = T0 + 30_000;
      const delays: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        const r = await store.reserve('k', POLICY, now);
        if (!r.ok || r.blockedUntilMs === null) throw new Error(`expected a counted, delayed attempt: ${JSON.stringify(r)}`);
        delays.push(r.blockedUntilMs - now);
        now = r.blockedUntilMs;
      }
      expect(delays).toEqual([60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
    });

    it('keeps keys apart', async () => {
      for (let i = 0; i < 5; i += 1) await store.reserve('a', POLICY, T0);
      expect((await store.reserve('a', POLICY, T0)).ok).toBe(false);
      expect(await store.reserve('b', POLICY, T0)).toEqual({ ok: true, failures: 1, blockedUntilMs: null });
    });

    it('release gives one attempt back and lifts the delay once under the free budget', async () => {
      for (let i = 0; i < 5; i += 1) await store.reserve('k', POLICY, T0);
      await store.release('k', POLICY, T0);
      expect(await store.reserve('k', POLICY, T0 + 1)).toEqual({ ok: true, failures: 5, blockedUntilMs: T0 + 1 + 30_000 });
    });

    it('release past the free budget keeps the delay', async () => {
      for (let i = 0; i < 5; i += 1) await store.reserve('k', POLICY, T0);
      await store.reserve('k', POLICY, T0 + 30_000);
      await store.release('k', POLICY, T0 + 30_001);
      expect(await store.reserve('k', POLICY, T0 + 30_002)).toMatchObject({ ok: false });
    });

    it('reset forgets the key', async () => {
      for (let i = 0; i < 5; i += 1) await store.reserve('k', POLICY, T0);
      await store.reset('k');
      expect(await store.reserve('k', POLICY, T0)).toEqual({ ok: true, failures: 1, blockedUntilMs: null });
    });

    it('counts 30 concurrent attempts so that only the free budget gets through', async () => {
      const results = await Promise.all(Array.from({ length: 30 }, () => store.reserve('k', POLICY, T0)));
      expect(results.filter((r) => r.ok)).toHaveLength(5);
    });
  });
}

contract('memory', async () => ({ store: new MemoryFirstFactorThrottleStore() }));

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

if (TEST_REDIS_URL) {
  contract('redis', async () => {
    const { redis, keyPrefix } = await connectTestRedis();
    return { store: new RedisFirstFactorThrottleStore(redis, redisKeys(keyPrefix)), close: () => (redis as Redis).quit().then(() => undefined) };
  });
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
  const clusterNodes = TEST_REDIS_CLUSTER_NODES;
  if (clusterNodes) {
    contract('redis cluster (3 masters)', async () => {
      const { cluster, keyPrefix } = connectTestCluster();
      return { store: new RedisFirstFactorThrottleStore(cluster, redisKeys(keyPrefix)), close: () => cluster.quit().then(() => undefined) };
    });
  }
} else {
  console.warn('SKIPPED (no redis-server): first-factor throttle store contract: redis');
  describe.skip('first-factor throttle store contract: redis', () => it('needs redis-server', () => undefined));
}
