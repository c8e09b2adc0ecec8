import { randomUUID } from 'node:crypto';
import { connectTestCluster } from '../helpers/forEachStore';
import { MemoryChallengeStore } from '../../src/stores/memory/MemoryChallengeStore';
import { MemoryRateLimitStore } from '../../src/stores/memory/MemoryRateLimitStore';
import { MemoryApprovalStore } from '../../src/stores/memory/MemoryApprovalStore';
import { MemoryCounterStore } from '../../src/stores/memory/MemoryCounterStore';
import { MemoryDeliveryStore } from '../../src/stores/memory/MemoryDeliveryStore';
import { RedisCounterStore } from '../../src/stores/redis/RedisCounterStore';
import { RedisBreakerStore } from '../../src/stores/redis/RedisBreakerStore';
import { MemoryBreakerStore } from '../../src/stores/memory/MemoryBreakerStore';
import { RedisDeliveryStore } from '../../src/stores/redis/RedisDeliveryStore';
import { RedisChallengeStore } from '../../src/stores/redis/RedisChallengeStore';
import { RedisRateLimitStore } from '../../src/stores/redis/RedisRateLimitStore';
import { RedisApprovalStore } from '../../src/stores/redis/RedisApprovalStore';
import { redisKeys } from '../../src/stores/redis/redisKeys';
import type { ChallengeStore, LockoutPolicy, SmsChallengeRecord, StepGuardStores } from '../../src/stores/types';
import { MemoryTrustedDeviceStore } from '../../src/stores/memory/MemoryTrustedDeviceStore';
import { RedisTrustedDeviceStore } from '../../src/stores/redis/RedisTrustedDeviceStore';
import { connectTestRedis, TEST_REDIS_URL, TEST_REDIS_CLUSTER_NODES } from '../helpers/withRedis';
import type { Redis } from 'ioredis';

type Adapters = Pick<StepGuardStores, 'challenges' | 'rateLimits' | 'counters' | 'breakers' | 'deliveries' | 'approvals' | 'trustedDevices'>;

const T0 = Date.UTC(2026, 0, 1);
const LOCKOUT: LockoutPolicy = { maxConsecutiveFailures: 10, lockSeconds: 900, hardLimitFailures: 100, failureMemorySeconds: 86_400 };

function challenge(overrides: Partial<SmsChallengeRecord> = {}): SmsChallengeRecord {
  return {
    id: randomUUID(),
    userId: 'user-1',
    bindingId: 'bind-1',
    phone: '+14155550123',
    purpose: 'login',
    txHash: null,
    codeHash: 'h'.repeat(64),
    createdAtMs: T0,
    expiresAtMs: T0 + 300_000,
    attempts: 0,
    sendCount: 1,
    nextResendAtMs: T0 + 30_000,
    ...overrides,
  };
}

const reserve = (s: ChallengeStore, c: SmsChallengeRecord, nowMs = T0, bindingId = c.bindingId) =>
  s.reserveAttempt({ userId: c.userId, challengeId: c.id, bindingId, nowMs, maxAttempts: 5, lockout: LOCKOUT });

function contract(name: string, make: () => Promise<Adapters & { close?: () => Promise<void> }>) {
  describe(`store contract: ${name}`, () => {
    let a: Adapters & { close?: () => Promise<void> };
    beforeEach(async () => {
      a = await make();
    });
    afterEach(async () => {
      await a.close?.();
    });

    it('stores and returns a challenge', async () => {
      const c = challenge();
      await a.challenges.create(c);
      expect(await a.challenges.get(c.userId, c.id, T0)).toEqual(c);
      expect(await a.challenges.get('someone-else', c.id, T0)).toBeNull();
    });

    it('counts an attempt before returning the hash, and refuses after maxAttempts', async () => {
      const c = challenge();
      await a.challenges.create(c);
      for (let i = 1; i <= 5; i += 1) {
        const r = await reserve(a.challenges, c);
        expect(r).toMatchObject({ ok: true, codeHash: c.codeHash, attempts: i, consecutiveFailures: i });
      }
      expect(await reserve(a.challenges, c)).toEqual({ ok: false, reason: 'exhausted', expiresAtMs: c.expiresAtMs });
    });

    it('refuses another session (binding) as if the challenge did not exist', async () => {
      const c = challenge();
      await a.challenges.create(c);
      expect(await reserve(a.challenges, c, T0, 'bind-2')).toEqual({ ok: false, reason: 'not_found' });
      expect((await a.challenges.get(c.userId, c.id, T0))?.attempts).toBe(0);
    });

    it('reports expiry by the caller clock', async () => {
      const c = challenge();
      await a.challenges.create(c);
      expect((await reserve(a.challenges, c, c.expiresAtMs - 1)).ok).toBe(true);
      expect(await reserve(a.challenges, c, c.expiresAtMs)).toEqual({ ok: false, reason: 'expired' });
    });

    it('consumes exactly once under 50 concurrent calls, clearing the failure count', async () => {
      const c = challenge();
      await a.challenges.create(c);
      await reserve(a.challenges, c);
      const results = await Promise.all(Array.from({ length: 50 }, () => a.challenges.consume(c.userId, c.id)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await reserve(a.challenges, c)).toEqual({ ok: false, reason: 'not_found' });
      const next = challenge();
      await a.challenges.create(next);
      expect(await reserve(a.challenges, next)).toMatchObject({ ok: true, consecutiveFailures: 1 });
    });

    it('admits at most maxAttempts of 40 concurrent reservations', async () => {
      const c = challenge();
      await a.challenges.create(c);
      const results = await Promise.all(Array.from({ length: 40 }, () => reserve(a.challenges, c)));
      expect(results.filter((r) => r.ok)).toHaveLength(5);
    });

    it('locks the account at 10 consecutive failures until lockSeconds pass', async () => {
      const first = challenge();
      const second = challenge();
      await a.challenges.create(first);
      await a.challenges.create(second);
      for (let i = 0; i < 5; i += 1) await reserve(a.challenges, first);
      for (let i = 0; i < 4; i += 1) expect(await reserve(a.challenges, second)).toMatchObject({ ok: true, lockedUntilMs: null });
      expect(await reserve(a.challenges, second)).toMatchObject({ ok: true, consecutiveFailures: 10, lockedUntilMs: T0 + 900_000 });
      expect(await a.challenges.lockedUntil('user-1', T0)).toBe(T0 + 900_000);
      const third = challenge({ expiresAtMs: T0 + 2_000_000 });
      await a.challenges.create(third);
      expect(await reserve(a.challenges, third, T0 + 899_999)).toEqual({ ok: false, reason: 'locked', lockedUntilMs: T0 + 900_000 });
      expect(await a.challenges.lockedUntil('user-1', T0 + 900_000)).toBeNull();
      expect(await reserve(a.challenges, third, T0 + 900_000)).toMatchObject({ ok: true, consecutiveFailures: 11 });
    });

    it('never allows more than hardLimitFailures in a row', async () => {
      const lockout = { ...LOCKOUT, maxConsecutiveFailures: 3, hardLimitFailures: 6, lockSeconds: 1 };
      let now = T0;
      let last;
      for (let i = 0; i < 6; i += 1) {
        const c = challenge({ expiresAtMs: T0 + 10_000_000 });
        await a.challenges.create(c);
        last = await a.challenges.reserveAttempt({ userId: c.userId, challengeId: c.id, bindingId: c.bindingId, nowMs: now, maxAttempts: 5, lockout });
        now += 2000;
      }
      expect(last).toMatchObject({ ok: true, consecutiveFailures: 6 });
      expect(await a.challenges.lockedUntil('user-1', now + 30 * 86_400_000)).not.toBeNull();
    });

    it('replaces the code on resend, keeping attempts, honouring the wait and a racing resend', async () => {
      const c = challenge();
      await a.challenges.create(c);
      await reserve(a.challenges, c);
      const base = { userId: c.userId, challengeId: c.id, bindingId: c.bindingId, codeHash: 'n'.repeat(64), expiresAtMs: T0 + 400_000, nextResendAtMs: T0 + 90_000, maxAttempts: 5 };
      expect(await a.challenges.replaceCode({ ...base, expectedSendCount: 1, nowMs: T0 + 29_999 })).toEqual({ ok: false, reason: 'too_early', nextResendAtMs: T0 + 30_000 });
      expect(await a.challenges.replaceCode({ ...base, expectedSendCount: 0, nowMs: T0 + 30_000 })).toEqual({ ok: false, reason: 'conflict' });
      expect(await a.challenges.replaceCode({ ...base, expectedSendCount: 1, nowMs: T0 + 30_000 })).toEqual({ ok: true });
      expect(await a.challenges.get(c.userId, c.id, T0 + 30_000)).toMatchObject({ attempts: 1, sendCount: 2, codeHash: 'n'.repeat(64), expiresAtMs: T0 + 400_000 });
    });

    it('counts factor attempts toward the lock and clears them on success', async () => {
      const results = await Promise.all(Array.from({ length: 15 }, () => a.challenges.reserveFactorAttempt('user-9', T0, LOCKOUT)));
      expect(results.filter((r) => r.ok)).toHaveLength(10);
      expect(results.filter((r) => !r.ok)).toHaveLength(5);
      expect(await a.challenges.lockedUntil('user-9', T0)).toBe(T0 + 900_000);
      await a.challenges.clearFailures('user-9');
      expect(await a.challenges.lockedUntil('user-9', T0)).toBeNull();
      expect(await a.challenges.failureCount('user-9', T0)).toBe(0);
    });

    it('remembers trusted devices until they expire or are revoked', async () => {
      const d = { id: 'd1', userId: 'user-1', label: 'Chrome on Linux', createdAtMs: T0, expiresAtMs: T0 + 1000 };
      await a.trustedDevices.add(d, T0);
      await a.trustedDevices.add({ ...d, id: 'd2' }, T0);
      expect(await a.trustedDevices.isTrusted('user-1', 'd1', T0 + 999)).toBe(true);
      expect(await a.trustedDevices.isTrusted('user-1', 'd1', T0 + 1000)).toBe(false);
      expect(await a.trustedDevices.isTrusted('user-2', 'd1', T0)).toBe(false);
      expect((await a.trustedDevices.list('user-1', T0)).map((x) => x.id).sort()).toEqual(['d1', 'd2']);
      expect(await a.trustedDevices.revoke('user-1', 'd1')).toBe(true);
      expect(await a.trustedDevices.revokeAll('user-1')).toBe(1);
      expect(await a.trustedDevices.list('user-1', T0)).toEqual([]);
    });

    it('keeps sliding windows of distinct members, atomically under concurrency', async () => {
      const add = (member: string, nowMs: number, key = 'phone:x') => a.rateLimits.add(key, member, 3, 600_000, nowMs);
      const results = [];
      for (let i = 0; i < 4; i += 1) results.push(await add(`send-${i}`, T0 + i * 1000));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.added)).toEqual([true, true, true, false]);
      // The window slides: the oldest member leaves 600 s after it came, not at a window edge.
      expect(results[3]?.retryAfterMs).toBe(600_000 - 3000);
      expect((await add('send-4', T0 + 599_999)).allowed).toBe(false);
      expect((await add('send-5', T0 + 600_000)).allowed).toBe(true);
      expect((await add('send-6', T0 + 600_001)).allowed).toBe(false);
      // A member already in the window is refreshed, not counted twice.
      expect(await add('send-5', T0 + 600_002)).toMatchObject({ allowed: true, added: false, count: 3 });
      expect((await add('other', T0, 'phone:y')).allowed).toBe(true);
      // Removing hands the budget back.
      await a.rateLimits.remove('phone:x', 'send-5');
      expect((await add('send-7', T0 + 600_003)).allowed).toBe(true);
      const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => a.rateLimits.add('burst', `m${i}`, 5, 60_000, T0)));
      expect(burst.filter((r) => r.allowed)).toHaveLength(5);
    });

    it('sums bucketed counters over a rolling span, with an atomic cap', async () => {
      const add = (bucket: number, amount: number, cap = 0) => a.counters.add('spend', { bucket, amount, fromBucket: bucket - 59, cap, ttlSeconds: 3700 });
      expect(await add(100, 5)).toEqual({ allowed: true, total: 5 });
      expect(await add(130, 5)).toEqual({ allowed: true, total: 10 });
      expect(await add(159, 0)).toEqual({ allowed: true, total: 10 });
      // Bucket 100 falls out once the span starts at 101.
      expect(await add(160, 0)).toEqual({ allowed: true, total: 5 });
      expect(await add(160, 6, 10)).toEqual({ allowed: false, total: 5 });
      expect(await add(160, 5, 10)).toEqual({ allowed: true, total: 10 });
      expect(await add(160, -5)).toEqual({ allowed: true, total: 5 });
      const burst = await Promise.all(Array.from({ length: 20 }, () => a.counters.add('cap', { bucket: 1, amount: 10, fromBucket: 0, cap: 50, ttlSeconds: 60 })));
      expect(burst.filter((r) => r.allowed)).toHaveLength(5);
    });

    it('opens a breaker atomically at low conversion, counting afresh and doubling when it trips again', async () => {
      const policy = { minSends: 10, minConversion: 0.25, windowMs: 3_600_000, openMs: 600_000, maxOpenMs: 86_400_000 };
      const admits = await Promise.all(Array.from({ length: 30 }, () => a.breakers.admit('DE', policy, T0, true)));
      expect(admits.filter((r) => !r.open)).toHaveLength(10);
      expect(admits.filter((r) => r.tripped)).toHaveLength(1);
      expect(await a.breakers.admit('DE', policy, T0 + 599_999, true)).toMatchObject({ open: true, openUntilMs: T0 + 600_000, level: 0 });
      // Re-opened: the old sends no longer count.
      expect(await a.breakers.admit('DE', policy, T0 + 600_000, false)).toMatchObject({ open: false, sent: 0 });
      for (let i = 0; i < 10; i += 1) await a.breakers.admit('DE', policy, T0 + 600_000 + i, true);
      expect(await a.breakers.admit('DE', policy, T0 + 601_000, true)).toMatchObject({ open: true, tripped: true, level: 1, openUntilMs: T0 + 601_000 + 1_200_000 });
      // Healthy conversion keeps it closed; handed-back sends do not count.
      for (let i = 0; i < 20; i += 1) {
        await a.breakers.adjustSent('FR', T0, 1, policy.windowMs);
        if (i % 4 !== 0) await a.breakers.recordVerified('FR', T0, policy.windowMs);
      }
      expect(await a.breakers.admit('FR', policy, T0 + 1000, false)).toMatchObject({ open: false, sent: 20, verified: 15 });
      await a.breakers.adjustSent('FR', T0, -5, policy.windowMs);
      expect(await a.breakers.admit('FR', policy, T0 + 1000, false)).toMatchObject({ sent: 15 });
      // An hour later the window has moved on.
      expect(await a.breakers.admit('FR', policy, T0 + 3_600_000 + 60_000, false)).toMatchObject({ sent: 0, verified: 0 });
    });

    it('moves a delivery status only forward, idempotently, and finds it by challenge', async () => {
      const record = {
        provider: 'http',
        providerMessageId: `msg-${randomUUID()}`,
        userId: 'user-1',
        challengeId: 'ch-1',
        channel: 'sms' as const,
        country: 'GB',
        status: 'accepted' as const,
        sentAtMs: T0,
        updatedAtMs: T0,
        deliveredAtMs: null,
        errorCode: null,
      };
      await a.deliveries.create(record, 3600);
      const apply = (status: 'sent' | 'delivered' | 'undelivered' | 'accepted', atMs: number) =>
        a.deliveries.applyReceipt({ provider: 'http', providerMessageId: record.providerMessageId, status, atMs });
      expect(await a.deliveries.applyReceipt({ provider: 'other', providerMessageId: record.providerMessageId, status: 'sent', atMs: T0 })).toEqual({ found: false });
      // Out of order: delivered arrives before sent; the late "sent" and a replay change nothing.
      expect(await apply('delivered', T0 + 4000)).toMatchObject({ found: true, changed: true, record: { status: 'delivered', deliveredAtMs: T0 + 4000 } });
      expect(await apply('sent', T0 + 5000)).toMatchObject({ found: true, changed: false, record: { status: 'delivered' } });
      expect(await apply('delivered', T0 + 6000)).toMatchObject({ changed: false, record: { deliveredAtMs: T0 + 4000 } });
      expect(await apply('undelivered', T0 + 7000)).toMatchObject({ changed: false, record: { status: 'delivered' } });
      expect(await a.deliveries.latestForChallenge('user-1', 'ch-1')).toMatchObject({ providerMessageId: record.providerMessageId, status: 'delivered', country: 'GB' });
      expect(await a.deliveries.latestForChallenge('user-2', 'ch-1')).toBeNull();
      const racing = { ...record, providerMessageId: `race-${randomUUID()}`, challengeId: null };
      await a.deliveries.create(racing, 3600);
      const results = await Promise.all(
        (['sent', 'delivered', 'failed', 'sent', 'delivered'] as const).map((status) =>
          a.deliveries.applyReceipt({ provider: 'http', providerMessageId: racing.providerMessageId, status, atMs: T0 }),
        ),
      );
      const terminal = results.filter((r) => r.found && r.changed && r.record.status !== 'sent');
      expect(terminal).toHaveLength(1);
    });

    it('grants an approval usable once, only before it expires', async () => {
      const key = { userId: 'user-1', bindingId: 'b', action: 'transfer', txHash: 'tx' };
      await a.approvals.grant(key, T0 + 300_000, T0);
      expect(await a.approvals.consume({ ...key, txHash: 'other' }, T0)).toBe(false);
      const results = await Promise.all(Array.from({ length: 20 }, () => a.approvals.consume(key, T0 + 1)));
      expect(results.filter(Boolean)).toHaveLength(1);
      await a.approvals.grant(key, T0 + 300_000, T0);
      expect(await a.approvals.consume(key, T0 + 300_000)).toBe(false);
    });
  });
}

contract('memory', async () => ({
  challenges: new MemoryChallengeStore(),
  rateLimits: new MemoryRateLimitStore(),
  counters: new MemoryCounterStore(),
  breakers: new MemoryBreakerStore(),
  deliveries: new MemoryDeliveryStore(),
  approvals: new MemoryApprovalStore(),
  trustedDevices: new MemoryTrustedDeviceStore(),
}));

if (TEST_REDIS_URL) {
  contract('redis', async () => {
    const { redis, keyPrefix } = await connectTestRedis();
    const keys = redisKeys(keyPrefix);
    return {
      challenges: new RedisChallengeStore(redis, keys),
      rateLimits: new RedisRateLimitStore(redis, keys),
      counters: new RedisCounterStore(redis, keys),
      breakers: new RedisBreakerStore(redis, keys),
      deliveries: new RedisDeliveryStore(redis, keys),
      approvals: new RedisApprovalStore(redis, keys),
      trustedDevices: new RedisTrustedDeviceStore(redis, keys),
      close: () => (redis as Redis).quit().then(() => undefined),
    };
  });
  const clusterNodes = TEST_REDIS_CLUSTER_NODES;
  if (clusterNodes) {
    contract('redis cluster (3 masters)', async () => {
      const { cluster, keyPrefix } = connectTestCluster();
      const keys = redisKeys(keyPrefix);
      return {
        challenges: new RedisChallengeStore(cluster, keys),
        rateLimits: new RedisRateLimitStore(cluster, keys),
        counters: new RedisCounterStore(cluster, keys),
        breakers: new RedisBreakerStore(cluster, keys),
        deliveries: new RedisDeliveryStore(cluster, keys),
        approvals: new RedisApprovalStore(cluster, keys),
        trustedDevices: new RedisTrustedDeviceStore(cluster, keys),
        close: () => cluster.quit().then(() => undefined),
      };
    });
  }
} else {
  console.warn('SKIPPED (no redis-server): store contract: redis');
  describe.skip('store contract: redis', () => it('needs redis-server', () => undefined));
}
