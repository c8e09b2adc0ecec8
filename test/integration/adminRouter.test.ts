import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { softPasskey } from '../helpers/softPasskey';
import { DEMO_ACCOUNT, DEMO_OPERATOR } from '../../src/demo/createDemoApp';
import { totpCodeAt } from '../../src/core/totp/totp';
import { DEFAULT_FIRST_FACTOR_WAIT_SECONDS } from '../../src/http/admin/adminRouterOptions';

const ADMIN = '/admin/2fa';
type Client = Awaited<ReturnType<TestApp['client']>>;

/**
 * The demo operator, signed in with its password, with a (software) passkey enrolled; not yet
 * stepped up with it. The passkey was bound with the password alone (the account's first
 * factor), so the console counts it only after the first-factor wait: the clock passes it here.
 */
async function operatorWithPasskey(t: TestApp) {
  const c = await t.client();
  await c.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
  const key = softPasskey({ rpID: t.guard.config.webauthn.rpID, origin: t.guard.config.webauthn.origins[0] as string });
  const options = await c.post('/auth/2fa/webauthn/registration/options', {}).expect(200);
  await c.post('/auth/2fa/webauthn/registration/verify', { response: key.register(options.body), nickname: 'Operator key' }).expect(201);
  t.clock.advanceSeconds(DEFAULT_FIRST_FACTOR_WAIT_SECONDS);
  return { c, key };
}

async function passkeyStepUp(c: Client, key: ReturnType<typeof softPasskey>) {
  const options = await c.post('/auth/2fa/webauthn/authentication/options', {}).expect(200);
  await c.post('/auth/2fa/webauthn/authentication/verify', { response: key.authenticate(options.body) }).expect(200);
}

async function steppedUpOperator(t: TestApp) {
  const op = await operatorWithPasskey(t);
  await passkeyStepUp(op.c, op.key);
  return op;
}

const aliceId = (t: TestApp) => t.users.idOf(DEMO_ACCOUNT.username) as string;
const auditOf = async (t: TestApp, userId: string) => {
  const events = [];
  for await (const e of t.audit.list({ userId })) events.push(e);
  return events;
};

describe('guard.adminRouter: who gets in', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });

  it('a visitor who is not signed in is sent to sign in (page) or gets 401 (API)', async () => {
    const page = await request(t.app).get(`${ADMIN}/`).set('accept', 'text/html').expect(303);
    expect(page.headers.location).toBe(`/login?returnTo=${encodeURIComponent(`${ADMIN}/`)}`);
    expect((await request(t.app).get(`${ADMIN}/`).set('accept', 'application/json').expect(401)).body.error.code).toBe('unauthenticated');
  });

  it('a signed-in user who is not an operator gets 403, even stepped up, and cannot act', async () => {
    const alice = await t.client();
    await alice.stepUp();
    expect((await alice.get(`${ADMIN}/`).expect(403)).body.error.code).toBe('access_denied');
    await alice.post(`${ADMIN}/users/${aliceId(t)}/reset-factor`, { factor: 'sms', reason: 'take over' }).expect(403);
    expect(await t.guard.service.maskedPhoneOf(aliceId(t))).not.toBeNull();
    expect((await auditOf(t, aliceId(t))).some((e) => e.type === 'admin_access_refused')).toBe(true);
  });

  it('an operator with a password only must step up with a passkey (401 naming aal2-phr; a browser goes to the factor page)', async () => {
    const c = await t.client();
    await c.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
    const res = await c.get(`${ADMIN}/`).expect(401);
    expect(res.body.error).toMatchObject({ code: 'insufficient_user_authentication', acrValues: ['aal2-phr'], acceptableFactors: ['hwk', 'swk'] });
    expect(res.headers['www-authenticate']).toContain('acr_values="aal2-phr"');
    const page = await c.agent.get(`${ADMIN}/users?q=alice`).set('accept', 'text/html').expect(303);
    expect(page.headers.location).toBe(`/auth/2fa?returnTo=${encodeURIComponent(`${ADMIN}/users?q=alice`)}`);
  });

  it('an operator stepped up by SMS (not a passkey) is still refused', async () => {
    const operatorId = t.users.idOf(DEMO_OPERATOR.username) as string;
    await t.guard.service.bindPhoneUnchecked(operatorId, '+14155550177');
    const c = await t.client();
    await c.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
    expect((await c.get(`${ADMIN}/`).expect(401)).body.error.code).toBe('insufficient_user_authentication');
    await c.post(`${ADMIN}/users/${aliceId(t)}/reset-factor`, { factor: 'sms', reason: 'ticket 1' }).expect(401);
    expect(await t.guard.service.maskedPhoneOf(aliceId(t))).not.toBeNull();
  });

  it('an operator stepped up by TOTP (not a passkey) is still refused', async () => {
    const c = await t.client();
    await c.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
    const setup = await c.post('/auth/2fa/totp/setup', {}).expect(201);
    await c.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).expect(201);
    t.clock.advanceSeconds(60);
    await c.post('/auth/2fa/totp/verify', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).expect(200);
    expect((await c.get('/auth/session').expect(200)).body.amr).toContain('otp');
    expect((await c.get(`${ADMIN}/users/${aliceId(t)}`).expect(401)).body.error.code).toBe('insufficient_user_authentication');
    // A browser's form post is sent to step up and brought back to the user's page, with nothing done.
    const form = await c.agent.post(`${ADMIN}/users/${aliceId(t)}/unlock`).set('accept', 'text/html').type('form').send({ reason: 'ticket 2', _csrf: c.csrfToken }).expect(303);
    expect(form.headers.location).toBe(`/auth/2fa?returnTo=${encodeURIComponent(`${ADMIN}/users/${aliceId(t)}`)}`);
    expect((await auditOf(t, aliceId(t))).some((e) => e.type === 'second_factor_unlocked')).toBe(false);
  });

  it('an operator stepped up with a passkey gets in; a stale step-up (past maxAgeSeconds, 900 s) does not', async () => {
    const { c, key } = await steppedUpOperator(t);
    await c.get(`${ADMIN}/`).expect(200);
    t.clock.advanceSeconds(901);
    expect((await c.get(`${ADMIN}/`).expect(401)).body.error.code).toBe('insufficient_user_authentication');
    await passkeyStepUp(c, key);
    await c.get(`${ADMIN}/`).expect(200);
  });

  it('a session cookie kept from before logout opens nothing', async () => {
    const { c } = await steppedUpOperator(t);
    const cookie = c.agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
    await c.post('/auth/logout').expect((res) => expect(res.status).toBeLessThan(400));
    const replay = await request(t.app).get(`${ADMIN}/`).set('cookie', cookie).set('accept', 'application/json');
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('unauthenticated');
  });

  it("the operator's session id, kept after someone else signs in on the same browser, is worth nothing", async () => {
    const { c } = await steppedUpOperator(t);
    const operatorCookie = c.agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
    await c.login(DEMO_ACCOUNT.username, DEMO_ACCOUNT.password).expect(200);
    // The browser now belongs to alice: not an operator.
    expect((await c.get(`${ADMIN}/`).expect(403)).body.error.code).toBe('access_denied');
    const replay = await request(t.app).get(`${ADMIN}/`).set('cookie', operatorCookie).set('accept', 'application/json');
    expect([401, 403]).toContain(replay.status);
  });

  it('adminRouter without authorize, or with an unknown option, fails when the app is built, naming the option', () => {
    expect(() => t.guard.adminRouter(undefined as never)).toThrow(/authorize` is required/);
    expect(() => t.guard.adminRouter({ authorize: () => true, requireAssurance: 'aal1' as never })).toThrow(/requireAssurance/);
    expect(() => t.guard.adminRouter({ authorize: () => true, maxAge: 5 } as never)).toThrow(/maxAge/);
    expect(() => t.guard.adminRouter({ authorize: () => true, firstFactorWaitSeconds: -1 })).toThrow(/firstFactorWaitSeconds: must be 0 or more seconds/);
    expect(() => t.guard.adminRouter({ authorize: () => true, firstFactorWaitSeconds: 1.5 })).toThrow(/firstFactorWaitSeconds: must be a whole number/);
    expect(() => t.guard.adminRouter({ authorize: () => true, firstFactorWaitSeconds: '72h' as never })).toThrow(/firstFactorWaitSeconds: must be a number of seconds/);
  });

  it("a passkey bound with the password alone opens the console only after firstFactorWaitSeconds (72 h), with a 403 that says so meanwhile", async () => {
    const c = await t.client();
    await c.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
    const key = softPasskey({ rpID: t.guard.config.webauthn.rpID, origin: t.guard.config.webauthn.origins[0] as string });
    const options = await c.post('/auth/2fa/webauthn/registration/options', {}).expect(200);
    await c.post('/auth/2fa/webauthn/registration/verify', { response: key.register(options.body), nickname: 'Operator key' }).expect(201);
    await passkeyStepUp(c, key);
    const refused = await c.get(`${ADMIN}/`).expect(403);
    expect(refused.body.error.code).toBe('access_denied');
    expect(refused.body.error.reasons.join(' ')).toMatch(/first_factor_waiting.*72 h/);
    const operatorId = t.users.idOf(DEMO_OPERATOR.username) as string;
    expect((await auditOf(t, operatorId)).filter((e) => e.type === 'admin_access_refused').map((e) => e.reasons)).toEqual([['first_factor_waiting']]);
    t.clock.advanceSeconds(DEFAULT_FIRST_FACTOR_WAIT_SECONDS - 60);
    await passkeyStepUp(c, key);
    await c.get(`${ADMIN}/`).expect(403);
    t.clock.advanceSeconds(60);
    await passkeyStepUp(c, key);
    await c.get(`${ADMIN}/`).expect(200);
  });

  it("the demo's npm start setting (adminFirstFactorWaitSeconds: 0, outside production only) lets olivia open the console right after binding her passkey", async () => {
    const demo = await createTestApp({ adminFirstFactorWaitSeconds: 0 });
    try {
      const c = await demo.client();
      await c.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
      const key = softPasskey({ rpID: demo.guard.config.webauthn.rpID, origin: demo.guard.config.webauthn.origins[0] as string });
      const options = await c.post('/auth/2fa/webauthn/registration/options', {}).expect(200);
      await c.post('/auth/2fa/webauthn/registration/verify', { response: key.register(options.body), nickname: 'Operator key' }).expect(201);
      await passkeyStepUp(c, key);
      await c.get(`${ADMIN}/`).expect(200);
    } finally {
      await demo.close();
    }
  });

  it('a second passkey bound with the waiting first one does not get round the wait (the account cool-off holds it)', async () => {
    const c = await t.client();
    await c.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
    const first = softPasskey({ rpID: t.guard.config.webauthn.rpID, origin: t.guard.config.webauthn.origins[0] as string });
    const second = softPasskey({ rpID: t.guard.config.webauthn.rpID, origin: t.guard.config.webauthn.origins[0] as string });
    const o1 = await c.post('/auth/2fa/webauthn/registration/options', {}).expect(200);
    await c.post('/auth/2fa/webauthn/registration/verify', { response: first.register(o1.body), nickname: 'first' }).expect(201);
    await passkeyStepUp(c, first);
    const o2 = await c.post('/auth/2fa/webauthn/registration/options', {}).expect(200);
    await c.post('/auth/2fa/webauthn/registration/verify', { response: second.register(o2.body), nickname: 'second' }).expect(201);
    await passkeyStepUp(c, second);
    expect((await c.get(`${ADMIN}/`)).status).not.toBe(200);
  });

});

describe.each([
  ['memory', false],
  ['Redis', true],
])('guard.adminRouter: support actions (%s stores)', (_name, redis) => {
  let t: TestApp;
  let c: Client;
  beforeEach(async () => {
    t = await createTestApp({ redis });
    c = (await steppedUpOperator(t)).c;
  });
  afterEach(async () => {
    await t.close();
  });

  it('a POST without the CSRF token, or without a reason, changes nothing', async () => {
    const noToken = await c.agent.post(`${ADMIN}/users/${aliceId(t)}/reset-factor`).set('accept', 'application/json').send({ factor: 'sms', reason: 'ticket 7' });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe('csrf_failed');
    const noReason = await c.post(`${ADMIN}/users/${aliceId(t)}/reset-factor`, { factor: 'sms' }).expect(400);
    expect(noReason.body.error).toMatchObject({ code: 'invalid_request', field: 'reason' });
    await c.post(`${ADMIN}/users/${aliceId(t)}/unlock`, { reason: '  ' }).expect(400);
    expect(await t.guard.service.maskedPhoneOf(aliceId(t))).not.toBeNull();
    expect((await auditOf(t, aliceId(t))).filter((e) => e.actor.startsWith('admin:'))).toEqual([]);
  });

  it('a user id that does not exist is a 404 for pages and actions, and nothing is written', async () => {
    expect((await c.get(`${ADMIN}/users/u999`).expect(404)).body.error.code).toBe('not_found');
    await c.post(`${ADMIN}/users/u999/reset-factor`, { factor: 'sms', reason: 'ticket 8' }).expect(404);
    await c.post(`${ADMIN}/users/u999/revoke-access`, { reason: 'ticket 8' }).expect(404);
    expect(await auditOf(t, 'u999')).toEqual([]);
    expect((await c.get(`${ADMIN}/users?q=nobody`).expect(404)).body.error.code).toBe('not_found');
  });

  it('bad input gets a clean 4xx and never a 5xx', async () => {
    const id = aliceId(t);
    const cases: [string, object | string][] = [
      [`${ADMIN}/users/${id}/reset-factor`, { factor: 'everything', reason: 'ticket 9' }],
      [`${ADMIN}/users/${id}/reset-factor`, { factor: 'sms', reason: 'line one\nline two' }],
      [`${ADMIN}/users/${id}/reset-factor`, { factor: 'sms', reason: 'x'.repeat(501) }],
      [`${ADMIN}/users/${id}/reset-factor`, { factor: ['sms'], reason: 'ticket 9' }],
      [`${ADMIN}/users/${id}/unlock`, { reason: 'ticket 9', extra: 1 }],
      [`${ADMIN}/users/${id}/unlock`, { reason: { $ne: 1 } }],
      [`${ADMIN}/users/${encodeURIComponent('../u1')}/unlock`, { reason: 'ticket 9' }],
      [`${ADMIN}/users/${'u'.repeat(200)}/unlock`, { reason: 'ticket 9' }],
      [`${ADMIN}/users/${id}/revoke-access`, 'reason=' + 'y'.repeat(20_000)],
    ];
    for (const [path, body] of cases) {
      const res = await c.post(path).send(body as object);
      expect({ path, status: res.status >= 400 && res.status < 500 }).toEqual({ path, status: true });
      expect(res.body.error?.code).toEqual(expect.any(String));
    }
    for (const path of [`${ADMIN}/users`, `${ADMIN}/users?q=`, `${ADMIN}/users?q[]=a`, `${ADMIN}/?range=1y`, `${ADMIN}/?range=1h&range=24h`, `${ADMIN}/nothing-here`, `${ADMIN}/users/%ZZ`]) {
      const res = await c.get(path);
      expect({ path, status: res.status >= 400 && res.status < 500 }).toEqual({ path, status: true });
    }
    expect(await t.guard.service.maskedPhoneOf(id)).not.toBeNull();
  });

  it("reset a user's phone: through the service, the user told on the old number, audited with the operator and the reason", async () => {
    const id = aliceId(t);
    const operatorId = t.users.idOf(DEMO_OPERATOR.username) as string;
    const before = t.sms.messages.length;
    const res = await c.post(`${ADMIN}/users/${id}/reset-factor`, { factor: 'sms', reason: 'ticket 42: lost phone' }).expect(200);
    expect(res.body).toMatchObject({ ok: true, removed: 1 });
    expect(await t.guard.service.maskedPhoneOf(id)).toBeNull();
    const notices = t.sms.messages.slice(before);
    expect(notices.map((m) => m.to)).toEqual([DEMO_ACCOUNT.phone]);
    const changed = (await auditOf(t, id)).find((e) => e.type === 'factor_changed');
    expect(changed).toMatchObject({ actor: `admin:${operatorId}`, factor: 'sms' });
    expect(changed?.reasons).toEqual(expect.arrayContaining(['change=factor_reset', 'reason=ticket 42: lost phone']));
    expect((await auditOf(t, id)).find((e) => e.type === 'sessions_revoked')?.actor).toBe(`admin:${operatorId}`);
    const view = (await c.get(`${ADMIN}/users/${id}`).expect(200)).body;
    expect(view.account.phone).toBeNull();
    expect(view.audit.verified.ok).toBe(true);
    expect(view.audit.events[0].type).toEqual(expect.any(String));
    expect(view.audit.events.some((e: { type: string; actor: string }) => e.type === 'factor_changed' && e.actor === `admin:${operatorId}`)).toBe(true);
  });

  it('unlock the second factor: the lock and the failure count go, audited with the operator', async () => {
    const id = aliceId(t);
    const lockout = t.guard.config.lockout;
    for (let i = 0; i < lockout.maxConsecutiveFailures; i += 1) await t.stores.challenges.reserveFactorAttempt(id, t.clock.nowMs(), lockout);
    expect((await c.get(`${ADMIN}/users/${id}`).expect(200)).body.account.lockedUntilMs).toEqual(expect.any(Number));
    expect((await c.post(`${ADMIN}/users/${id}/unlock`, { reason: 'ticket 43: verified by phone call' }).expect(200)).body.wasLocked).toBe(true);
    const view = (await c.get(`${ADMIN}/users/${id}`).expect(200)).body;
    expect(view.account).toMatchObject({ lockedUntilMs: null, consecutiveFailures: 0 });
    expect((await auditOf(t, id)).find((e) => e.type === 'second_factor_unlocked')?.reasons).toContain('reason=ticket 43: verified by phone call');
  });

  it("revoke sessions and trusted devices: the user's live session ends", async () => {
    const alice = await t.client();
    await alice.stepUp();
    await alice.get('/account').expect(200);
    const res = await c.post(`${ADMIN}/users/${aliceId(t)}/revoke-access`, { reason: 'ticket 44: stolen laptop' }).expect(200);
    expect(res.body.ok).toBe(true);
    await alice.get('/account').expect(401);
    // Her revoked session is nobody here either: the sign-in flow, not a 403 for a known user.
    expect((await alice.get(`${ADMIN}/`).expect(401)).body.error.code).toBe('unauthenticated');
    const events = await auditOf(t, aliceId(t));
    expect(events.find((e) => e.type === 'sessions_revoked')?.actor).toMatch(/^admin:/);
    expect(events.find((e) => e.type === 'trusted_devices_revoked')?.reasons).toContain('reason=ticket 44: stolen laptop');
  });

  it('finds a user by username (the host lookup) and shows masked numbers only', async () => {
    const found = await c.get(`${ADMIN}/users?q=alice`).expect(200);
    expect(found.body.userId).toBe(aliceId(t));
    const page = await c.agent.get(`${ADMIN}/users/${aliceId(t)}`).set('accept', 'text/html').expect(200);
    expect(page.text).not.toContain(DEMO_ACCOUNT.phone);
    expect(page.text).toContain('Chain verified');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    // The user pages' languages: German from Accept-Language, the title from the catalogue.
    const german = await c.agent.get(`${ADMIN}/users/${aliceId(t)}`).set('accept', 'text/html').set('accept-language', 'de').expect(200);
    expect(german.text).toContain('Faktor zurücksetzen');
    expect(german.text).toContain('<title>Ein Konto</title>');
    // A made-up ?done= says nothing (and breaks nothing).
    const odd = await c.agent.get(`${ADMIN}/users/${aliceId(t)}?done=constructor`).set('accept', 'text/html').expect(200);
    expect(odd.text).not.toContain('sg-admin-done');
  });
});

describe('guard.adminRouter: the overview', () => {
  it('sums what the service counted, for each range; the page has no inline script and its chart library is cached for a year', async () => {
    const t = await createTestApp();
    const { c } = await steppedUpOperator(t);
    const send = await t.guard.service.sendSmsChallenge({ userId: aliceId(t), bindingId: 'b-test', action: 'login' });
    if (!send.ok) throw new Error('send refused');
    await t.guard.service.verifySmsChallenge({ userId: aliceId(t), bindingId: 'b-test', challengeId: send.challengeId, code: t.sms.lastCode(), expect: 'step_up' });
    for (const range of ['1h', '24h', '7d']) {
      const body = (await c.get(`${ADMIN}/?range=${range}`).expect(200)).body;
      expect(body.overview.totals.sent).toBe(1);
      expect(body.overview.completionByCountry).toEqual([{ key: 'US', succeeded: 1, total: 1, rate: 1 }]);
    }
    // A breaker that opened a minute ago is open now, at least for its base open period.
    t.guard.service.metrics.breakerOpened({ country: 'NG' }, 600);
    t.clock.advanceSeconds(60);
    const { breakers } = (await c.get(`${ADMIN}/`).expect(200)).body;
    expect(breakers).toEqual([expect.objectContaining({ country: 'NG' })]);
    expect(breakers[0].openAtLeastUntilMs).toBeGreaterThan(t.clock.nowMs());
    const page = await c.agent.get(`${ADMIN}/`).set('accept', 'text/html').expect(200);
    const scripts = page.text.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(1);
    for (const tag of scripts) expect(tag).toMatch(/\bsrc="|type="application\/json"/);
    const library = /src="([^"]*uplot-[^"]+\.min\.js)"/.exec(page.text)?.[1] as string;
    const asset = await request(t.app).get(library).expect(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });
});
