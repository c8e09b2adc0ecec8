import { createStepGuard } from '../../src/createStepGuard';
import { createTestApp, type TestApp } from '../helpers/createTestApp';

/** Issue 16.3 and 16.5: names from requests never select inherited config; secrets are never cached. */
describe('names that select config, and responses that carry secrets', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const inherited = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', 'isPrototypeOf'];

  it.each(inherited)('GET /methods?action=%s is a clear 400, never a 500', async (name) => {
    const c = await t.client();
    await c.login().expect(200);
    const res = await c.get(`/auth/2fa/methods?action=${encodeURIComponent(name)}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });

  it.each(inherited)('POST /sms/send {action: %s} is a clear 400 and sends nothing', async (name) => {
    const c = await t.client();
    await c.login().expect(200);
    const sent = t.sms.messages.length;
    const res = await c.send({ action: name });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(t.sms.messages.length).toBe(sent);
  });

  it('requireStepUp refuses an inherited name at start-up', () => {
    const guard = createStepGuard({ environment: 'test' });
    for (const name of inherited) expect(() => guard.requireStepUp(name)).toThrow(TypeError);
  });

  it('a policy may still name its own action "constructor"', () => {
    const guard = createStepGuard({ environment: 'test', policy: { actions: { constructor: { level: 'aal2' as const, maxAgeSeconds: 60 } } } });
    expect(guard.config.actions['constructor' as string]?.maxAgeSeconds).toBe(60);
    expect(() => guard.requireStepUp('constructor')).not.toThrow();
  });

  it('every response with a secret or a code form says Cache-Control: no-store', async () => {
    const c = await t.client();
    await c.stepUp();
    const noStore = (res: { headers: Record<string, string> }, what: string) => expect([what, res.headers['cache-control']]).toEqual([what, 'no-store']);
    noStore(await c.post('/auth/2fa/totp/setup').expect(201), 'totp setup (secret, QR)');
    noStore(await c.post('/auth/2fa/backup-codes').expect(201), 'backup codes');
    noStore(await c.post('/auth/2fa/webauthn/registration/options').expect(200), 'passkey options');
    noStore(await c.send({}).expect(202), 'sms send');
    noStore(await c.agent.get('/auth/2fa').set('accept', 'text/html').expect(200), 'factor choice page');
    noStore(await c.agent.get('/auth/2fa/phone').set('accept', 'text/html').expect(200), 'phone page (code form)');
    noStore(await c.agent.get('/auth/2fa/factors').set('accept', 'text/html').expect(200), 'factor page');
    noStore(await c.agent.get('/auth/csrf').expect(200), 'csrf token');
    noStore(await c.agent.get('/login').set('accept', 'text/html').expect(200), 'login page');
    noStore(await c.get('/account').expect(200), 'account');
  });
});
