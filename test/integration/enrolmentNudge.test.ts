import { join } from 'node:path';
import { totpCodeAt } from '../../src/core/totp/totp';
import { csvGeoLookup } from '../../src/risk/csvGeoLookup';
import { createTestApp, type TestApp } from '../helpers/createTestApp';

const DAY = 86_400;

describe('enrolment offers and requirements over JSON', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  it('a JSON client gets the offer in the step-up answer and is never held up by it', async () => {
    t = await createTestApp({ guardOptions: { enrolment: { nudge: true } } });
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const verified = await c.verify(t.sms.lastCode()).expect(200);
    expect(verified.body.enrolment).toEqual({ suggested: ['passkey', 'otp', 'backup'], reason: 'single_factor' });
    await c.get('/account').expect(200);
    expect((await c.get('/auth/2fa/enrol').expect(200)).body.enrolment).toMatchObject({ reason: 'single_factor' });
  });

  it('says nothing of enrolment unless asked to (enrolment.nudge is off by default)', async () => {
    t = await createTestApp();
    const c = await t.client();
    await c.stepUp();
    const c2 = await t.client();
    await c2.login().expect(200);
    await c2.send().expect(202);
    expect((await c2.verify(t.sms.lastCode()).expect(200)).body).not.toHaveProperty('enrolment');
  });

  it('a browser form goes to the offer page first, then on to where it was going', async () => {
    t = await createTestApp({ guardOptions: { enrolment: { nudge: true } } });
    const c = await t.client();
    await c.login().expect(200);
    await c.agent.get('/account').set('accept', 'text/html').expect(303);
    await c.send().expect(202);
    const res = await c.agent.post('/auth/2fa/sms/verify').type('form').set('accept', 'text/html').send({ code: t.sms.lastCode(), _csrf: c.csrfToken }).expect(303);
    expect(res.headers.location).toBe('/auth/2fa/enrol?returnTo=%2Faccount');
    const page = await c.agent.get(res.headers.location).set('accept', 'text/html').expect(200);
    expect(page.text).toContain('Right now you have only one way to verify it’s you');
  });

  it('"Not now" keeps the offer away for 7 days, "Don\'t ask again" for good; both per user, not per browser', async () => {
    t = await createTestApp({ guardOptions: { enrolment: { nudge: true } } });
    const stepUp = async () => {
      const c = await t.client(); // a new browser each time: nothing kept in a cookie helps
      await c.login().expect(200);
      await c.send().expect(202);
      return { c, body: (await c.verify(t.sms.lastCode()).expect(200)).body };
    };
    const first = await stepUp();
    expect((await first.c.post('/auth/2fa/enrol/snooze', {}).expect(200)).body.snoozedUntil).toBe(new Date(t.clock.nowMs() + 7 * DAY * 1000).toISOString());
    t.clock.advanceSeconds(6 * DAY);
    expect((await stepUp()).body).not.toHaveProperty('enrolment');
    t.clock.advanceSeconds(DAY + 1);
    const again = await stepUp();
    expect(again.body.enrolment).toMatchObject({ reason: 'single_factor' });
    await again.c.post('/auth/2fa/enrol/decline', {}).expect(200);
    t.clock.advanceSeconds(60 * DAY);
    expect((await stepUp()).body).not.toHaveProperty('enrolment');
  });

  it('a password alone cannot answer for the owner: no snooze, no decline without a second factor in the session', async () => {
    t = await createTestApp({ guardOptions: { enrolment: { nudge: true } } });
    const attacker = await t.client();
    await attacker.login().expect(200);
    expect((await attacker.post('/auth/2fa/enrol/decline', {}).expect(401)).body.error.code).toBe('insufficient_user_authentication');
    await attacker.post('/auth/2fa/enrol/snooze', {}).expect(401);
    const owner = await t.client();
    await owner.login().expect(200);
    await owner.send().expect(202);
    expect((await owner.verify(t.sms.lastCode()).expect(200)).body.enrolment).toMatchObject({ reason: 'single_factor' });
  });

  it('after a backup-code step-up where the policy took SMS out, offers something stronger instead of a dead end', async () => {
    const geo = csvGeoLookup(join(__dirname, '../fixtures/geo.csv'));
    t = await createTestApp({ trustProxy: true, guardOptions: { risk: { geo }, policy: { onNoStrongFactor: 'backup_code' }, enrolment: { nudge: true } } });
    const home = { 'x-forwarded-for': '10.1.1.1' };
    const paris = { 'x-forwarded-for': '20.1.1.1' };
    const c = await t.client();
    await c.login().set(home).expect(200);
    await c.send().set(home).expect(202);
    await c.verify(t.sms.lastCode()).set(home).expect(200);
    const codes = (await c.post('/auth/2fa/backup-codes').set(home).expect(201)).body.codes as string[];
    t.clock.advanceSeconds(DAY);
    const away = await t.client();
    await away.login().set(paris).expect(200);
    expect((await away.get('/account').set(paris).expect(401)).body.error.acceptableFactors).not.toContain('sms');
    const verified = await away.post('/auth/2fa/backup-codes/verify', { code: codes[0] }).set(paris).expect(200);
    expect(verified.body.enrolment).toEqual({ suggested: ['passkey', 'otp'], reason: 'no_strong_factor' });
  });

  describe('a requirement with a grace period (fake clock)', () => {
    const requireKey = (userId: string) => (userId === 'u1' ? 'second_factor' : null);

    it('counts the days down from the first time it applies, then refuses with enrolment_required until the user enrols', async () => {
      t = await createTestApp({ guardOptions: { enrolment: { require: requireKey, graceDays: 3 } } });
      const c = await t.client();
      await c.login().expect(200);
      await c.send().expect(202);
      const first = await c.verify(t.sms.lastCode()).expect(200);
      const requiredBy = new Date(t.clock.nowMs() + 3 * DAY * 1000).toISOString();
      expect(first.body.enrolment).toEqual({ suggested: ['passkey', 'otp', 'backup'], reason: 'required', required: 'second_factor', requiredBy, daysLeft: 3 });
      await c.get('/account').expect(200);

      t.clock.advanceSeconds(2 * DAY);
      expect((await c.get('/auth/2fa/enrol').expect(200)).body.enrolment).toMatchObject({ daysLeft: 1, requiredBy });
      t.clock.advanceSeconds(DAY);
      // Refused now, a fresh step-up or not; the answer says what and where.
      const c2 = await t.client();
      await c2.login().expect(200);
      await c2.send().expect(202);
      await c2.verify(t.sms.lastCode()).expect(200);
      const refused = await c2.get('/account').expect(403);
      expect(refused.body.error).toMatchObject({ code: 'enrolment_required', required: 'second_factor', requiredBy, factorsUrl: '/auth/2fa/factors' });
      // Answering a nudge does not restart the grace period.
      await c2.post('/auth/2fa/enrol/snooze', {}).expect(200);
      await c2.post('/auth/2fa/enrol/decline', {}).expect(200);
      await c2.get('/account').expect(403);
      // A browser is sent to the page that says so and offers the way.
      const page = await c2.agent.get('/account').set('accept', 'text/html').expect(303);
      expect(page.headers.location).toBe('/auth/2fa/enrol?returnTo=%2Faccount');
      // Enrolling (the fresh SMS step-up allows it) lifts the refusal at once.
      const setup = await c2.post('/auth/2fa/totp/setup').expect(201);
      await c2.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).expect(201);
      await c2.get('/account').expect(200);
      // Only u1 was asked: nobody else is held to it.
      const audit: string[] = [];
      for await (const e of t.stores.audit.list({ userId: 'u1' })) audit.push(e.type);
      expect(audit.filter((type) => type === 'enrolment_required')).toHaveLength(1);
    });
  });
});
