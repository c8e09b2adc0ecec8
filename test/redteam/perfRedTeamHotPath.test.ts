import express from 'express';
import request from 'supertest';
import { SIGNAL_NAMES, type RiskSignals } from '../../src/core/policy/types';
import { mountAtBasePath } from '../../src/http/mountAtBasePath';
import { decodeRiskDecisionCache, encodeRiskDecisionCache } from '../../src/risk/riskDecisionCache';
import { connectTestCluster, type Backend } from '../helpers/forEachStore';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from '../helpers/withRedis';

/**
 * Red team, issue 12 (session 6 hot path): the compact risk-decision cache reused without the
 * device HMAC, the mount that skips stepguard's router outside the base path, the session
 * identity remembered at check time for GET/HEAD, the Accept fast path and forward-auth first
 * in the router. Each test replays what an attacker holds (the password only, a session cookie
 * from before the step-up or after a revoke, another user's device cookie, another spelling of
 * an address or a path) against real Redis and the 3-master Cluster, with the session store's
 * onLoad prefetch wired (the demo wires it whenever it has Redis).
 */
jest.setTimeout(30_000);

const HOME_IP = '10.1.1.1';
const NEW_DEVICE_RULE = { name: 'new-device-fresh', when: { signal: 'newDevice' as const }, then: [{ type: 'max_age' as const, seconds: 60 }], reason: 'New device: step up again.' };

const BACKENDS: { backend: Backend; available: boolean }[] = [
  { backend: 'redis', available: Boolean(TEST_REDIS_URL) },
  { backend: 'cluster', available: Boolean(TEST_REDIS_CLUSTER_NODES) },
];

describe.each(BACKENDS)('red team issue 12, hot path [$backend]', ({ backend, available }) => {
  if (!available) {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED (no ${backend}): perf red team hot path`);
    it.skip('needs a Redis', () => undefined);
    return;
  }
  let t: TestApp;
  let closeCluster: () => Promise<unknown> = async () => undefined;
  beforeEach(async () => {
    const guardOptions = {
      risk: { ipDenyList: ['66.66.0.0/16'] },
      policy: { rules: [NEW_DEVICE_RULE] },
      forwardAuth: { rules: [{ pathPrefix: '/', action: 'login' }] },
    };
    if (backend === 'cluster') {
      const { cluster, keyPrefix } = connectTestCluster();
      closeCluster = () => cluster.quit().catch(() => undefined);
      t = await createTestApp({ redis: cluster, keyPrefix, trustProxy: true, guardOptions });
    } else {
      t = await createTestApp({ redis: true, trustProxy: true, guardOptions });
    }
  });
  afterEach(async () => {
    await t.close();
    await closeCluster();
  });

  type Client = Awaited<ReturnType<TestApp['client']>>;

  /** A request carrying exactly these cookies (the session's, a device cookie of our choosing). */
  function replay(method: 'get' | 'head', path: string, sid: string | undefined, device: string | undefined, ip = HOME_IP) {
    const cookies = [...(sid !== undefined ? [`sg.sid=${sid}`] : []), ...(device !== undefined ? [`sg.device=${device}`] : [])];
    return request(t.app)[method](path).set('accept', 'application/json').set('x-forwarded-for', ip).set('cookie', cookies.join('; '));
  }

  async function riskDecisions(): Promise<number> {
    let n = 0;
    for await (const e of t.audit.list({ userId: 'u1' })) if (e.type === 'risk_decision') n += 1;
    return n;
  }

  /** Alice steps up by SMS at home; `beforeStepUp` is her session cookie after the password alone. */
  async function aliceSteppedUp(): Promise<{ c: Client; beforeStepUp: string }> {
    const c = await t.client();
    await c.login().set('x-forwarded-for', HOME_IP).expect(200);
    // The login decision cached with this device cookie and IP, before the step-up.
    await c.get('/account').set('x-forwarded-for', HOME_IP).expect(401);
    const beforeStepUp = c.cookie('sg.sid')!;
    await c.send().set('x-forwarded-for', HOME_IP).expect(202);
    await c.verify(t.sms.lastCode()).set('x-forwarded-for', HOME_IP).expect(200);
    await c.get('/account').set('x-forwarded-for', HOME_IP).expect(200);
    expect(c.cookie('sg.sid')).not.toBe(beforeStepUp);
    return { c, beforeStepUp };
  }

  describe('the cached risk decision', () => {
    it.each([
      ['IPv4-mapped IPv6, upper case', '::FFFF:66.66.1.1'],
      ['IPv4-mapped IPv6, hex form', '::ffff:4242:101'],
      ['plain IPv4', '66.66.1.1'],
    ])('the right device cookie from a denied network spelled as %s is evaluated afresh: 403, not the cached allow', async (_name, ip) => {
      const { c } = await aliceSteppedUp();
      const before = await riskDecisions();
      const res = await replay('get', '/account', c.cookie('sg.sid'), c.cookie('sg.device'), ip);
      expect(res.status).toBe(403);
      expect(await riskDecisions()).toBe(before + 1);
    });

    it('the session cookie from before the step-up, with the owner device cookie and IP, is still at aal1', async () => {
      const { c, beforeStepUp } = await aliceSteppedUp();
      const res = await replay('get', '/account', beforeStepUp, c.cookie('sg.device'));
      expect(res.status).toBe(401);
      const session = await replay('get', '/auth/session', beforeStepUp, c.cookie('sg.device'));
      expect(session.body.acr === 'aal2' || session.body.aal === 'aal2').toBe(false);
    });

    it("another signed-in user's session with alice's device cookie gets its own evaluation, never alice's cached allow", async () => {
      const { c } = await aliceSteppedUp();
      const bob = await t.client();
      await bob.login().set('x-forwarded-for', HOME_IP).expect(200);
      const res = await replay('get', '/account', bob.cookie('sg.sid'), c.cookie('sg.device'));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('insufficient_user_authentication');
    });

    it('a copy of the stepped-up cookie (with the device cookie, same IP, warm cache and prefetch) stops at sign out everywhere, inside and outside the base path', async () => {
      const { c } = await aliceSteppedUp();
      const sid = c.cookie('sg.sid');
      const device = c.cookie('sg.device');
      // Warm: the decision cached, the identity remembered for the prefetch (GET and HEAD).
      for (let i = 0; i < 3; i++) await replay('get', '/account', sid, device).expect(200);
      await replay('head', '/account', sid, device).expect(200);
      const phone = await t.client();
      await phone.stepUp();
      await phone.post('/auth/2fa/sessions/revoke-all', {}).expect(200);
      // Within the cache time: the cached allow must not outlive the session.
      t.clock.advanceSeconds(1);
      await replay('head', '/account', sid, device).expect(401);
      await replay('get', '/account', sid, device).expect(401);
      expect((await replay('get', '/auth/session', sid, device)).body.authenticated).toBe(false);
      expect((await replay('get', '/auth/2fa/methods', sid, device)).status).toBe(401);
    });

    it('a copy of the stepped-up cookie stops at logout, on a host route outside the base path first', async () => {
      const { c } = await aliceSteppedUp();
      const sid = c.cookie('sg.sid');
      const device = c.cookie('sg.device');
      for (let i = 0; i < 2; i++) await replay('get', '/auth/session', sid, device).expect(200);
      await c.post('/auth/logout', {}).set('x-forwarded-for', HOME_IP);
      expect((await replay('get', '/auth/session', sid, device)).body.authenticated).toBe(false);
      await replay('get', '/account', sid, device).expect(401);
    });
  });

  describe('the mount (basePathMatcher) and Express agree', () => {
    const fa = (path: string) => request(t.app).get(path).set('accept', 'application/json');

    it.each(['/AUTH/2FA/forward-auth', '/Auth/2fa/forward-auth', '/auth/2fa/forward-auth/', '/auth/2fa/forward-auth?x=1'])(
      '%s reaches stepguard (400 for a forward-auth request without its headers, no-store)',
      async (path) => {
        const res = await fa(path);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_request');
        expect(res.headers['cache-control']).toBe('no-store');
      },
    );

    it.each(['/auth/2fax/forward-auth', '/auth/2fa%2Fforward-auth', '//auth/2fa/forward-auth', '/auth/2fa./forward-auth', '/auth/2fa;x/forward-auth'])(
      '%s is not stepguard: no forward-auth answer',
      async (path) => {
        const res = await fa(path);
        expect(res.status).toBe(404);
      },
    );

    it('the liveness check runs for a revoked session on paths Express routes nowhere (a 404 of the host) and on host routes in any case', async () => {
      const { c } = await aliceSteppedUp();
      const sid = c.cookie('sg.sid')!;
      const key = `${t.keyPrefix}:sess:${/^s:([^.]+)\./.exec(decodeURIComponent(sid))?.[1]}`;
      await replay('get', '/auth/session', sid, c.cookie('sg.device')).expect(200);
      const phone = await t.client();
      await phone.stepUp();
      await phone.post('/auth/2fa/sessions/revoke-all', {}).expect(200);
      // The laptop's session is dead (another generation) but still stored.
      expect(await t.redis!.exists(key)).toBe(1);
      // A path no route takes: the check still runs and signs the dead copy out (its data deleted).
      expect((await replay('get', '//Auth/2FA/../x', sid, c.cookie('sg.device'))).status).toBe(404);
      expect(await t.redis!.exists(key)).toBe(0);
      expect((await replay('get', '/AUTH/session', sid, c.cookie('sg.device'))).body.authenticated).toBe(false);
    });

    it('a session check that fails with a falsy reason (a custom store rejecting with undefined) fails closed: no signed-in answer', async () => {
      const { c } = await aliceSteppedUp();
      const service = t.guard.service as unknown as { sessionStanding: (...args: unknown[]) => Promise<unknown> };
      const original = service.sessionStanding;
      // eslint-disable-next-line prefer-promise-reject-errors
      service.sessionStanding = () => Promise.reject(undefined);
      try {
        const account = await c.get('/account').set('x-forwarded-for', HOME_IP);
        expect(account.status).not.toBe(200);
        const session = await c.get('/auth/session').set('x-forwarded-for', HOME_IP);
        expect(session.body.authenticated).not.toBe(true);
      } finally {
        service.sessionStanding = original;
      }
    });
  });

  describe('negotiation and forward-auth', () => {
    it.each([
      [undefined, 'json'],
      ['*/*', 'json'],
      ['application/json', 'json'],
      ['application/json, text/html', 'json'],
      ['text/html', 'html'],
      ['text/*', 'html'],
      ['text/html;q=0.1, application/json;q=0.9', 'json'],
    ])('Accept %s on a signed-in route without a session answers %s', async (accept, kind) => {
      let req = request(t.app).get('/auth/2fa/methods');
      if (accept !== undefined) req = req.set('accept', accept);
      const res = await req;
      if (kind === 'json') {
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('unauthenticated');
      } else {
        expect(res.status).not.toBe(200);
        expect(res.headers['content-type'] ?? '').not.toContain('application/json');
      }
    });

    it('forward-auth answers only GET/HEAD; a POST, with or without a body, never gets identity headers', async () => {
      const c = await t.client();
      await c.stepUp();
      const ok = await c.agent.get('/auth/2fa/forward-auth').set('x-original-url', 'https://app.example.com/r').set('x-forwarded-method', 'GET').expect(200);
      expect(ok.headers['remote-user']).toBe('alice');
      const head = await c.agent.head('/auth/2fa/forward-auth').set('x-original-url', 'https://app.example.com/r').set('x-forwarded-method', 'GET');
      expect(head.status).toBe(200);
      const post = await c.agent.post('/auth/2fa/forward-auth').set('x-csrf-token', c.csrfToken).set('x-original-url', 'https://app.example.com/r').send({ a: 1 });
      expect(post.headers['remote-user']).toBeUndefined();
      expect(post.status).not.toBe(200);
      // A GET with a body (never read) answers as without one.
      const withBody = await c.agent.get('/auth/2fa/forward-auth').set('x-original-url', 'https://app.example.com/r').set('content-type', 'application/json').send('{"x":1}');
      expect(withBody.status).toBe(200);
      expect(withBody.headers['remote-user']).toBe('alice');
    });

    it('a revoked copy asking forward-auth with a body gets 401, not identity headers', async () => {
      const { c } = await aliceSteppedUp();
      const sid = c.cookie('sg.sid');
      await replay('get', '/auth/2fa/forward-auth', sid, c.cookie('sg.device')).set('x-original-url', 'https://app.example.com/r').expect(200);
      await c.post('/auth/2fa/sessions/revoke-all', {}).set('x-forwarded-for', HOME_IP).expect(200);
      const res = await replay('get', '/auth/2fa/forward-auth', sid, c.cookie('sg.device')).set('x-original-url', 'https://app.example.com/r').set('content-type', 'application/json').send('{"x":1}');
      expect(res.status).toBe(401);
      expect(res.headers['remote-user']).toBeUndefined();
    });
  });
});

describe('red team issue 12, hot path: units', () => {
  const COOKIE = 'fXFR_AdM1P8T6Wy7CZg1-Q.Yjc3Uh-Al-8M1k3P2Bq2gv';
  const entryWith = (signals: RiskSignals) => ({ ip: '10.1.1.1', deviceCookie: COOKIE, entries: new Map([['login', { atMs: 1_768_467_600_000, signals, enrolledFactors: ['sms' as const] }]]) });

  it('every risk signal but the amount survives the cache: a re-derived decision sees all of them', () => {
    const values: Record<string, unknown> = { consecutiveFailures: 2, lineType: 'VOIP' };
    for (const name of SIGNAL_NAMES) {
      if (name === 'transactionAmount') continue;
      const signals = { [name]: values[name] ?? true } as RiskSignals;
      expect(decodeRiskDecisionCache(encodeRiskDecisionCache(entryWith(signals)))?.entries.get('login')?.signals).toEqual(signals);
    }
  });

  it('a signal the format does not know (a future one) makes the entry unrepresentable, not silently dropped', () => {
    const signals = { newCountry: true, accountRecoveryPending: true } as unknown as RiskSignals;
    expect(encodeRiskDecisionCache(entryWith(signals))).toBeUndefined();
  });

  it('an every-request middleware rejecting without a reason stops the request (as a router does), never passes it on', async () => {
    const app = express();
    // eslint-disable-next-line prefer-promise-reject-errors
    const failing = (async () => Promise.reject(undefined)) as unknown as express.RequestHandler;
    app.use(mountAtBasePath('guard.router()', '/auth/2fa', (_req, res) => void res.send('guard'), [failing]));
    app.get('/account', (_req, res) => void res.send('secret'));
    app.use(((_err, _req, res, _next) => void res.status(503).send('error')) as express.ErrorRequestHandler);
    const res = await request(app).get('/account');
    expect(res.status).toBe(503);
    expect(res.text).not.toBe('secret');
  });
});
