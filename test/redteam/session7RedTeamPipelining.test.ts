import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../../src/stores/redis/createRedisClient';
import { createPumpingGuard, type SendAttempt } from '../../src/sms/createPumpingGuard';
import { PUMPING_DEFAULTS, type PumpingConfig } from '../../src/sms/pumpingRules';
import { MemoryBreakerStore } from '../../src/stores/memory/MemoryBreakerStore';
import { MemoryCounterStore } from '../../src/stores/memory/MemoryCounterStore';
import { MemoryRateLimitStore } from '../../src/stores/memory/MemoryRateLimitStore';
import { RedisBreakerStore } from '../../src/stores/redis/RedisBreakerStore';
import { RedisCounterStore } from '../../src/stores/redis/RedisCounterStore';
import { RedisRateLimitStore } from '../../src/stores/redis/RedisRateLimitStore';
import { redisKeys } from '../../src/stores/redis/redisKeys';
import { challengeCount } from '../helpers/challengeCount';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { fakeClock } from '../helpers/fakeClock';
import { describeForEachStore } from '../helpers/forEachStore';
import { redisServerAvailable, startRedisServer, type RunningRedis } from '../helpers/redisServer';
import { connectTestRedis, TEST_REDIS_URL } from '../helpers/withRedis';

/**
 * Red team, issue 12 session 7, second pass (commit 70b5b7c): ioredis auto-pipelining on every
 * client createRedisClient makes, a session's send budget under its account's hash tag, failClosed
 * leaving the synchronous store questions alone, a listed address judged by the policy first.
 */

const redisSuite = TEST_REDIS_URL ? describe : describe.skip;
if (!TEST_REDIS_URL) console.warn('SKIPPED (no redis-server): red team session 7 pipelining [redis]');

redisSuite('red team session 7 (second pass): one command of an auto-pipelined send fails [redis]', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ redis: true });
  });
  afterEach(async () => {
    await t.close();
  });

  /** Every window of the account's budget group (user and session budgets), by key. */
  async function accountWindows(): Promise<string[]> {
    return (await (t.redis as Redis).keys(`${t.keyPrefix}:{rlg:account*`)).sort();
  }

  // A budget script that errors (WRONGTYPE on one of its keys) while the challenge write and the
  // other budget scripts travel in the same pipeline: the send must answer 503, send nothing, and
  // leave no challenge behind (the next send is a first send again, not "too early").
  it('a budget window of the wrong type inside the pipelined send: 503, no SMS, no challenge left, and a later send works', async () => {
    const first = await t.client();
    await first.stepUp();
    const windows = await accountWindows();
    expect(windows.length).toBeGreaterThanOrEqual(2); // user budget windows (and the first session's)
    const userWindow = windows.find((k) => k.includes('user_budget')) as string;
    const members = await (t.redis as Redis).zrange(userWindow, 0, -1, 'WITHSCORES');
    await (t.redis as Redis).del(userWindow);
    await (t.redis as Redis).set(userWindow, 'not a sorted set');
    const c = await t.client();
    await c.login().expect(200);
    const smsBefore = t.sms.messages.length;
    const challengesBefore = await challengeCount(t, 'u1');
    const res = await c.send();
    expect(res.status).toBe(503);
    expect(t.sms.messages.length).toBe(smsBefore);
    expect(await challengeCount(t, 'u1')).toBe(challengesBefore);
    // Redis back to normal: the same session's send is a first send (202), not a resend refused.
    await (t.redis as Redis).del(userWindow);
    if (members.length) await (t.redis as Redis).zadd(userWindow, ...members.reverse());
    const again = await c.send();
    expect(again.status).toBe(202);
    expect(t.sms.messages.length).toBe(smsBefore + 1);
    expect(await challengeCount(t, 'u1')).toBe(challengesBefore + 1); // the count sees this user's challenges
  });

  // FINDING (low, fixed in session 7): a store error in one part of the send's budget check leaves the other parts'
  // reservations behind. createPumpingGuard.check awaits Promise.all(windows, caps, breaker) and
  // calls `release` only for a refusal: when one script rejects (here WRONGTYPE on the phone's
  // budget window; in production a Cluster master down or a 2 s command timeout while the other
  // masters answered), the account's user and session windows, the spend caps and the country
  // breaker's in-flight count keep this send, which answered 503 and never went out. Every send
  // retried during a partial outage spends the account's budget (users locked out of SMS for the
  // window after Redis recovers) and counts as an unverified send to the breaker (which may trip
  // for the country). Auto-pipelining does not cause it, but it is the half-done step the brief
  // names: budget reserved for a send that does not exist. Fix: on a rejected part, release the
  // parts that answered (Promise.allSettled), then rethrow as StoreUnavailableError.
  it('a send that fails on one budget script hands back what the others reserved (the account window keeps only the real send)', async () => {
    const first = await t.client();
    await first.stepUp();
    const r = t.redis as Redis;
    const userWindows = (await accountWindows()).filter((k) => k.includes('user_budget'));
    const before = await Promise.all(userWindows.map((k) => r.zcard(k)));
    const phoneWindow = (await r.keys(`${t.keyPrefix}:{rlg:phone_budget*`))[0] as string;
    expect(phoneWindow).toBeDefined();
    const members = await r.zrange(phoneWindow, 0, -1, 'WITHSCORES');
    await r.del(phoneWindow);
    await r.set(phoneWindow, 'not a sorted set');
    const c = await t.client();
    await c.login().expect(200);
    for (let i = 0; i < 3; i += 1) expect((await c.send()).status).toBe(503);
    await r.del(phoneWindow);
    if (members.length) await r.zadd(phoneWindow, ...members.reverse());
    const after = await Promise.all(userWindows.map((k) => r.zcard(k)));
    expect(after).toEqual(before);
  });

  // failClosed answers supersedesFor as is (synchronous, no I/O). A store whose answer throws (a
  // custom store's bug) must still end the verify without a level: held (the code stays unused
  // and the session stays below aal2); the status is the error handler's, not a 200.
  it('a supersedesFor that throws: the verify grants nothing and the code is not consumed', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const challenges = t.stores.challenges as unknown as Record<string, unknown>;
    challenges.supersedesFor = () => {
      throw new Error('custom store bug (red team)');
    };
    let res;
    try {
      res = await c.verify(t.sms.lastCode());
    } finally {
      delete challenges.supersedesFor;
    }
    expect(res.status).toBeGreaterThanOrEqual(500);
    await c.get('/account').expect(401);
    await c.verify(t.sms.lastCode()).expect(200);
  });
});

const privateSuite = redisServerAvailable() ? describe : describe.skip;
if (!redisServerAvailable()) console.warn('SKIPPED (no redis-server): red team session 7 pipelining [private redis]');

privateSuite('red team session 7 (second pass): scripts flushed on the server under auto-pipelining [private redis]', () => {
  let server: RunningRedis;
  let redis: Redis;
  let t: TestApp;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    redis = await createRedisClient(server.url);
    t = await createTestApp({ redis, keyPrefix: `p${randomUUID().slice(0, 8)}` });
  });
  afterEach(async () => {
    await t.close();
    await redis.quit().catch(() => undefined);
  });

  // SCRIPT FLUSH (a failover to a replica that never saw the scripts does the same): every EVALSHA
  // of the next pipelined batch answers NOSCRIPT. ioredis sends each one again as EVAL; a NOSCRIPT
  // script did nothing, so nothing runs twice. Held: the step-up completes, one SMS, one level.
  it('SCRIPT FLUSH before the send and before the verify: one SMS, the step-up completes, the level holds', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await redis.script('FLUSH');
    await c.send().expect(202);
    expect(t.sms.messages.length).toBe(1);
    await redis.script('FLUSH');
    await c.verify(t.sms.lastCode()).expect(200);
    await c.get('/account').expect(200);
    // The consumed code cannot be used again after another flush (the consume ran once, not twice).
    await redis.script('FLUSH');
    const replay = await c.verify(t.sms.lastCode());
    expect(replay.status).not.toBe(200);
  });

  // Concurrent first sends of many sessions batched into the same pipelines while the scripts are
  // flushed between batches: every send answers 202 or 503 and sends exactly what it answered.
  it('concurrent sends across SCRIPT FLUSH: every 202 sent one SMS, nothing else sent', async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => t.client()));
    for (const c of clients) await c.login().expect(200);
    const flushing = (async () => {
      for (let i = 0; i < 5; i += 1) {
        await redis.script('FLUSH');
        await new Promise((r) => setImmediate(r));
      }
    })();
    const statuses = await Promise.all(clients.map(async (c) => (await c.send()).status));
    await flushing;
    expect(statuses.every((s) => s === 202 || s === 503 || s === 429)).toBe(true);
    expect(t.sms.messages.length).toBe(statuses.filter((s) => s === 202).length);
  });

  // The admin channel's blocking pop runs on a duplicate of an auto-pipelined client. Held: the
  // app's own commands are not queued behind it (a pipeline on the main client never holds BRPOP).
  it('a node listening on the admin channel: requests are served while its blocking pop waits', async () => {
    const listener = t.guard.listenForAdminCommands({ redis, keyPrefix: t.keyPrefix as string });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const c = await t.client();
      const started = Date.now();
      await c.stepUp();
      await c.get('/account').expect(200);
      expect(Date.now() - started).toBeLessThan(1500); // well under the 2 s blocking pop
    } finally {
      await listener.close();
    }
  });
});

describeForEachStore('red team session 7 (second pass): user and session budgets judged as one group', (useRedis) => {
  let clients: Redis[] = [];
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.quit()));
    clients = [];
  });

  async function setup(overrides: Partial<PumpingConfig> = {}) {
    const clock = fakeClock();
    let stores;
    let keyPrefix = '';
    if (useRedis) {
      const connected = await connectTestRedis();
      clients.push(connected.redis);
      keyPrefix = connected.keyPrefix;
      const keys = redisKeys(keyPrefix);
      stores = { windows: new RedisRateLimitStore(connected.redis, keys), counters: new RedisCounterStore(connected.redis, keys), breakers: new RedisBreakerStore(connected.redis, keys) };
    } else {
      stores = { windows: new MemoryRateLimitStore(), counters: new MemoryCounterStore(), breakers: new MemoryBreakerStore() };
    }
    const config: PumpingConfig = { ...PUMPING_DEFAULTS, ...overrides };
    const guard = createPumpingGuard({ config, ...stores, clock });
    let n = 0;
    const attempt = (over: Partial<SendAttempt> = {}): SendAttempt => {
      n += 1;
      return {
        sendId: randomUUID(),
        e164: '+447700900123',
        phoneHash: `h:${n}`,
        prefixHash: `p:${n}`,
        country: 'GB',
        lineType: 'MOBILE',
        userId: 'alice',
        sessionId: 'session-1',
        ip: null,
        boundNumber: true,
        allowedCountries: ['GB'],
        blockedLineTypes: [],
        ...over,
      };
    };
    return { guard, attempt, redis: clients[clients.length - 1], keyPrefix };
  }

  const only = { phoneBudgets: [], ipBudgets: [] };

  it('a session window refuses while the account has room; the account window refuses while the session has room', async () => {
    const { guard, attempt } = await setup({ ...only, userBudgets: [{ limit: 3, windowSeconds: 3600 }], sessionBudgets: [{ limit: 2, windowSeconds: 600 }] });
    expect((await guard.check(attempt())).allowed).toBe(true);
    expect((await guard.check(attempt())).allowed).toBe(true);
    const bySession = await guard.check(attempt());
    expect(bySession).toMatchObject({ allowed: false, rule: 'session_budget' });
    // Another session of the same account: one left in the account's hour.
    expect((await guard.check(attempt({ sessionId: 'session-2' }))).allowed).toBe(true);
    const byUser = await guard.check(attempt({ sessionId: 'session-3' }));
    expect(byUser).toMatchObject({ allowed: false, rule: 'user_budget' });
  });

  it('a refusal by one window hands back exactly what the other reserved, and a release hands back both', async () => {
    const { guard, attempt } = await setup({ ...only, userBudgets: [{ limit: 2, windowSeconds: 3600 }, { limit: 50, windowSeconds: 86400 }], sessionBudgets: [{ limit: 1, windowSeconds: 600 }] });
    const a = await guard.check(attempt());
    expect(a.allowed).toBe(true);
    // Refused by the session window: its user windows' reservations are handed back...
    for (let i = 0; i < 5; i += 1) expect(await guard.check(attempt())).toMatchObject({ allowed: false, rule: 'session_budget' });
    // ...so another session of the account still has exactly one send left in the hour.
    const b = await guard.check(attempt({ sessionId: 'session-2' }));
    expect(b.allowed).toBe(true);
    expect(await guard.check(attempt({ sessionId: 'session-3' }))).toMatchObject({ allowed: false, rule: 'user_budget' });
    // Released: both the session's and the account's windows have room again, once each.
    if (b.allowed) await b.reservation.release();
    expect((await guard.check(attempt({ sessionId: 'session-2' }))).allowed).toBe(true);
    expect(await guard.check(attempt({ sessionId: 'session-2' }))).toMatchObject({ allowed: false });
  });

  it('user and binding ids with : % { } and newlines never share another account\'s (or session\'s) windows', async () => {
    const { guard, attempt } = await setup({ ...only, userBudgets: [{ limit: 1, windowSeconds: 3600 }], sessionBudgets: [{ limit: 1, windowSeconds: 3600 }] });
    const tricky = [
      { userId: 'a', sessionId: 's' },
      { userId: 'a}', sessionId: 's' },
      { userId: 'a:session_budget:s', sessionId: 's' },
      { userId: 'a%7D', sessionId: 's' },
      { userId: '{a}', sessionId: 's' },
      { userId: 'a\nsession_budget:s:3600', sessionId: 'x' },
      { userId: 'account:a', sessionId: 's' },
      { userId: 'a', sessionId: 's:3600' }, // same account: refused by the account window, not a session clash
    ];
    const results = [];
    for (const ids of tricky) results.push((await guard.check(attempt(ids))).allowed);
    expect(results).toEqual([true, true, true, true, true, true, true, false]);
    const last = await guard.check(attempt({ userId: 'a', sessionId: 's:3600' }));
    expect(last).toMatchObject({ allowed: false, rule: 'user_budget' });
  });
});
