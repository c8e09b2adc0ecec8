import request from 'supertest';
import { RedisStore } from 'connect-redis';
import { BoundedMemorySessionStore } from '../../src/demo/BoundedMemorySessionStore';
import { RedisSessionRevocationStore } from '../../src/stores/redis/RedisSessionRevocationStore';
import { redisKeys } from '../../src/stores/redis/redisKeys';
import type { SessionRevocationStore } from '../../src/stores/types';
import { RedisChallengeStore } from '../../src/stores/redis/RedisChallengeStore';
import { MemorySessionRevocationStore } from '../../src/stores/memory/MemorySessionRevocationStore';
import { failClosed } from '../../src/service/StoreUnavailableError';
import type { TestApp } from '../helpers/createTestApp';
import { DEMO_ACCOUNT } from '../../src/demo/createDemoApp';
import { describeForEachBackend, createTestAppOn, type Backend } from '../helpers/forEachStore';
import { TEST_REDIS_URL } from '../helpers/withRedis';

/**
 * Red team, issue 12 session 7 (commit 20ad83c): a step-up ends the session id from before it
 * with the binding's epoch floor; the old id's delete is housekeeping. Attackers: a cookie from
 * before the step-up (its record kept because the delete failed), another signed-in user.
 */

const SESSION_COOKIE = 'sg.sid';
type Client = Awaited<ReturnType<TestApp['client']>>;
const jarOf = (c: Client) => c.agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
const sessionWith = async (t: TestApp, cookie: string) =>
  (await request(t.app).get('/auth/session').set('Cookie', cookie).set('Accept', 'application/json').expect(200)).body as { authenticated: boolean; acr?: string };
const sessionCookiesSet = (res: { headers: Record<string, unknown> }) =>
  ([] as string[]).concat((res.headers['set-cookie'] as string[] | undefined) ?? []).filter((c) => c.startsWith(`${SESSION_COOKIE}=`));

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Every session delete fails until the returned function is called (the old id's record stays). */
function sessionDeletesFail(backend: Backend): () => void {
  const proto = (backend === 'memory' ? BoundedMemorySessionStore.prototype : RedisStore.prototype) as unknown as { destroy: (sid: string, cb?: (err?: unknown) => void) => unknown };
  const destroy = proto.destroy;
  proto.destroy = (_sid: string, cb?: (err?: unknown) => void) => void setImmediate(() => cb?.(new Error('session node down')));
  return () => {
    proto.destroy = destroy;
  };
}

describeForEachBackend('red team session 7: the pre-step-up cookie whose record survived the housekeeping delete', (backend: Backend) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestAppOn(backend);
  });
  afterEach(() => t.close());

  /** The owner signs in and is sent a code; the cookie a thief copied then; the owner steps up while deletes fail. */
  async function stepUpWithOldRecordKept(): Promise<{ owner: Client; before: string; csrfBefore: string }> {
    const owner = await t.client();
    await owner.login().expect(200);
    await owner.send().expect(202);
    const before = jarOf(owner);
    const csrfBefore = owner.csrfToken;
    const restore = sessionDeletesFail(backend);
    try {
      await owner.verify(t.sms.lastCode()).expect(200);
    } finally {
      restore();
    }
    return { owner, before, csrfBefore };
  }

  const withCookie = (cookie: string, csrf: string) => ({
    get: (path: string) => request(t.app).get(path).set('Cookie', cookie).set('Accept', 'application/json'),
    post: (path: string, body: object = {}) => request(t.app).post(path).set('Cookie', cookie).set('x-csrf-token', csrf).set('Accept', 'application/json').send(body),
  });

  it('the old cookie (its record still stored) is signed out on every path, and cannot step up, send or sign the owner out', async () => {
    const { owner, before, csrfBefore } = await stepUpWithOldRecordKept();
    const thief = withCookie(before, csrfBefore);
    expect((await sessionWith(t, before)).authenticated).toBe(false);
    await thief.get('/account').expect(401);
    await thief.get('/auth/2fa/forward-auth').set('x-forwarded-proto', 'http').set('x-forwarded-host', '127.0.0.1').set('x-forwarded-uri', '/x').expect(401);
    const smsBefore = t.sms.messages.length;
    await thief.post('/auth/2fa/sms/send').expect(401);
    expect(t.sms.messages.length).toBe(smsBefore);
    await thief.post('/auth/2fa/sms/verify', { code: '123456' }).expect(401);
    // "Sign out everywhere" and logout from the dead copy: no effect on the owner's new session.
    await thief.post('/auth/2fa/sessions/revoke-all').expect(401);
    const out = await thief.post('/auth/logout');
    expect(out.status).toBeLessThan(500);
    await owner.get('/account').expect(200);
    expect((await owner.get('/auth/session')).body).toMatchObject({ authenticated: true, acr: 'aal2' });
    // Neither copy answers with a cookie that could overwrite the owner's id in a shared browser.
    const again = await thief.get('/auth/session');
    expect(sessionCookiesSet(again)).toEqual([]);
  });

  it('after the owner signs out from the new session, the old cookie stays signed out (revoked with its binding)', async () => {
    const { owner, before } = await stepUpWithOldRecordKept();
    await owner.post('/auth/logout').expect(200);
    expect((await sessionWith(t, before)).authenticated).toBe(false);
    await request(t.app).get('/account').set('Cookie', before).set('Accept', 'application/json').expect(401);
  });

  it('the old cookie plus the password (a new sign-in) gives a fresh aal1 session only, not the owner\'s level', async () => {
    const { before, csrfBefore } = await stepUpWithOldRecordKept();
    const res = await request(t.app)
      .post('/auth/login')
      .set('Cookie', before)
      .set('x-csrf-token', csrfBefore)
      .set('Accept', 'application/json')
      .send({ username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password });
    expect([200, 403]).toContain(res.status);
    if (res.status === 200) expect(res.body.acr).toBe('aal1');
  });

  it('an SMS step-up (the floor raised with the consume on Redis) while a request on the old cookie is held in its risk read: the old id it writes back is dead', async () => {
    const owner = await t.client();
    await owner.login().expect(200);
    await owner.send().expect(202);
    const before = jarOf(owner);
    const thief = withCookie(before, owner.csrfToken);
    // The next risk read waits until the step-up answered.
    const risk = t.stores.risk as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const held = gate();
    const entered = gate();
    const restore: [string, (...a: unknown[]) => Promise<unknown>][] = [];
    for (const name of ['snapshot', 'knownCountries']) {
      const original = risk[name];
      if (!original) continue;
      restore.push([name, original]);
      risk[name] = async (...args: unknown[]) => {
        entered.open();
        await held.opened;
        return original.apply(t.stores.risk, args);
      };
    }
    // Another action's decision is not cached: read (held), then kept in the session, which is saved.
    const stale = thief.post('/auth/2fa/sms/send', { action: 'transfer' }).then((r) => r);
    await entered.opened;
    for (const [name, original] of restore) risk[name] = original;
    await owner.verify(t.sms.lastCode()).expect(200);
    held.open();
    expect((await stale).status).toBeLessThan(500);
    if (t.redis && t.keyPrefix !== undefined) {
      // The old id's record is back in the store: only the floor ends it now.
      const sid = decodeURIComponent(/sg\.sid=([^;]+)/.exec(before)?.[1] ?? '').replace(/^s:/, '').split('.')[0];
      expect(await t.redis.exists(`${t.keyPrefix}:sess:${sid}`)).toBe(1);
    }
    expect((await sessionWith(t, before)).authenticated).toBe(false);
    await thief.get('/account').expect(401);
    await thief.post('/auth/2fa/sms/send').expect(401);
    await owner.get('/account').expect(200);
  });

  it('the owner\'s step-up leaves another signed-in user\'s session signed in, and the owner\'s new session live', async () => {
    const owner = await t.client();
    await owner.login().expect(200);
    const other = await t.client();
    await other.post('/auth/signup', { username: 'mallory7', password: 'mallory7-password-long' }).expect(201);
    await other.login('mallory7', 'mallory7-password-long').expect(200);
    const ownerId = (await owner.get('/auth/session')).body.user.id as string;
    const otherId = (await other.get('/auth/session')).body.user.id as string;
    expect(ownerId).not.toBe(otherId);
    // The owner steps up; the other user's sessions keep working, and so do the owner's.
    await owner.send().expect(202);
    await owner.verify(t.sms.lastCode()).expect(200);
    expect((await other.get('/auth/session')).body.authenticated).toBe(true);
    await owner.get('/account').expect(200);
  });
});

describeForEachBackend('red team session 7: which store the SMS consume raises the floor in', (backend: Backend) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestAppOn(backend);
  });
  afterEach(() => t.close());

  // FINDING (medium, fixed in session 7; needs a sessions port not on the challenge store's Redis client and key prefix,
  // which createRedisStores alone never builds): verifySmsChallenge asks `stores.challenges.supersedesFor?.(stores.sessions)`,
  // but createStepGuard wraps every store in failClosed() (service/StoreUnavailableError.ts),
  // whose proxy turns every method into an async wrapper: supersedesFor returns a Promise, always
  // truthy. So on a Redis challenge store the consume script ALWAYS raises the floor in its own
  // key space and the verify reports `superseded`, even when the sessions port reads its floors
  // elsewhere (another key prefix, another Redis, a custom sessions store with supersede: e.g.
  // combineStores(createRedisStores(redis), { sessions })). finishStepUp then skips
  // service.supersedeSession and treats the old id's DEL as housekeeping: nothing ends the id
  // from before the step-up. A cookie copied before the step-up stays signed in afterwards when
  // the delete fails (or a request in flight writes the old session back) — the exact case this
  // commit says it fixed, and before the commit a failed delete answered 503.
  // Repro: Redis challenge store, sessions port on another prefix (readsEpochsFrom -> false);
  // login, send, copy the cookie; verify with session deletes failing -> 200; the copied cookie's
  // GET /auth/session says authenticated: true, and the sessions port's epoch for the binding is 0.
  it('a sessions port that reads its floors elsewhere: the floor it reads is raised and the pre-step-up cookie is signed out', async () => {
    const sessions = t.stores.sessions;
    const patched = sessions as unknown as Record<string, unknown>;
    // Another key prefix on the same Redis (memory: another store); the challenge store's own
    // floor keys are then not the ones the sessions port reads.
    const elsewhere: SessionRevocationStore = t.redis ? new RedisSessionRevocationStore(t.redis, redisKeys(`${t.keyPrefix}-sessions`)) : new MemorySessionRevocationStore();
    for (const name of ['status', 'revoke', 'revokeAll', 'supersede', 'readsEpochsFrom'] as const) {
      const method = (elsewhere as unknown as Record<string, ((...a: unknown[]) => unknown) | undefined>)[name];
      if (method) patched[name] = (...args: unknown[]) => method.apply(elsewhere, args);
    }
    if (t.redis) {
      // The challenge store itself, unwrapped, says it must not supersede for this port.
      expect(new RedisChallengeStore(t.redis, redisKeys(t.keyPrefix ?? 'sg')).supersedesFor(sessions)).toBe(false);
    }
    const owner = await t.client();
    await owner.login().expect(200);
    await owner.send().expect(202);
    const before = jarOf(owner);
    const restore = sessionDeletesFail(backend);
    let verified;
    try {
      verified = await owner.verify(t.sms.lastCode());
    } finally {
      restore();
    }
    expect([200, 503]).toContain(verified.status);
    expect((await sessionWith(t, before)).authenticated).toBe(false);
    await request(t.app).get('/account').set('Cookie', before).set('Accept', 'application/json').expect(401);
    if (verified.status === 200) await owner.get('/account').expect(200);
  });

  // FINDING (medium, root cause of the above, fixed in session 7): through failClosed() every store method is async,
  // so `supersedesFor` answers a Promise (truthy) instead of `false`.
  it('supersedesFor answers a boolean through the fail-closed wrapper every guard puts around its stores', async () => {
    if (!t.redis) {
      expect(t.stores.challenges.supersedesFor).toBeUndefined();
      return;
    }
    const elsewhere = new RedisSessionRevocationStore(t.redis, redisKeys(`${t.keyPrefix}-sessions`));
    const wrapped = failClosed(new RedisChallengeStore(t.redis, redisKeys(t.keyPrefix ?? 'sg')), 'challenges');
    expect(wrapped.supersedesFor?.(elsewhere)).toBe(false);
  });
});

(TEST_REDIS_URL ? describe : describe.skip)('red team session 7: an old copy of the session whose epoch is not a number [redis]', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestAppOn('redis');
  });
  afterEach(() => t.close());

  // FINDING (low, hardening, fixed in session 7; needs a session record stepguard did not write as it is: a store
  // shared with other code, a migration, a future bug): sessionStanding compares `epoch < floor`
  // on whatever the session holds, and NaN compares false both ways, so a copy from before a
  // step-up whose `epoch` is not a number reads as live (fail open). Likewise the memory store's
  // supersede would store a NaN floor (Math.max with NaN) that makes every copy live, and the
  // Redis verify script would raise a Lua error after it has already deleted the challenge. A
  // non-integer epoch should read as "below any floor" (or as 0), never as live.
  it('the pre-step-up copy written back with a malformed epoch is still dead', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const before = jarOf(c);
    const sid = decodeURIComponent(/sg\.sid=([^;]+)/.exec(before)?.[1] ?? '').replace(/^s:/, '').split('.')[0];
    const key = `${t.keyPrefix}:sess:${sid}`;
    const saved = await t.redis?.get(key);
    expect(saved).toBeTruthy();
    await c.verify(t.sms.lastCode()).expect(200);
    // The old record written back, as a request in flight would, but with an epoch that is not a number.
    const data = JSON.parse(saved as string) as { stepguard: Record<string, unknown> };
    data.stepguard.epoch = 'x';
    await t.redis?.set(key, JSON.stringify(data), 'EX', 3600);
    expect((await sessionWith(t, before)).authenticated).toBe(false);
  });
});
