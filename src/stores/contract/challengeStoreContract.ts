import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ChallengeStore, DeliveryRecord, LockoutPolicy, SmsChallengeRecord } from '../types';
import { assertMatches } from './assertMatches';
import { assertSameData } from './assertSameData';
import type { StoreContractCase } from './types';

/**
 * The short-lived ports (Redis in production): challenges and the account lock, trusted
 * devices, rate-limit windows, spend counters, country breakers, delivery records, approvals.
 * Concurrency cases fire their calls together: an adapter must be atomic, not just correct.
 */
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

const count = <T>(items: readonly T[], keep: (item: T) => unknown): number => items.filter(keep).length;

export const challengeStoreContract: readonly StoreContractCase[] = [
  {
    port: 'challenges',
    name: 'stores and returns a challenge',
    async run({ challenges }) {
      const c = challenge();
      await challenges.create(c);
      assertSameData(await challenges.get(c.userId, c.id, T0), c);
      assert.equal(await challenges.get('someone-else', c.id, T0), null, 'another user must not see the challenge');
    },
  },
  {
    port: 'challenges',
    name: "keeps the number's country with the challenge (a country, none, or not given), and the reservation hands it back",
    async run({ challenges }) {
      const withCountry = challenge({ country: 'US' });
      const without = challenge({ userId: 'user-2', country: null });
      const older = challenge({ userId: 'user-3' });
      for (const c of [withCountry, without, older]) await challenges.create(c);
      assertSameData(await challenges.get(withCountry.userId, withCountry.id, T0), withCountry);
      assertSameData(await challenges.get(without.userId, without.id, T0), without);
      // A challenge stored without the field (an older record) reads without it: "unknown", not "none".
      assert.equal((await challenges.get(older.userId, older.id, T0))?.country, undefined);
      assertMatches(await reserve(challenges, withCountry), { ok: true, challenge: { phone: withCountry.phone, country: 'US' } });
      const none = await reserve(challenges, without);
      assert.equal(none.ok && none.challenge.country, null, 'no country is null');
      const unknown = await reserve(challenges, older);
      assert.ok(unknown.ok && !('country' in unknown.challenge && unknown.challenge.country !== undefined), 'an older record has no country to hand back');
      if (challenges.verifyAttempt) {
        const v = challenge({ userId: 'user-4', country: 'GB' });
        await challenges.create(v);
        const verified = await challenges.verifyAttempt({
          userId: v.userId, challengeId: v.id, bindingId: v.bindingId, nowMs: T0, maxAttempts: 5, lockout: LOCKOUT,
          candidateHash: v.codeHash, expectPurpose: { phoneBindPurpose: 'phone_bind', phoneBind: false },
        });
        assertMatches(verified, { ok: true, matched: true, challenge: { country: 'GB' } });
      }
    },
  },
  {
    port: 'challenges',
    name: 'discards a challenge without touching the failure count',
    async run({ challenges }) {
      const c = challenge();
      await challenges.create(c);
      assertMatches(await reserve(challenges, c), { ok: true, consecutiveFailures: 1 });
      const other = challenge();
      await challenges.create(other);
      await challenges.discard(other.userId, other.id);
      assert.equal(await challenges.get(other.userId, other.id, T0), null, 'the discarded challenge is gone');
      assertMatches(await reserve(challenges, c), { ok: true, consecutiveFailures: 2 }, 'the failure count stays');
      await challenges.discard(other.userId, other.id);
    },
  },
  {
    port: 'challenges',
    name: 'counts an attempt before returning the hash, and refuses after maxAttempts',
    async run({ challenges }) {
      const c = challenge();
      await challenges.create(c);
      for (let i = 1; i <= 5; i += 1) {
        assertMatches(await reserve(challenges, c), { ok: true, codeHash: c.codeHash, attempts: i, consecutiveFailures: i }, `attempt ${i}`);
      }
      assertSameData(await reserve(challenges, c), { ok: false, reason: 'exhausted', expiresAtMs: c.expiresAtMs });
    },
  },
  {
    port: 'challenges',
    name: 'refuses another session (binding) as if the challenge did not exist',
    async run({ challenges }) {
      const c = challenge();
      await challenges.create(c);
      assertSameData(await reserve(challenges, c, T0, 'bind-2'), { ok: false, reason: 'not_found' });
      assert.equal((await challenges.get(c.userId, c.id, T0))?.attempts, 0, 'a foreign binding must not count an attempt');
    },
  },
  {
    port: 'challenges',
    name: 'reports expiry by the caller clock',
    async run({ challenges }) {
      const c = challenge();
      await challenges.create(c);
      assert.equal((await reserve(challenges, c, c.expiresAtMs - 1)).ok, true, 'one ms before expiry');
      assertSameData(await reserve(challenges, c, c.expiresAtMs), { ok: false, reason: 'expired' });
    },
  },
  {
    port: 'challenges',
    name: 'consumes exactly once under 50 concurrent calls, clearing the failure count',
    async run({ challenges }) {
      const c = challenge();
      await challenges.create(c);
      await reserve(challenges, c);
      const results = await Promise.all(Array.from({ length: 50 }, () => challenges.consume(c.userId, c.id)));
      assert.equal(count(results, Boolean), 1, 'concurrent consume calls that returned true');
      assertSameData(await reserve(challenges, c), { ok: false, reason: 'not_found' });
      const next = challenge();
      await challenges.create(next);
      assertMatches(await reserve(challenges, next), { ok: true, consecutiveFailures: 1 });
    },
  },
  {
    port: 'challenges',
    name: 'admits at most maxAttempts of 40 concurrent reservations',
    async run({ challenges }) {
      const c = challenge();
      await challenges.create(c);
      const results = await Promise.all(Array.from({ length: 40 }, () => reserve(challenges, c)));
      assert.equal(count(results, (r) => r.ok), 5, 'reservations admitted');
    },
  },
  {
    port: 'challenges',
    name: 'locks the account at 10 consecutive failures until lockSeconds pass',
    async run({ challenges }) {
      const first = challenge();
      const second = challenge();
      await challenges.create(first);
      await challenges.create(second);
      for (let i = 0; i < 5; i += 1) await reserve(challenges, first);
      for (let i = 0; i < 4; i += 1) assertMatches(await reserve(challenges, second), { ok: true, lockedUntilMs: null }, `failure ${6 + i}`);
      assertMatches(await reserve(challenges, second), { ok: true, consecutiveFailures: 10, lockedUntilMs: T0 + 900_000 });
      assert.equal(await challenges.lockedUntil('user-1', T0), T0 + 900_000);
      const third = challenge({ expiresAtMs: T0 + 2_000_000 });
      await challenges.create(third);
      assertSameData(await reserve(challenges, third, T0 + 899_999), { ok: false, reason: 'locked', lockedUntilMs: T0 + 900_000 });
      assert.equal(await challenges.lockedUntil('user-1', T0 + 900_000), null, 'the lock ends at lockedUntilMs');
      assertMatches(await reserve(challenges, third, T0 + 900_000), { ok: true, consecutiveFailures: 11 });
    },
  },
  {
    port: 'challenges',
    name: 'never allows more than hardLimitFailures in a row',
    async run({ challenges }) {
      const lockout = { ...LOCKOUT, maxConsecutiveFailures: 3, hardLimitFailures: 6, lockSeconds: 1 };
      let now = T0;
      let last;
      for (let i = 0; i < 6; i += 1) {
        const c = challenge({ expiresAtMs: T0 + 10_000_000 });
        await challenges.create(c);
        last = await challenges.reserveAttempt({ userId: c.userId, challengeId: c.id, bindingId: c.bindingId, nowMs: now, maxAttempts: 5, lockout });
        now += 2000;
      }
      assertMatches(last, { ok: true, consecutiveFailures: 6 });
      assert.notEqual(await challenges.lockedUntil('user-1', now + 30 * 86_400_000), null, 'the hard limit locks for good');
    },
  },
  {
    port: 'challenges',
    name: 'replaces the code on resend, keeping attempts, honouring the wait and a racing resend',
    async run({ challenges }) {
      const c = challenge();
      await challenges.create(c);
      await reserve(challenges, c);
      const base = { userId: c.userId, challengeId: c.id, bindingId: c.bindingId, codeHash: 'n'.repeat(64), expiresAtMs: T0 + 400_000, nextResendAtMs: T0 + 90_000, maxAttempts: 5 };
      assertSameData(await challenges.replaceCode({ ...base, expectedSendCount: 1, nowMs: T0 + 29_999 }), { ok: false, reason: 'too_early', nextResendAtMs: T0 + 30_000 });
      assertSameData(await challenges.replaceCode({ ...base, expectedSendCount: 0, nowMs: T0 + 30_000 }), { ok: false, reason: 'conflict' });
      assertSameData(await challenges.replaceCode({ ...base, expectedSendCount: 1, nowMs: T0 + 30_000 }), { ok: true });
      assertMatches(await challenges.get(c.userId, c.id, T0 + 30_000), { attempts: 1, sendCount: 2, codeHash: 'n'.repeat(64), expiresAtMs: T0 + 400_000 });
    },
  },
  {
    port: 'challenges',
    name: 'counts factor attempts toward the lock and clears them on success',
    async run({ challenges }) {
      const results = await Promise.all(Array.from({ length: 15 }, () => challenges.reserveFactorAttempt('user-9', T0, LOCKOUT)));
      assert.equal(count(results, (r) => r.ok), 10, 'factor attempts admitted');
      assert.equal(count(results, (r) => !r.ok), 5, 'factor attempts refused');
      assert.equal(await challenges.lockedUntil('user-9', T0), T0 + 900_000);
      await challenges.clearFailures('user-9');
      assert.equal(await challenges.lockedUntil('user-9', T0), null, 'clearFailures lifts the lock');
      assert.equal(await challenges.failureCount('user-9', T0), 0);
    },
  },
  {
    port: 'challenges',
    name: 'verifyAttempt (optional) reserves, compares and consumes in one step: of concurrent correct codes exactly one wins',
    async run({ challenges }) {
      if (!challenges.verifyAttempt) return;
      const c = challenge({ userId: 'user-7' });
      await challenges.create(c);
      const verify = (candidateHash: string, phoneBind = false) =>
        challenges.verifyAttempt!({ userId: c.userId, challengeId: c.id, bindingId: c.bindingId, nowMs: T0, maxAttempts: 5, lockout: LOCKOUT, candidateHash, expectPurpose: { phoneBind, phoneBindPurpose: 'phone_bind' } });
      const wrong = c.codeHash.slice(0, -1) + (c.codeHash.endsWith('0') ? '1' : '0');
      assertMatches(await verify(wrong), { ok: true, matched: false, attempts: 1, consecutiveFailures: 1 }, 'a wrong code counts and consumes nothing');
      assertMatches(await verify(c.codeHash, true), { ok: true, matched: false, attempts: 2 }, 'the right code for the other kind of challenge consumes nothing');
      const racers = await Promise.all(Array.from({ length: 3 }, () => verify(c.codeHash)));
      assert.equal(count(racers, (r) => r.ok && 'matched' in r && r.matched), 1, 'exactly one correct attempt wins');
      assert.equal(count(racers, (r) => !r.ok && r.reason === 'not_found'), 2, 'the others find it gone');
      assert.equal(await challenges.get(c.userId, c.id, T0), null, 'consumed');
      assertSameData(await Promise.all([challenges.failureCount(c.userId, T0), challenges.lockedUntil(c.userId, T0)]), [0, null], 'a success clears the failures');
    },
  },
  {
    port: 'challenges',
    name: 'verifyAttempt (optional) with supersedesFor(sessions): supersedes the session only with a match it consumed, as the sessions port would',
    async run({ challenges, sessions }) {
      if (!challenges.verifyAttempt || !challenges.supersedesFor?.(sessions)) return;
      const c = challenge({ userId: 'user-6' });
      await challenges.create(c);
      const verify = (candidateHash: string, phoneBind = false) =>
        challenges.verifyAttempt!({
          userId: c.userId,
          challengeId: c.id,
          bindingId: c.bindingId,
          nowMs: T0,
          maxAttempts: 5,
          lockout: LOCKOUT,
          candidateHash,
          expectPurpose: { phoneBind, phoneBindPurpose: 'phone_bind' },
          supersede: { sessionEpoch: 2, untilMs: T0 + 86_400_000 },
        });
      const floor = async () => (await sessions.status(c.userId, c.bindingId, T0)).epoch ?? 0;
      const wrong = c.codeHash.slice(0, -1) + (c.codeHash.endsWith('0') ? '1' : '0');
      const missed = await verify(wrong);
      assert.ok(missed.ok && !('superseded' in missed && missed.superseded !== undefined), 'a wrong code supersedes nothing');
      await verify(c.codeHash, true);
      assert.equal(await floor(), 0, 'neither a wrong code nor the other kind of challenge raises the floor');
      const racers = await Promise.all(Array.from({ length: 3 }, () => verify(c.codeHash)));
      const won = racers.find((r) => r.ok && 'matched' in r && r.matched);
      assert.ok(won && won.ok && 'matched' in won);
      assert.equal(won.superseded, 3, 'the floor above the session\'s epoch');
      assert.equal(await floor(), 3, 'the sessions port sees the same floor');
      assert.equal(count(racers, (r) => r.ok && 'superseded' in r && r.superseded !== undefined), 1, 'only the winner supersedes');
    },
  },
  {
    port: 'challenges',
    name: 'failureState (optional) answers failureCount and lockedUntil in one read',
    async run({ challenges }) {
      if (!challenges.failureState) return;
      assertSameData(await challenges.failureState('user-8', T0), { failures: 0, lockedUntilMs: null });
      for (let i = 0; i < 10; i += 1) await challenges.reserveFactorAttempt('user-8', T0, LOCKOUT);
      assertSameData(await challenges.failureState('user-8', T0), { failures: 10, lockedUntilMs: T0 + 900_000 });
      assertSameData(await challenges.failureState('user-8', T0 + 900_000), { failures: 10, lockedUntilMs: null }, 'a lock ends at its time');
      await challenges.clearFailures('user-8');
      assertSameData(await challenges.failureState('user-8', T0), { failures: 0, lockedUntilMs: null });
    },
  },
  {
    port: 'trustedDevices',
    name: 'remembers trusted devices until they expire or are revoked',
    async run({ trustedDevices }) {
      const d = { id: 'd1', userId: 'user-1', label: 'Chrome on Linux', createdAtMs: T0, expiresAtMs: T0 + 1000 };
      await trustedDevices.add(d, T0);
      await trustedDevices.add({ ...d, id: 'd2' }, T0);
      assert.equal(await trustedDevices.isTrusted('user-1', 'd1', T0 + 999), true);
      assert.equal(await trustedDevices.isTrusted('user-1', 'd1', T0 + 1000), false, 'expired at expiresAtMs');
      assert.equal(await trustedDevices.isTrusted('user-2', 'd1', T0), false, 'another user');
      assertSameData((await trustedDevices.list('user-1', T0)).map((x) => x.id).sort(), ['d1', 'd2']);
      assert.equal(await trustedDevices.revoke('user-1', 'd1'), true);
      assert.equal(await trustedDevices.revokeAll('user-1'), 1);
      assertSameData(await trustedDevices.list('user-1', T0), []);
    },
  },
  {
    port: 'rateLimits',
    name: 'keeps sliding windows of distinct members, atomically under concurrency',
    async run({ rateLimits }) {
      const add = (member: string, nowMs: number, key = 'phone:x') => rateLimits.add(key, member, 3, 600_000, nowMs);
      const results = [];
      for (let i = 0; i < 4; i += 1) results.push(await add(`send-${i}`, T0 + i * 1000));
      assertSameData(results.map((r) => r.allowed), [true, true, true, false]);
      assertSameData(results.map((r) => r.added), [true, true, true, false]);
      // The window slides: the oldest member leaves 600 s after it came, not at a window edge.
      assert.equal(results[3]?.retryAfterMs, 600_000 - 3000);
      assert.equal((await add('send-4', T0 + 599_999)).allowed, false);
      assert.equal((await add('send-5', T0 + 600_000)).allowed, true);
      assert.equal((await add('send-6', T0 + 600_001)).allowed, false);
      // A member already in the window is refreshed, not counted twice.
      assertMatches(await add('send-5', T0 + 600_002), { allowed: true, added: false, count: 3 });
      assert.equal((await add('other', T0, 'phone:y')).allowed, true, 'another key has its own window');
      // Removing hands the budget back.
      await rateLimits.remove('phone:x', 'send-5');
      assert.equal((await add('send-7', T0 + 600_003)).allowed, true);
      const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => rateLimits.add('burst', `m${i}`, 5, 60_000, T0)));
      assert.equal(count(burst, (r) => r.allowed), 5, 'concurrent adds allowed');
    },
  },
  {
    port: 'rateLimits',
    name: 'addGroup (optional) judges each window of a group as add would, atomically under concurrency',
    async run({ rateLimits }) {
      if (!rateLimits.addGroup || !rateLimits.removeFromGroup) return;
      const windows = [
        { key: 'short', limit: 2, windowMs: 60_000 },
        { key: 'long', limit: 3, windowMs: 600_000 },
      ];
      const add = (member: string, nowMs: number, group = 'phone:x') => rateLimits.addGroup!(group, windows, member, nowMs);
      assertSameData(await add('s1', T0), [
        { allowed: true, added: true, count: 1, retryAfterMs: 0 },
        { allowed: true, added: true, count: 1, retryAfterMs: 0 },
      ]);
      await add('s2', T0 + 1000);
      // The short window is full, the long one still admits (and adds): each judged on its own.
      assertSameData(await add('s3', T0 + 2000), [
        { allowed: false, added: false, count: 2, retryAfterMs: 58_000 },
        { allowed: true, added: true, count: 3, retryAfterMs: 0 },
      ]);
      assertMatches((await add('s4', T0 + 60_000))[1], { allowed: false, count: 3, retryAfterMs: 540_000 });
      // A member already there is refreshed, not counted twice; removing hands one window back.
      assertMatches((await add('s3', T0 + 60_001))[1], { allowed: true, added: false, count: 3 });
      await rateLimits.removeFromGroup('phone:x', 'long', 's3');
      assertMatches((await add('s5', T0 + 60_002))[1], { allowed: true, added: true, count: 3 });
      assertMatches((await add('o1', T0, 'phone:y'))[0], { allowed: true, count: 1 }, 'another group has its own windows');
      // Not the plain window of the same name.
      assertMatches(await rateLimits.add('phone:x', 'z', 1, 60_000, T0), { allowed: true, count: 1 });
      const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => rateLimits.addGroup!('burst', windows, `m${i}`, T0)));
      assert.equal(count(burst, (r) => r[0]?.allowed), 2, 'concurrent adds allowed by the short window');
      assert.equal(count(burst, (r) => r[1]?.allowed), 3, 'concurrent adds allowed by the long window');
    },
  },
  {
    port: 'counters',
    name: 'sums bucketed counters over a rolling span, with an atomic cap',
    async run({ counters }) {
      const add = (bucket: number, amount: number, cap = 0) => counters.add('spend', { bucket, amount, fromBucket: bucket - 59, cap, ttlSeconds: 3700 });
      assertSameData(await add(100, 5), { allowed: true, total: 5 });
      assertSameData(await add(130, 5), { allowed: true, total: 10 });
      assertSameData(await add(159, 0), { allowed: true, total: 10 });
      // Bucket 100 falls out once the span starts at 101.
      assertSameData(await add(160, 0), { allowed: true, total: 5 });
      assertSameData(await add(160, 6, 10), { allowed: false, total: 5 });
      assertSameData(await add(160, 5, 10), { allowed: true, total: 10 });
      assertSameData(await add(160, -5), { allowed: true, total: 5 });
      const burst = await Promise.all(Array.from({ length: 20 }, () => counters.add('cap', { bucket: 1, amount: 10, fromBucket: 0, cap: 50, ttlSeconds: 60 })));
      assert.equal(count(burst, (r) => r.allowed), 5, 'concurrent adds under the cap');
    },
  },
  {
    port: 'breakers',
    name: 'opens a breaker atomically at low conversion, counting afresh and doubling when it trips again',
    async run({ breakers }) {
      const policy = { minSends: 10, minConversion: 0.25, windowMs: 3_600_000, openMs: 600_000, maxOpenMs: 86_400_000 };
      const admits = await Promise.all(Array.from({ length: 30 }, () => breakers.admit('DE', policy, T0, true)));
      assert.equal(count(admits, (r) => !r.open), 10, 'concurrent sends admitted');
      assert.equal(count(admits, (r) => r.tripped), 1, 'concurrent admits that tripped the breaker');
      assertMatches(await breakers.admit('DE', policy, T0 + 599_999, true), { open: true, openUntilMs: T0 + 600_000, level: 0 });
      // Re-opened: the old sends no longer count.
      assertMatches(await breakers.admit('DE', policy, T0 + 600_000, false), { open: false, sent: 0 });
      for (let i = 0; i < 10; i += 1) await breakers.admit('DE', policy, T0 + 600_000 + i, true);
      assertMatches(await breakers.admit('DE', policy, T0 + 601_000, true), { open: true, tripped: true, level: 1, openUntilMs: T0 + 601_000 + 1_200_000 });
      // Healthy conversion keeps it closed; handed-back sends do not count.
      for (let i = 0; i < 20; i += 1) {
        await breakers.adjustSent('FR', T0, 1, policy.windowMs);
        if (i % 4 !== 0) await breakers.recordVerified('FR', T0, policy.windowMs);
      }
      assertMatches(await breakers.admit('FR', policy, T0 + 1000, false), { open: false, sent: 20, verified: 15 });
      await breakers.adjustSent('FR', T0, -5, policy.windowMs);
      assertMatches(await breakers.admit('FR', policy, T0 + 1000, false), { sent: 15 });
      // An hour later the window has moved on.
      assertMatches(await breakers.admit('FR', policy, T0 + 3_600_000 + 60_000, false), { sent: 0, verified: 0 });
    },
  },
  {
    port: 'deliveries',
    name: 'moves a delivery status only forward, idempotently, and finds it by challenge',
    async run({ deliveries }) {
      const record: DeliveryRecord = {
        provider: 'http',
        providerMessageId: `msg-${randomUUID()}`,
        userId: 'user-1',
        challengeId: 'ch-1',
        channel: 'sms',
        country: 'GB',
        status: 'accepted',
        sentAtMs: T0,
        updatedAtMs: T0,
        deliveredAtMs: null,
        errorCode: null,
      };
      await deliveries.create(record, 3600);
      const apply = (status: 'sent' | 'delivered' | 'undelivered' | 'accepted', atMs: number) =>
        deliveries.applyReceipt({ provider: 'http', providerMessageId: record.providerMessageId, status, atMs });
      assertSameData(await deliveries.applyReceipt({ provider: 'other', providerMessageId: record.providerMessageId, status: 'sent', atMs: T0 }), { found: false });
      // Out of order: delivered arrives before sent; the late "sent" and a replay change nothing.
      assertMatches(await apply('delivered', T0 + 4000), { found: true, changed: true, record: { status: 'delivered', deliveredAtMs: T0 + 4000 } });
      assertMatches(await apply('sent', T0 + 5000), { found: true, changed: false, record: { status: 'delivered' } });
      assertMatches(await apply('delivered', T0 + 6000), { changed: false, record: { deliveredAtMs: T0 + 4000 } });
      assertMatches(await apply('undelivered', T0 + 7000), { changed: false, record: { status: 'delivered' } });
      assertMatches(await deliveries.latestForChallenge('user-1', 'ch-1'), { providerMessageId: record.providerMessageId, status: 'delivered', country: 'GB' });
      assert.equal(await deliveries.latestForChallenge('user-2', 'ch-1'), null, 'another user');
      const racing = { ...record, providerMessageId: `race-${randomUUID()}`, challengeId: null };
      await deliveries.create(racing, 3600);
      const results = await Promise.all(
        (['sent', 'delivered', 'failed', 'sent', 'delivered'] as const).map((status) =>
          deliveries.applyReceipt({ provider: 'http', providerMessageId: racing.providerMessageId, status, atMs: T0 }),
        ),
      );
      assert.equal(count(results, (r) => r.found && r.changed && r.record.status !== 'sent'), 1, 'concurrent receipts that reached a final status');
    },
  },
  {
    port: 'approvals',
    name: 'grants an approval usable once, only before it expires',
    async run({ approvals }) {
      const key = { userId: 'user-1', bindingId: 'b', action: 'transfer', txHash: 'tx' };
      await approvals.grant(key, T0 + 300_000, T0);
      assert.equal(await approvals.consume({ ...key, txHash: 'other' }, T0), false, 'another transaction');
      const results = await Promise.all(Array.from({ length: 20 }, () => approvals.consume(key, T0 + 1)));
      assert.equal(count(results, Boolean), 1, 'concurrent consume calls that returned true');
      await approvals.grant(key, T0 + 300_000, T0);
      assert.equal(await approvals.consume(key, T0 + 300_000), false, 'expired at expiresAtMs');
    },
  },
];
