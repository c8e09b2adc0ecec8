import request from 'supertest';
import { RedisStore } from 'connect-redis';
import { BoundedMemorySessionStore } from '../../src/demo/BoundedMemorySessionStore';
import { totpCodeAt } from '../../src/core/totp/totp';
import type { TestApp } from '../helpers/createTestApp';
import { holdNextSms } from '../helpers/holdNextSms';
import { describeForEachBackend, createTestAppOn, type Backend } from '../helpers/forEachStore';

/**
 * Issue 12, session 7: a step-up that raises the level ends the session id from before it with
 * the binding's epoch floor (raised atomically with the SMS consume on Redis, by the sessions
 * port otherwise), not with the old id's delete, which is now housekeeping. Attackers: a cookie
 * from before the step-up (the old id, a request in flight that writes it back), a failing
 * store, two tabs of the owner's browser. DESIGN.md §5: revocation sticks, fail closed.
 */

const SESSION_COOKIE = 'sg.sid';

type Client = Awaited<ReturnType<TestApp['client']>>;

const jarOf = (c: Client) => c.agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();

/** The session ids a response set. */
const sessionCookiesSet = (res: { headers: Record<string, unknown> }) =>
  ([] as string[]).concat((res.headers['set-cookie'] as string[] | undefined) ?? []).filter((c) => c.startsWith(`${SESSION_COOKIE}=`));

/** A cookie header with the session id `res` set, the rest of `jar` kept. */
function withSessionFrom(jar: string, res: { headers: Record<string, unknown> }): string {
  const set = sessionCookiesSet(res)[0]?.split(';')[0];
  if (!set) throw new Error('the answer set no session cookie');
  return jar.split('; ').map((c) => (c.startsWith(`${SESSION_COOKIE}=`) ? set : c)).join('; ');
}

const sessionWith = async (t: TestApp, cookie: string) =>
  (await request(t.app).get('/auth/session').set('Cookie', cookie).set('Accept', 'application/json').expect(200)).body as { authenticated: boolean; acr?: string };

describeForEachBackend('red team: the session a step-up replaced is dead wherever it turns up (issue 12)', (backend: Backend) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestAppOn(backend);
  });
  afterEach(() => t.close());

  /** The owner enrols an authenticator app (after an SMS step-up); its secret. */
  async function ownerWithTotp(): Promise<string> {
    const owner = await t.client();
    await owner.stepUp();
    const setup = await owner.post('/auth/2fa/totp/setup', {}).expect(201);
    const secret = setup.body.secret as string;
    await owner.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(secret, t.clock.nowMs()) }).expect(201);
    t.clock.advanceSeconds(61);
    return secret;
  }

  it('an authenticator-app step-up: a request on the old cookie in flight across it writes the old id back, and that id is still dead', async () => {
    const secret = await ownerWithTotp();
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const before = jarOf(c);
    const csrf = c.csrfToken;
    // The old cookie's resend is held after its code went out, until the TOTP step-up answered.
    const held = holdNextSms(t);
    t.clock.advanceSeconds(61);
    const stale = request(t.app).post('/auth/2fa/sms/send').set('Cookie', before).set('x-csrf-token', csrf).set('Accept', 'application/json').send({}).then((r) => r);
    await held.entered;
    await c.post('/auth/2fa/totp/verify', { code: await totpCodeAt(secret, t.clock.nowMs()) }).expect(200);
    held.release();
    expect((await stale).status).toBe(202);
    expect((await sessionWith(t, before)).authenticated).toBe(false);
    await request(t.app).get('/account').set('Cookie', before).set('Accept', 'application/json').expect(401);
    await c.get('/account').expect(200);
  });

  it('two tabs of one browser finishing step-ups at once (SMS and the app): each answer holds a live aal2 session', async () => {
    const secret = await ownerWithTotp();
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const jar = jarOf(c);
    const csrf = c.csrfToken;
    const post = (path: string, body: object) => request(t.app).post(path).set('Cookie', jar).set('x-csrf-token', csrf).set('Accept', 'application/json').send(body);
    const [sms, app] = await Promise.all([post('/auth/2fa/sms/verify', { code: t.sms.lastCode() }), post('/auth/2fa/totp/verify', { code: await totpCodeAt(secret, t.clock.nowMs()) })]);
    // A tab whose request is checked after the other tab's step-up replaced the session finds
    // the old id dead (401), as it did when the old id was deleted; every success must hold.
    expect([sms.status, app.status]).toContain(200);
    for (const answer of [sms, app]) {
      expect([200, 401]).toContain(answer.status);
      if (answer.status !== 200) continue;
      const cookie = withSessionFrom(jar, answer);
      expect(await sessionWith(t, cookie)).toMatchObject({ authenticated: true, acr: 'aal2' });
      await request(t.app).get('/account').set('Cookie', cookie).set('Accept', 'application/json').expect(200);
    }
    expect((await sessionWith(t, jar)).authenticated).toBe(false);
  });

  it('the old cookie used after the step-up is signed out without a new session cookie (it cannot overwrite the id the step-up issued)', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const before = jarOf(c);
    await c.verify(t.sms.lastCode()).expect(200);
    for (const path of ['/auth/session', '/auth/2fa/sms/status', '/account']) {
      const res = await request(t.app).get(path).set('Cookie', before).set('Accept', 'application/json');
      expect(res.status === 200 ? res.body.authenticated : res.status).not.toBe(true);
      expect([200, 401, 403]).toContain(res.status);
      expect(sessionCookiesSet(res)).toEqual([]);
    }
    await c.get('/account').expect(200);
  });

  it('a store failing after the consume (the otp_verified record): 503, and the session that asked stays signed in at its old level', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const audit = t.stores.audit as unknown as { insert: (...args: unknown[]) => Promise<unknown> };
    const insert = audit.insert.bind(audit);
    audit.insert = async (...args: unknown[]) => {
      if (JSON.stringify(args).includes('otp_verified')) throw new Error('audit store unavailable');
      return insert(...args);
    };
    const verified = await c.verify(t.sms.lastCode());
    audit.insert = insert;
    expect(verified.status).toBe(503);
    // Fail closed without locking the owner out: no level, still signed in.
    expect(await (await c.get('/auth/session')).body).toMatchObject({ authenticated: true, acr: 'aal1' });
    await c.get('/account').expect(401);
  });

  it('the floor failing during an authenticator-app step-up: 503, no level anywhere, the owner still signed in', async () => {
    const secret = await ownerWithTotp();
    const c = await t.client();
    await c.login().expect(200);
    const before = jarOf(c);
    const sessions = t.stores.sessions;
    const supersede = sessions.supersede?.bind(sessions);
    sessions.supersede = () => Promise.reject(new Error('session node down'));
    const res = await c.post('/auth/2fa/totp/verify', { code: await totpCodeAt(secret, t.clock.nowMs()) });
    sessions.supersede = supersede;
    expect(res.status).toBe(503);
    await c.get('/account').expect(401);
    expect((await c.get('/auth/session')).body).toMatchObject({ authenticated: true, acr: 'aal1' });
    expect((await sessionWith(t, before)).acr).not.toBe('aal2');
    await request(t.app).get('/account').set('Cookie', before).set('Accept', 'application/json').expect(401);
  });

  it('a sessions store without supersede (a custom one from before): the old id ends with its delete, awaited; a failed delete fails the verify closed', async () => {
    const sessions = t.stores.sessions as { supersede?: unknown };
    sessions.supersede = undefined;
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const before = jarOf(c);
    await c.verify(t.sms.lastCode()).expect(200);
    expect((await sessionWith(t, before)).authenticated).toBe(false);
    await c.get('/account').expect(200);

    // The delete failing alone: nothing else ends the old id, so the verify must not succeed.
    const other = await t.client();
    await other.login().expect(200);
    await other.send().expect(202);
    const stale = jarOf(other);
    const proto = (backend === 'memory' ? BoundedMemorySessionStore.prototype : RedisStore.prototype) as unknown as { destroy: (sid: string, cb?: (err?: unknown) => void) => unknown };
    const destroy = proto.destroy;
    proto.destroy = (_sid: string, cb?: (err?: unknown) => void) => void setImmediate(() => cb?.(new Error('session node down')));
    let verified;
    try {
      verified = await other.verify(t.sms.lastCode());
    } finally {
      proto.destroy = destroy;
    }
    expect([500, 503]).toContain(verified.status);
    expect((await sessionWith(t, stale)).acr).not.toBe('aal2');
    expect((await other.get('/auth/session')).body.acr).not.toBe('aal2');
  });
});
