import { join } from 'node:path';
import { totpCodeAt } from '../../src/core/totp/totp';
import { csvGeoLookup } from '../../src/risk/csvGeoLookup';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeForEachStore } from '../helpers/forEachStore';

describeForEachStore('TOTP and backup codes', (useRedis) => {
  let t: TestApp;
  let c: Awaited<ReturnType<TestApp['client']>>;
  beforeEach(async () => {
    t = await createTestApp({ redis: useRedis });
    c = await t.client();
    await c.stepUp();
  });
  afterEach(() => t.close());

  async function enrolTotp(): Promise<string> {
    const setup = await c.post('/auth/2fa/totp/setup', {}).expect(201);
    expect(setup.body).toMatchObject({ otpauthUri: expect.stringMatching(/^otpauth:\/\/totp\//), qrCode: expect.stringMatching(/^data:image\/png;base64,/) });
    const secret = setup.body.secret as string;
    await c.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(secret, t.clock.nowMs()) }).expect(201);
    return secret;
  }

  it('enrols TOTP after a fresh step-up and steps up with it, refusing a replayed code', async () => {
    const secret = await enrolTotp();
    t.clock.advanceSeconds(60);
    const code = await totpCodeAt(secret, t.clock.nowMs());
    const ok = await c.post('/auth/2fa/totp/verify', { code }).expect(200);
    expect(ok.body).toMatchObject({ verified: true, factor: 'otp', amr: expect.arrayContaining(['otp', 'mfa']) });
    const replay = await c.post('/auth/2fa/totp/verify', { code }).expect(401);
    expect(replay.body.error.code).toBe('invalid_code');
  });

  it('accepts a code only once under 20 concurrent submissions', async () => {
    const secret = await enrolTotp();
    t.clock.advanceSeconds(90);
    const code = await totpCodeAt(secret, t.clock.nowMs());
    const results = await Promise.all(Array.from({ length: 20 }, () => c.post('/auth/2fa/totp/verify', { code })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('rejects malformed TOTP input with 400 and changes nothing', async () => {
    await enrolTotp();
    for (const code of ['12345', '1234567', 'abcdef', 123456, null]) {
      const res = await c.post('/auth/2fa/totp/verify', { code }).expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'code' });
    }
    expect(await t.stores.challenges.failureCount('u1', t.clock.nowMs())).toBe(0);
  });

  it('needs a fresh step-up to add a factor', async () => {
    t.clock.advanceSeconds(301);
    expect((await c.post('/auth/2fa/totp/setup', {}).expect(401)).body.error.code).toBe('fresh_factor_required');
    expect((await c.post('/auth/2fa/backup-codes', {}).expect(401)).body.error.code).toBe('fresh_factor_required');
  });

  it('stores the TOTP secret encrypted', async () => {
    const secret = await enrolTotp();
    const [factor] = await t.stores.factors.list('u1', 'totp');
    expect(JSON.stringify(factor)).not.toContain(secret);
    expect(factor?.data.secret).toMatch(/^v1\./);
  });

  it('regenerates backup codes (shown once), uses each once, invalidates the old set, and notifies', async () => {
    const first = await c.post('/auth/2fa/backup-codes', {}).expect(201);
    expect(first.body.codes).toHaveLength(10);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(t.sms.messages.at(-1)?.body).toContain('backup codes were regenerated');
    const second = await c.post('/auth/2fa/backup-codes', {}).expect(201);
    await c.post('/auth/2fa/backup-codes/verify', { code: first.body.codes[0] }).expect(401);
    const used = await c.post('/auth/2fa/backup-codes/verify', { code: second.body.codes[0].toLowerCase() }).expect(200);
    expect(used.body).toMatchObject({ verified: true, factor: 'backup' });
    expect(t.sms.messages.at(-1)?.body).toContain('backup code was just used');
    await c.post('/auth/2fa/backup-codes/verify', { code: second.body.codes[0] }).expect(401);
    const view = await c.get('/auth/2fa/factors').expect(200);
    expect(view.body.backupCodesRemaining).toBe(9);
    const chain = t.audit.unsafeChain('u1');
    expect(chain.map((e) => e.type)).toEqual(expect.arrayContaining(['factor_changed', 'backup_code_used']));
    expect(chain.filter((e) => e.type === 'factor_changed').map((e) => e.reasons)).toContainEqual(expect.arrayContaining(['change=backup_codes_regenerated']));
  });

  it('lets exactly one of 20 concurrent submissions of a backup code succeed', async () => {
    const { body } = await c.post('/auth/2fa/backup-codes', {}).expect(201);
    const results = await Promise.all(Array.from({ length: 20 }, () => c.post('/auth/2fa/backup-codes/verify', { code: body.codes[3] })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.every((r) => r.status === 200 || r.status === 401 || r.status === 423)).toBe(true);
  });
});

describe('escalation to an enrolled authenticator app', () => {
  it('refuses SMS from a new device in a new country and accepts TOTP', async () => {
    const t = await createTestApp({ trustProxy: true, guardOptions: { risk: { geo: csvGeoLookup(join(__dirname, '../fixtures/geo.csv')) } } });
    const home = await t.client();
    const at = (ip: string) => ({ 'x-forwarded-for': ip });
    await home.post('/auth/login', { username: 'alice', password: 'alice-demo-password' }).set(at('10.1.1.1')).expect(200);
    await home.post('/auth/2fa/sms/send', {}).set(at('10.1.1.1')).expect(202);
    await home.post('/auth/2fa/sms/verify', { code: t.sms.lastCode() }).set(at('10.1.1.1')).expect(200);
    const setup = await home.post('/auth/2fa/totp/setup', {}).set(at('10.1.1.1')).expect(201);
    await home.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).set(at('10.1.1.1')).expect(201);

    t.clock.advanceSeconds(86_400);
    const away = await t.client();
    await away.post('/auth/login', { username: 'alice', password: 'alice-demo-password' }).set(at('20.1.1.1')).expect(200);
    const denied = await away.get('/account').set(at('20.1.1.1')).expect(401);
    expect(denied.body.error.acceptableFactors).not.toContain('sms');
    await away.post('/auth/2fa/sms/send', {}).set(at('20.1.1.1')).expect(409);
    await away.post('/auth/2fa/totp/verify', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).set(at('20.1.1.1')).expect(200);
    await away.get('/account').set(at('20.1.1.1')).expect(200);
  });
});

describe('factor choice', () => {
  it('offers the factor the user chose last time first', async () => {
    const t = await createTestApp();
    const c = await t.client();
    await c.stepUp();
    const setup = await c.post('/auth/2fa/totp/setup', {}).expect(201);
    await c.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).expect(201);
    let methods = await c.get('/auth/2fa/methods').expect(200);
    expect(methods.body).toMatchObject({ preferred: 'sms', available: [{ factor: 'sms' }, { factor: 'otp' }] });
    t.clock.advanceSeconds(60);
    await c.post('/auth/2fa/totp/verify', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).expect(200);
    methods = await c.get('/auth/2fa/methods').expect(200);
    expect(methods.body).toMatchObject({ preferred: 'otp', available: [{ factor: 'otp' }, { factor: 'sms' }] });
  });
});
