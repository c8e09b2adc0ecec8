import { totpCodeAt } from '../../src/core/totp/totp';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeForEachStore } from '../helpers/forEachStore';

describeForEachStore('trusted devices', (useRedis) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ redis: useRedis });
  });
  afterEach(() => t.close());

  async function rememberedClient() {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
    return c;
  }

  async function rememberByVerify() {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    await c.post('/auth/2fa/sms/verify', { code: t.sms.lastCode(), remember: true }).expect(200);
    expect(c.cookie('sg.trust')).toMatch(/^[\w-]{22}\.[\w-]+$/);
    // A new session on the same browser: log out, log in again.
    await c.post('/auth/logout', {}).expect(200);
    await c.refreshCsrf(); // logout ended the session its token was bound to
    await c.login().expect(200);
    return c;
  }

  it('skips the login step-up on a remembered device, but never a high-risk action', async () => {
    const c = await rememberByVerify();
    await c.get('/account').expect(200);
    await c.post('/transfer', { amount: 5, payee: 'Bob' }).expect(401);
    const view = await c.get('/auth/2fa/factors').expect(200);
    expect(view.body.trustedDevices).toHaveLength(1);
  });

  it('does not trust a device that did not ask to be remembered', async () => {
    const c = await rememberedClient();
    await c.post('/auth/logout', {}).expect(200);
    await c.refreshCsrf(); // logout ended the session its token was bound to
    await c.login().expect(200);
    await c.get('/account').expect(401);
  });

  it('expires after 30 days (injected clock)', async () => {
    const c = await rememberByVerify();
    t.clock.advanceSeconds(30 * 86_400 - 60);
    await c.login().expect(200);
    await c.get('/account').expect(200);
    t.clock.advanceSeconds(120);
    await c.login().expect(200);
    await c.get('/account').expect(401);
  });

  it('is revoked by the user, one or all', async () => {
    const c = await rememberByVerify();
    const [device] = (await c.get('/auth/2fa/factors').expect(200)).body.trustedDevices;
    // Forgetting devices is as sensitive as a factor change: a password (and the device) is not enough.
    expect((await c.post(`/auth/2fa/trusted-devices/${device.id}/revoke`, {}).expect(401)).body.error.code).toBe('fresh_factor_required');
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
    await c.post(`/auth/2fa/trusted-devices/${device.id}/revoke`, {}).expect(200);
    await c.post('/auth/2fa/trusted-devices/nope/revoke', {}).expect(404);
    await c.post('/auth/2fa/trusted-devices/bad%20id/revoke', {}).expect(400);
    // The next session on this browser is no longer trusted.
    await c.post('/auth/logout', {}).expect(200);
    await c.refreshCsrf();
    await c.login().expect(200);
    await c.get('/account').expect(401);
  });

  it('is revoked when a factor is added', async () => {
    const c = await rememberByVerify();
    await c.get('/account').expect(200);
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
    const setup = await c.post('/auth/2fa/totp/setup', {}).expect(201);
    await c.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).expect(201);
    await c.post('/auth/logout', {}).expect(200);
    await c.refreshCsrf(); // logout ended the session its token was bound to
    await c.login().expect(200);
    await c.get('/account').expect(401);
    expect(t.audit.unsafeChain('u1').map((e) => e.type)).toContain('trusted_devices_revoked');
  });

  it('ignores a forged cookie and one minted for another user', async () => {
    const c = await rememberByVerify();
    const value = c.cookie('sg.trust') as string;
    const [id] = value.split('.');
    await c.post('/auth/logout', {}).expect(200);
    await c.refreshCsrf(); // logout ended the session its token was bound to
    c.agent.jar.setCookie(`sg.trust=${id}.forgedmacforgedmacforgedmac`, '127.0.0.1', '/');
    await c.login().expect(200);
    await c.get('/account').expect(401);
    // Bob on alice's browser: the cookie is bound to alice.
    c.agent.jar.setCookie(`sg.trust=${value}`, '127.0.0.1', '/');
    await c.post('/auth/signup', { username: 'bob', password: 'correct horse battery' }).expect(201);
    await c.login('bob', 'correct horse battery').expect(200);
    await c.get('/account').expect(401);
  });
});

describe('removing and renaming factors', () => {
  it('refuses to remove the last second factor, and needs a fresh step-up', async () => {
    const t = await createTestApp();
    const c = await t.client();
    await c.post('/auth/signup', { username: 'bob', password: 'correct horse battery' }).expect(201);
    await c.login('bob', 'correct horse battery').expect(200);
    const setup = await c.post('/auth/2fa/totp/setup', {}).expect(201); // first factor: fresh password suffices
    await c.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).expect(201);
    const [totp] = (await c.get('/auth/2fa/factors').expect(200)).body.totp;
    t.clock.advanceSeconds(60);
    await c.post('/auth/2fa/totp/verify', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).expect(200);
    expect((await c.post(`/auth/2fa/factors/${totp.id}/remove`, {}).expect(409)).body.error.code).toBe('last_factor');
    await c.post(`/auth/2fa/factors/${totp.id}/rename`, { nickname: 'Phone app' }).expect(200);
    expect((await c.get('/auth/2fa/factors').expect(200)).body.totp[0].label).toBe('Phone app');
    await c.post(`/auth/2fa/factors/${totp.id}/rename`, { nickname: '' }).expect(400);
    t.clock.advanceSeconds(301);
    // With a phone bound too, removal is allowed, but only after a fresh step-up.
    await t.guard.service.bindPhoneUnchecked(t.users.idOf('bob') as string, '+16505550100');
    expect((await c.post(`/auth/2fa/factors/${totp.id}/remove`, {}).expect(401)).body.error.code).toBe('fresh_factor_required');
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
    await c.post(`/auth/2fa/factors/${totp.id}/remove`, {}).expect(200);
    expect((await c.get('/auth/2fa/factors').expect(200)).body.totp).toEqual([]);
  });
});
