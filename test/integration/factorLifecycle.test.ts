import type { TestApp } from '../helpers/createTestApp';
import { createTestAppOn, describeForEachBackend } from '../helpers/forEachStore';
import { HttpJar, listen } from '../helpers/httpJar';
import { totpCode } from '../helpers/attackerModel/ownerMoves';

/**
 * Issue 11: one regression test per hole found by walking the factor lifecycle as an attacker
 * would. Each drives the demo over HTTP (own cookie jars, CSRF tokens as the answers hand them
 * over) with the fake clock, on memory, on Redis and on the 3-master Redis Cluster.
 */

const ALICE = { username: 'alice', password: 'alice-demo-password', phone: '+14155550123' };
const P1 = '+16505550100';
const P2 = '+12125550142';
const ATTACKER_PHONE = '+14155559001';
const hasCode = (body: string) => /#\d+\s*$/.test(body);

describeForEachBackend('factor lifecycle (issue 11)', (backend) => {
  let t: TestApp;
  let server: { baseUrl: string; close(): Promise<void> };
  beforeEach(async () => {
    t = await createTestAppOn(backend);
    server = await listen(t.app);
  });
  afterEach(async () => {
    await server.close();
    await t.close();
  });

  const jar = (name: string) => new HttpJar(server.baseUrl, name);
  /** The newest code texted to `to` (after message `from`). */
  const codeTo = (to: string, from = 0) => {
    const m = t.sms.messages.slice(from).reverse().find((s) => s.to === to && hasCode(s.body));
    return /#(\d+)\s*$/.exec(m?.body ?? '')?.[1] ?? null;
  };
  /** Texts without a code (security notices) sent to `to` after message `from`. */
  const noticesTo = (to: string, from: number) => t.sms.messages.slice(from).filter((s) => s.to === to && !hasCode(s.body));

  async function signIn(c: HttpJar, username = ALICE.username, password = ALICE.password) {
    expect((await c.post('/auth/login', { username, password })).status).toBe(200);
  }
  async function smsStepUp(c: HttpJar, to: string, action?: string) {
    const from = t.sms.messages.length;
    const sent = await c.post('/auth/2fa/sms/send', action ? { action } : {});
    if (sent.status !== 202) return sent;
    return c.post('/auth/2fa/sms/verify', { code: codeTo(to, from) });
  }
  async function totpStepUp(c: HttpJar, secret: string) {
    t.clock.advanceSeconds(30); // the app's next code: a used time step is never accepted again
    const res = await c.post('/auth/2fa/totp/verify', { code: await totpCode(secret, t.clock.nowMs()) });
    expect(res.status).toBe(200);
  }
  async function enrolTotp(c: HttpJar): Promise<string> {
    const setup = await c.post('/auth/2fa/totp/setup');
    expect(setup.status).toBe(201);
    const confirmed = await c.post('/auth/2fa/totp/confirm', { code: await totpCode(setup.body.secret, t.clock.nowMs()) });
    expect(confirmed.status).toBe(201);
    return setup.body.secret as string;
  }
  async function bindPhone(c: HttpJar, phone: string) {
    const from = t.sms.messages.length;
    const start = await c.post('/auth/2fa/phone', { phone });
    if (start.status !== 202) return start;
    return c.post('/auth/2fa/phone/verify', { code: codeTo(phone, from) });
  }
  /** Alice with phone and authenticator app, past the cool-off that enrolling the app started. */
  async function aliceWithPhoneAndApp(): Promise<{ owner: HttpJar; secret: string }> {
    const owner = jar('owner');
    await signIn(owner);
    expect((await smsStepUp(owner, ALICE.phone)).status).toBe(200);
    const secret = await enrolTotp(owner);
    t.clock.advanceSeconds(8 * 86_400);
    await signIn(owner);
    await totpStepUp(owner, secret);
    return { owner, secret };
  }

  it('a password alone cannot add a phone to an account whose only factor is an authenticator app, nor approve a transfer', async () => {
    const carol = jar('carol');
    expect((await carol.post('/auth/signup', { username: 'carol', password: 'carol-password-123' })).status).toBe(201);
    await signIn(carol, 'carol', 'carol-password-123');
    await enrolTotp(carol);
    const carolId = (await carol.get('/auth/session')).body.user.id as string;

    const attacker = jar('attacker');
    await signIn(attacker, 'carol', 'carol-password-123');
    const start = await attacker.post('/auth/2fa/phone', { phone: ATTACKER_PHONE });
    const code = codeTo(ATTACKER_PHONE);
    if (code) await attacker.post('/auth/2fa/phone/verify', { code });
    await attacker.post('/transfer', { amount: 900, payee: 'Mallory' });
    const sent = await attacker.post('/auth/2fa/sms/send', { action: 'transfer' });
    if (sent.status === 202 && codeTo(ATTACKER_PHONE)) await attacker.post('/auth/2fa/sms/verify', { code: codeTo(ATTACKER_PHONE) });
    const transfer = await attacker.post('/transfer', { amount: 900, payee: 'Mallory' });
    const account = await attacker.get('/account');
    const session = await attacker.get('/auth/session');

    expect({
      bindPhone: [start.status, start.body?.error?.code],
      textsToAttacker: t.sms.messages.filter((m) => m.to === ATTACKER_PHONE).length,
      transfer: transfer.status,
      account: account.status,
      acr: session.body.acr,
      carolsFactors: await t.guard.service.listEnrolledFactors(carolId),
    }).toEqual({ bindPhone: [401, 'fresh_factor_required'], textsToAttacker: 0, transfer: 401, account: 401, acr: 'aal1', carolsFactors: ['otp'] });
  });

  it('removing a number and binding one again is a change: the cool-off holds (no SMS transfer) and the old numbers are told', async () => {
    const { owner, secret } = await aliceWithPhoneAndApp();
    let from = t.sms.messages.length;
    expect((await bindPhone(owner, P1)).status).toBe(200);
    const toldP0 = noticesTo(ALICE.phone, from).length;

    await totpStepUp(owner, secret);
    from = t.sms.messages.length;
    expect((await owner.post('/auth/2fa/phone/remove')).status).toBe(200);
    const toldP1 = noticesTo(P1, from).length;
    await totpStepUp(owner, secret);
    const rebound = await bindPhone(owner, P2);
    expect(rebound.status).toBe(200);

    // Seconds later: an SMS to the number bound during the cool-off must not approve a transfer.
    const refused = await owner.post('/transfer', { amount: 50, payee: 'Bob' });
    const sent = await owner.post('/auth/2fa/sms/send', { action: 'transfer' });
    if (sent.status === 202) await owner.post('/auth/2fa/sms/verify', { code: codeTo(P2) });
    const transfer = await owner.post('/transfer', { amount: 50, payee: 'Bob' });
    expect({ firstTry: refused.status, transfer: transfer.status, toldP0: toldP0 > 0, toldP1: toldP1 > 0, coolOffUntil: rebound.body.coolOffUntil !== null }).toEqual({
      firstTry: 401,
      transfer: 401,
      toldP0: true,
      toldP1: true,
      coolOffUntil: true,
    });
  });

  it('SMS to a number bound during the cool-off does not let its holder remove it and bind another', async () => {
    const { owner } = await aliceWithPhoneAndApp();
    expect((await bindPhone(owner, P1)).status).toBe(200);
    // Whoever holds P1 and the password: SMS to P1 is fine for signing in, not for factor changes.
    const holder = jar('holder');
    await signIn(holder);
    expect((await smsStepUp(holder, P1)).status).toBe(200);
    const removed = await holder.post('/auth/2fa/phone/remove');
    const bound = await holder.post('/auth/2fa/phone', { phone: P2 });
    expect({ remove: [removed.status, removed.body?.error?.code], bind: [bound.status, bound.body?.error?.code], phone: (await t.guard.service.phoneBindingOf('u1'))?.e164 }).toEqual({
      remove: [401, 'fresh_factor_required'],
      bind: [401, 'fresh_factor_required'],
      phone: P1,
    });
  });

  it('fresh factor, then an authenticator app, then removing the phone and binding another: the old number is told', async () => {
    const { owner, secret } = await aliceWithPhoneAndApp();
    const from = t.sms.messages.length;
    expect((await owner.post('/auth/2fa/phone/remove')).status).toBe(200);
    await totpStepUp(owner, secret);
    expect((await bindPhone(owner, P1)).status).toBe(200);
    const notices = noticesTo(ALICE.phone, from);
    expect(notices.length).toBeGreaterThan(0);
    expect(notices.every((n) => !n.body.includes(P1.slice(2)))).toBe(true);
  });

  it('with a phone and backup codes, removing the phone is 409 last_factor (backup codes are not a factor)', async () => {
    const owner = jar('owner');
    await signIn(owner);
    expect((await smsStepUp(owner, ALICE.phone)).status).toBe(200);
    expect((await owner.post('/auth/2fa/backup-codes')).status).toBe(201);
    const res = await owner.post('/auth/2fa/phone/remove');
    expect([res.status, res.body?.error?.code]).toEqual([409, 'last_factor']);
    expect((await t.guard.service.phoneBindingOf('u1'))?.e164).toBe(ALICE.phone);
  });

  it('40 backup-code regenerations do not send 40 SMS: notices pass the guard and a budget, the rest are audited notice_blocked', async () => {
    const owner = jar('owner');
    await signIn(owner);
    expect((await smsStepUp(owner, ALICE.phone)).status).toBe(200);
    const from = t.sms.messages.length;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await owner.post('/auth/2fa/backup-codes')).status);
    // A blocked notice never blocks the operation it reports.
    expect(statuses.every((s) => s === 201)).toBe(true);
    const sent = noticesTo(ALICE.phone, from).length;
    let blocked = 0;
    for await (const e of t.stores.audit.list({ userId: 'u1' })) if (e.type === 'notice_blocked') blocked += 1;
    expect({ sentAtMost5: sent <= 5, everyNoticeAccountedFor: sent + blocked >= 40 }).toEqual({ sentAtMost5: true, everyNoticeAccountedFor: true });
  });

  it('logout sticks: 50 requests in flight with the old cookie around POST /auth/logout, then that cookie gets 401 (20 times)', async () => {
    const revived: number[] = [];
    for (let rep = 0; rep < 20; rep += 1) {
      t.clock.advanceSeconds(86_400); // a new day: the SMS budgets of the number start over
      const owner = jar(`owner-${rep}`);
      await signIn(owner);
      expect((await smsStepUp(owner, ALICE.phone)).status).toBe(200);
      expect((await owner.get('/account')).status).toBe(200);
      // Minutes later cached risk decisions are stale, so guarded reads write the session as they end.
      t.clock.advanceSeconds(301);
      const stolen = owner.clone(`stolen-${rep}`).pin('sg.sid');
      const inFlight = (i: number) =>
        [
          () => stolen.get('/account'),
          () => stolen.get(`/auth/2fa/methods?action=${['login', 'transfer', 'factor_change'][i % 3]}`),
          () => stolen.post('/transfer', { amount: 1 + i, payee: 'Carol' }),
          () => stolen.get('/auth/session'),
          () => stolen.get('/auth/2fa/factors'),
        ][i % 5]!();
      const answers = await Promise.all([...Array.from({ length: 25 }, (_, i) => inFlight(i)), owner.post('/auth/logout'), ...Array.from({ length: 25 }, (_, i) => inFlight(25 + i))]);
      expect(answers[25]?.status).toBe(200);
      expect(answers.every((a) => a.status < 500)).toBe(true);
      const account = await stolen.get('/account');
      const session = await stolen.get('/auth/session');
      if (account.status !== 401 || session.body.authenticated !== false) revived.push(rep);
    }
    expect(revived).toEqual([]);
  }, 60_000);
});
