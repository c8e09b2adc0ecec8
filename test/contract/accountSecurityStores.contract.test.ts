import { connectTestCluster } from '../helpers/forEachStore';
import type { Redis } from 'ioredis';
import { MemoryCoolOffStore } from '../../src/stores/memory/MemoryCoolOffStore';
import { MemorySessionRevocationStore } from '../../src/stores/memory/MemorySessionRevocationStore';
import { RedisCoolOffStore } from '../../src/stores/redis/RedisCoolOffStore';
import { RedisSessionRevocationStore } from '../../src/stores/redis/RedisSessionRevocationStore';
import { redisKeys } from '../../src/stores/redis/redisKeys';
import type { StepGuardStores } from '../../src/stores/types';
import { connectTestRedis, TEST_REDIS_URL, TEST_REDIS_CLUSTER_NODES } from '../helpers/withRedis';

type Adapters = Pick<StepGuardStores, 'coolOffs' | 'sessions'> & { close?: () => Promise<void> };

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

/** The account cool-off and session revocation ports: the same behaviour on every adapter. */
function contract(name: string, make: () => Promise<Adapters>) {
  describe(`account security store contract: ${name}`, () => {
    let a: Adapters;
    beforeEach(async () => {
      a = await make();
    });
    afterEach(async () => {
      await a.close?.();
    });

    it('has no cool-off until one starts, and none after it ends', async () => {
      expect(await a.coolOffs.get('u1', T0)).toBeNull();
      const started = await a.coolOffs.start('u1', { nowMs: T0, untilMs: T0 + 7 * DAY, addedRef: 'totp-1' });
      expect(started).toEqual({ startedAtMs: T0, untilMs: T0 + 7 * DAY, addedRefs: ['totp-1'] });
      expect(await a.coolOffs.get('u1', T0 + DAY)).toEqual(started);
      expect(await a.coolOffs.get('u1', T0 + 7 * DAY)).toBeNull();
      expect(await a.coolOffs.get('u2', T0 + DAY)).toBeNull();
    });

    it('extends a running cool-off, keeping its start and everything added during it (remove-then-add)', async () => {
      await a.coolOffs.start('u1', { nowMs: T0, untilMs: T0 + 7 * DAY, addedRef: 'phone-new' });
      await a.coolOffs.start('u1', { nowMs: T0 + DAY, untilMs: T0 + 8 * DAY });
      const extended = await a.coolOffs.start('u1', { nowMs: T0 + 2 * DAY, untilMs: T0 + 9 * DAY, addedRef: 'phone-again' });
      expect(extended).toEqual({ startedAtMs: T0, untilMs: T0 + 9 * DAY, addedRefs: ['phone-again', 'phone-new'] });
      // A shorter request never shortens it.
      expect((await a.coolOffs.start('u1', { nowMs: T0 + 3 * DAY, untilMs: T0 + 4 * DAY })).untilMs).toBe(T0 + 9 * DAY);
    });

    it('starts afresh once the last one ended: what was added before no longer cools', async () => {
      await a.coolOffs.start('u1', { nowMs: T0, untilMs: T0 + DAY, addedRef: 'old' });
      const next = await a.coolOffs.start('u1', { nowMs: T0 + 2 * DAY, untilMs: T0 + 3 * DAY, addedRef: 'new' });
      expect(next).toEqual({ startedAtMs: T0 + 2 * DAY, untilMs: T0 + 3 * DAY, addedRefs: ['new'] });
    });

    it('keeps every ref of concurrent starts', async () => {
      const refs = Array.from({ length: 20 }, (_, i) => `ref-${String(i).padStart(2, '0')}`);
      await Promise.all(refs.map((ref) => a.coolOffs.start('u1', { nowMs: T0, untilMs: T0 + DAY, addedRef: ref })));
      expect((await a.coolOffs.get('u1', T0))?.addedRefs).toEqual(refs);
    });

    it('a session is live until revoked, and stays revoked until the revocation expires', async () => {
      expect(await a.sessions.status('u1', 'b1', T0)).toEqual({ revoked: false, generation: 0 });
      await a.sessions.revoke('u1', 'b1', T0 + DAY, T0);
      expect(await a.sessions.status('u1', 'b1', T0 + 1000)).toEqual({ revoked: true, generation: 0 });
      expect(await a.sessions.status('u1', 'b2', T0 + 1000)).toEqual({ revoked: false, generation: 0 });
      expect(await a.sessions.status('u2', 'b1', T0 + 1000)).toEqual({ revoked: false, generation: 0 });
    });

    it('revoking everything raises the generation, once per call, even under concurrency', async () => {
      expect(await a.sessions.revokeAll('u1', T0 + DAY, T0)).toBe(1);
      const next = await Promise.all(Array.from({ length: 10 }, () => a.sessions.revokeAll('u1', T0 + DAY, T0)));
      expect([...next].sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect((await a.sessions.status('u1', 'any', T0)).generation).toBe(11);
      expect((await a.sessions.status('u2', 'any', T0)).generation).toBe(0);
    });

    it('a caller that is no longer live cannot revoke everyone else (atomically, under concurrency)', async () => {
      expect(await a.sessions.revokeAll('u1', T0 + DAY, T0, { bindingId: 'owner', generation: 0 })).toBe(1);
      // A session of generation 0 was signed out by that: its requests in flight change nothing.
      expect(await a.sessions.revokeAll('u1', T0 + DAY, T0, { bindingId: 'thief', generation: 0 })).toBeNull();
      await a.sessions.revoke('u1', 'gone', T0 + DAY, T0);
      expect(await a.sessions.revokeAll('u1', T0 + DAY, T0, { bindingId: 'gone', generation: 1 })).toBeNull();
      // Of many concurrent callers at the same generation, exactly one wins.
      const raced = await Promise.all(Array.from({ length: 10 }, (_, i) => a.sessions.revokeAll('u1', T0 + DAY, T0, { bindingId: `s${i}`, generation: 1 })));
      expect(raced.filter((g) => g !== null)).toEqual([2]);
      expect((await a.sessions.status('u1', 'x', T0)).generation).toBe(2);
    });
  });
}

contract('memory', async () => ({ coolOffs: new MemoryCoolOffStore(), sessions: new MemorySessionRevocationStore() }));

if (TEST_REDIS_URL) {
  contract('redis', async () => {
    const { redis, keyPrefix } = await connectTestRedis();
    const keys = redisKeys(keyPrefix);
    return { coolOffs: new RedisCoolOffStore(redis, keys), sessions: new RedisSessionRevocationStore(redis, keys), close: () => (redis as Redis).quit().then(() => undefined) };
  });
  const clusterNodes = TEST_REDIS_CLUSTER_NODES;
  if (clusterNodes) {
    contract('redis cluster (3 masters)', async () => {
      const { cluster, keyPrefix } = connectTestCluster();
      const keys = redisKeys(keyPrefix);
      return { coolOffs: new RedisCoolOffStore(cluster, keys), sessions: new RedisSessionRevocationStore(cluster, keys), close: () => cluster.quit().then(() => undefined) };
    });
  }
} else {
  console.warn('SKIPPED (no redis-server): account security store contract: redis');
  describe.skip('account security store contract: redis', () => it('needs redis-server', () => undefined));
}
