import { join } from 'node:path';
import { csvGeoLookup } from '../../src/risk/csvGeoLookup';
import { createTestApp, type TestApp } from '../helpers/createTestApp';

const geo = csvGeoLookup(join(__dirname, '../fixtures/geo.csv'));

describe('risk-based escalation over HTTP', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ trustProxy: true, guardOptions: { risk: { geo, ipDenyList: ['66.66.0.0/16'] } } });
  });

  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  /** Alice steps up by SMS from San Francisco: her device and country become known. */
  async function aliceAtHome() {
    const c = await t.client();
    await c.post('/auth/login', { username: 'alice', password: 'alice-demo-password' }).set(from('10.1.1.1')).expect(200);
    await c.post('/auth/2fa/sms/send', {}).set(from('10.1.1.1')).expect(202);
    await c.post('/auth/2fa/sms/verify', { code: t.sms.lastCode() }).set(from('10.1.1.1')).expect(200);
    await c.get('/account').set(from('10.1.1.1')).expect(200);
    return c;
  }

  it('refuses SMS for a new device in a new country and asks for an authenticator app or passkey, with the reason', async () => {
    await aliceAtHome();
    t.clock.advanceSeconds(24 * 3600); // a day later: no impossible travel
    const c = await t.client(); // fresh cookies: a new device
    await c.post('/auth/login', { username: 'alice', password: 'alice-demo-password' }).set(from('20.1.1.1')).expect(200);
    const denied = await c.get('/account').set(from('20.1.1.1')).expect(401);
    expect(denied.body.error.acceptableFactors).toEqual(['otp', 'hwk', 'swk', 'backup']);
    expect(denied.body.error.reasons).toEqual([
      'You are signing in from a new device in a new country, so we need an authenticator app or a passkey.',
    ]);
    const send = await c.post('/auth/2fa/sms/send', {}).set(from('20.1.1.1')).expect(409);
    expect(send.body.error.code).toBe('sms_not_accepted');
    const methods = await c.get('/auth/2fa/methods').set(from('20.1.1.1')).expect(200);
    expect(methods.body).toMatchObject({
      acceptableFactors: ['otp', 'hwk', 'swk', 'backup'],
      available: [],
      notOffered: [{ factor: 'sms', why: 'Text message code is not enough for this action.' }],
      reasons: [expect.stringContaining('new device in a new country')],
    });
    const page = await c.agent.get('/auth/2fa').set(from('20.1.1.1')).set('accept', 'text/html').expect(200);
    expect(page.text).toContain('new device in a new country');
    expect(page.text).not.toContain('Text a code to');
  });

  it('offers an enrolled authenticator app when SMS is not enough', async () => {
    await aliceAtHome();
    await t.stores.factors.add({ id: 'f-totp', userId: 'u1', type: 'totp', label: 'Phone app', createdAtMs: t.clock.nowMs(), lastUsedAtMs: null, data: {} });
    t.clock.advanceSeconds(24 * 3600);
    const c = await t.client();
    await c.post('/auth/login', { username: 'alice', password: 'alice-demo-password' }).set(from('20.1.1.1')).expect(200);
    const methods = await c.get('/auth/2fa/methods').set(from('20.1.1.1')).expect(200);
    expect(methods.body.available).toEqual([{ factor: 'otp', label: 'Authenticator app' }]);
  });

  it('keeps SMS for the same device in a known country', async () => {
    const c = await aliceAtHome();
    t.clock.advanceSeconds(13 * 3600);
    await c.post('/auth/login', { username: 'alice', password: 'alice-demo-password' }).set(from('30.1.1.1')).expect(200);
    const denied = await c.get('/account').set(from('30.1.1.1')).expect(401);
    expect(denied.body.error.acceptableFactors).toContain('sms');
    await c.post('/auth/2fa/sms/send', {}).set(from('30.1.1.1')).expect(202);
  });

  it('escalates on impossible travel, even on a known device', async () => {
    const c = await aliceAtHome();
    t.clock.advanceSeconds(60); // San Francisco to Paris in a minute
    const res = await c.get('/account').set(from('20.1.1.1')).expect(401);
    expect(res.body.error.reasons).toEqual([expect.stringContaining('too far away, too soon')]);
    expect(res.body.error.acceptableFactors).not.toContain('sms');
  });

  it('denies an IP on the deny list with 403', async () => {
    const c = await t.client();
    await c.post('/auth/login', { username: 'alice', password: 'alice-demo-password' }).set(from('66.66.1.2')).expect(200);
    const res = await c.get('/account').set(from('66.66.1.2')).expect(403);
    expect(res.body.error).toMatchObject({ code: 'access_denied', reasons: [expect.stringContaining('blocked')] });
  });

  it('audits each decision with its rule names and score', async () => {
    await aliceAtHome();
    t.clock.advanceSeconds(24 * 3600);
    const c = await t.client();
    await c.post('/auth/login', { username: 'alice', password: 'alice-demo-password' }).set(from('20.1.1.1')).expect(200);
    await c.get('/account').set(from('20.1.1.1')).expect(401);
    const decisions = t.audit.unsafeChain('u1').filter((e) => e.type === 'risk_decision');
    expect(decisions.at(-1)).toMatchObject({ action: 'login', reasons: ['outcome=step-up', 'score=40', 'rule=new-device-new-country'], ip: '20.1.1.1' });
  });
});

describe('trust proxy', () => {
  it('ignores a spoofed X-Forwarded-For when proxies are not trusted', async () => {
    const t = await createTestApp({ guardOptions: { risk: { geo, ipDenyList: ['66.66.0.0/16'] } } });
    const c = await t.client();
    await c.post('/auth/login', { username: 'alice', password: 'alice-demo-password' }).set('x-forwarded-for', '66.66.1.2').expect(200);
    await c.get('/account').set('x-forwarded-for', '66.66.1.2').expect(401); // not 403: the header was ignored
    const decision = t.audit.unsafeChain('u1').find((e) => e.type === 'risk_decision');
    expect(decision?.ip).toMatch(/127\.0\.0\.1$/);
  });

  it('uses X-Forwarded-For when proxies are trusted', async () => {
    const t = await createTestApp({ trustProxy: true, guardOptions: { risk: { ipDenyList: ['66.66.0.0/16'] } } });
    const c = await t.client();
    await c.post('/auth/login', { username: 'alice', password: 'alice-demo-password' }).set('x-forwarded-for', '66.66.1.2').expect(200);
    await c.get('/account').set('x-forwarded-for', '66.66.1.2').expect(403);
  });
});
