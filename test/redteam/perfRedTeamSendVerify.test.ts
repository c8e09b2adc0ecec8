import request from 'supertest';
import { RedisStore } from 'connect-redis';
import type { TestApp } from '../helpers/createTestApp';
import { holdNextSms } from '../helpers/holdNextSms';
import { challengeCount } from '../helpers/challengeCount';
import { wrongCode } from '../helpers/createTestApp';
import { describeForEachBackend, createTestAppOn, type Backend } from '../helpers/forEachStore';
import { BoundedMemorySessionStore } from '../../src/demo/BoundedMemorySessionStore';

/**
 * Red team for issue 12's reordered send and verify (session 6): the first send stores its
 * challenge alongside the budget check and the lock read; the bookkeeping after a verified code
 * travels with the answer; the old session's DEL is no longer awaited before the new session.
 * Attackers: the password alone, a stale cookie (before the step-up, after logout), another
 * signed-in user, a bot with many addresses. DESIGN.md §5: fail closed, atomic single use,
 * revocation sticks, every SMS passes the anti-pumping guard.
 */


/** Messages that carry a code (a lockout's security alert carries none). */
const codeMessages = (t: TestApp) => t.sms.messages.filter((m) => /#\d+\s*$/.test(m.body)).length;

/** How many first sends new sessions of the demo user get before the first refusal. */
async function sendsUntilRefused(t: TestApp): Promise<number> {
  for (let i = 0; i < 40; i += 1) {
    const other = await t.client();
    await other.login().expect(200);
    const res = await other.send();
    if (res.status !== 202) return i;
  }
  return 40;
}

/** A gate: calls wait until it is opened. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const jarOf = (c: Awaited<ReturnType<TestApp['client']>>) =>
  c.agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();

/** Holds the challenge store's verify (reserve + compare + consume) until the gate opens. */
function holdVerify(t: TestApp, until: Promise<void>, entered: () => void): void {
  const ch = t.stores.challenges;
  if (ch.verifyAttempt) {
    const original = ch.verifyAttempt.bind(ch);
    ch.verifyAttempt = async (...args) => {
      entered();
      await until;
      return original(...args);
    };
  } else {
    const original = ch.reserveAttempt.bind(ch);
    ch.reserveAttempt = async (...args) => {
      entered();
      await until;
      return original(...args);
    };
  }
}

describeForEachBackend('red team: send and verify reordered (issue 12)', (backend: Backend) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestAppOn(backend);
  });
  afterEach(() => t.close());

  it('a first send no provider delivered leaves no challenge behind: a bot cannot grow the store with failing sends', async () => {
    // The budget is handed back for an undelivered send, so nothing else bounds how often a bot
    // (many addresses, numbers the provider refuses) can repeat it: each must clean up after itself.
    const c = await t.client();
    await c.login().expect(200);
    await c.get('/account').expect(401);
    const before = await challengeCount(t, 'u1');
    for (let i = 0; i < 5; i += 1) {
      t.sms.failNext = true;
      const res = await c.send();
      expect(res.status).toBe(503);
    }
    expect(await challengeCount(t, 'u1')).toBe(before);
    // And the session still gets a working code afterwards.
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
  });

  it('password only: an account locked by wrong codes gets no code out, first send or resend, two tabs at once', async () => {
    // Ten wrong codes over two challenges (five each, the per-challenge limit) lock the second factor.
    let c = await t.client();
    let code = '';
    for (let round = 0; round < 2; round += 1) {
      c = await t.client();
      await c.login().expect(200);
      await c.get('/account').expect(401);
      await c.send().expect(202);
      code = t.sms.lastCode();
      for (let i = 0; i < 5; i += 1) {
        const res = await c.verify(wrongCode(code));
        expect([400, 401, 423, 429]).toContain(res.status);
      }
    }
    const sentBefore = codeMessages(t);
    const chBefore = await challengeCount(t, 'u1');
    t.clock.advanceSeconds(120);
    // A resend from the session that holds the challenge, and first sends from two fresh tabs
    // (the decision cached by the page first: the lock is then read alongside the budgets).
    const tab1 = await t.client();
    const tab2 = await t.client();
    await tab1.login().expect(200);
    await tab2.login().expect(200);
    await tab1.get('/account');
    await tab2.get('/account');
    const answers = await Promise.all([c.send(), tab1.send(), tab2.send(), tab1.send()]);
    for (const res of answers) expect(res.status).toBe(423);
    expect(codeMessages(t)).toBe(sentBefore);
    expect(await challengeCount(t, 'u1')).toBeLessThanOrEqual(chBefore);
    // The right code of the last challenge does not open it either.
    const late = await c.verify(code);
    expect(late.status).not.toBe(200);
  });

  it('budget release cannot hand back more than was reserved: refused-by-lock and half-failed sends leave the budget as it was', async () => {
    const baseline = await createTestAppOn(backend);
    let expected: number;
    try {
      expected = await sendsUntilRefused(baseline);
    } finally {
      await baseline.close();
    }
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(40);

    const c = await t.client();
    await c.login().expect(200);
    await c.get('/account').expect(401);
    const lockedUntil = t.stores.challenges.lockedUntil.bind(t.stores.challenges);
    // Locked (read alongside the budgets): every reservation handed back, once.
    t.stores.challenges.lockedUntil = async () => t.clock.nowMs() + 600_000;
    for (let i = 0; i < 3; i += 1) await c.send().expect(423);
    // One of the three parallel operations fails (a node down for exactly that key): 503, the others undone.
    t.stores.challenges.lockedUntil = () => Promise.reject(new Error('lock node down'));
    await c.send().expect(503);
    t.stores.challenges.lockedUntil = lockedUntil;
    const create = t.stores.challenges.create.bind(t.stores.challenges);
    t.stores.challenges.create = () => Promise.reject(new Error('challenge node down'));
    await c.send().expect(503);
    t.stores.challenges.create = create;
    expect(t.sms.messages).toHaveLength(0);
    expect(await challengeCount(t, 'u1')).toBe(0);
    // Exactly the budget a fresh account has: no more (a double release), no less (a leak).
    expect(await sendsUntilRefused(t)).toBe(expected);
  });

  it('a bot refused again and again by a budget leaves no challenge behind (Redis memory stays flat)', async () => {
    // Spend the number's budget from other sessions (another holder of the password).
    await sendsUntilRefused(t);
    const left = await challengeCount(t, 'u1');
    const bot = await t.client();
    await bot.login().expect(200);
    await bot.get('/account').expect(401);
    const refusals = await Promise.all(Array.from({ length: 8 }, () => bot.send()));
    for (const res of refusals) expect(res.status).not.toBe(202);
    expect(await challengeCount(t, 'u1')).toBe(left);
    // A resend after a refused first send has nothing to resend: still refused, still nothing stored.
    t.clock.advanceSeconds(61);
    const again = await bot.send();
    expect(again.status).not.toBe(202);
    expect(again.body.resent ?? false).toBe(false);
    expect(await challengeCount(t, 'u1')).toBe(left);
  });

  it('one session sending twice at once: only the code the session points to verifies, and only once', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.get('/account').expect(401);
    const sends = await Promise.all([c.send(), c.send()]);
    const sent = sends.filter((r) => r.status === 202);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    const codes = t.sms.messages.map((m) => /#(\d+)\s*$/.exec(m.body)?.[1]).filter((x): x is string => Boolean(x));
    // Every code sent, tried at once from the same session: exactly one step-up.
    const verifies = await Promise.all(codes.flatMap((code) => [c.verify(code), c.verify(code)]));
    expect(verifies.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('verify racing logout: the session the verify makes is dead once the logout has answered', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const code = t.sms.lastCode();
    const before = jarOf(c);
    const hold = gate();
    const entered = gate();
    holdVerify(t, hold.opened, entered.open);
    const verifying = c.verify(code).then((r) => r);
    await entered.opened;
    // Logout with the same (old) cookie, answered while the verify is still in flight.
    await request(t.app).post('/auth/logout').set('Cookie', before).set('x-csrf-token', c.csrfToken).set('Accept', 'application/json').expect(200);
    hold.open();
    const verified = await verifying;
    expect([200, 401, 403, 503]).toContain(verified.status);
    // Whatever the verify answered, the cookie it handed out is not signed in, let alone stepped up.
    await c.get('/account').expect(401);
    const info = await c.get('/auth/session').expect(200);
    expect(info.body.authenticated).toBe(false);
  });

  it('logout on the old cookie after the verify sent its DEL but before its new session is saved: refused visibly or it sticks', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const code = t.sms.lastCode();
    const before = jarOf(c);
    const csrf = c.csrfToken;
    // The verify waits at its step_up_satisfied audit record: the old id's DEL is out, the new id not saved yet.
    const held = gate();
    const entered = gate();
    const insert = t.audit.insert.bind(t.audit);
    t.audit.insert = async (event) => {
      if (event.type === 'step_up_satisfied') {
        entered.open();
        await held.opened;
      }
      return insert(event);
    };
    const verifying = c.verify(code).then((r) => r);
    await entered.opened;
    await new Promise((r) => setTimeout(r, 20));
    const out = await request(t.app).post('/auth/logout').set('Cookie', before).set('x-csrf-token', csrf).set('Accept', 'application/json');
    held.open();
    const verified = await verifying;
    expect([200, 401, 403, 503]).toContain(verified.status);
    if (out.status !== 200) {
      // The old id is already gone with its CSRF secret: the logout is refused visibly (403),
      // it does not claim a sign-out that did not happen.
      expect(out.status).toBe(403);
      return;
    }
    // A logout that answered 200 while the code was checked: the browser must not end up signed in.
    await c.get('/account').expect(401);
    const info = await c.get('/auth/session').expect(200);
    expect(info.body.authenticated).toBe(false);
  });

  it('"sign out everywhere else" from another session between the verify\'s DEL and its save: the new session is revoked', async () => {
    const victim = await t.client();
    await victim.login().expect(200);
    const owner = await t.client();
    await owner.stepUp();
    await victim.send().expect(202);
    const code = t.sms.lastCode();
    // The verify's new session waits at its save (the old id's DEL already sent).
    const held = gate();
    const entered = gate();
    const proto = (backend === 'memory' ? BoundedMemorySessionStore.prototype : RedisStore.prototype) as unknown as { set: (...args: unknown[]) => unknown };
    const set = proto.set;
    let holdNext = true;
    proto.set = function holding(this: unknown, ...args: unknown[]) {
      if (!holdNext) return set.apply(this, args);
      holdNext = false;
      entered.open();
      void held.opened.then(() => set.apply(this, args));
      return undefined;
    };
    try {
      const verifying = victim.verify(code).then((r) => r);
      await entered.opened;
      await owner.post('/auth/2fa/sessions/revoke-all', {}).expect(200);
      held.open();
      await verifying;
    } finally {
      proto.set = set;
    }
    await victim.get('/account').expect(401);
    await owner.get('/account').expect(200);
  });

  it('verify racing "sign out everywhere else" from another session: the verify\'s new session is revoked', async () => {
    const victim = await t.client();
    await victim.login().expect(200);
    const owner = await t.client();
    await owner.stepUp();
    await victim.send().expect(202);
    const code = t.sms.lastCode();
    const hold = gate();
    const entered = gate();
    holdVerify(t, hold.opened, entered.open);
    const verifying = victim.verify(code).then((r) => r);
    await entered.opened;
    const out = await owner.post('/auth/2fa/sessions/revoke-all', {});
    hold.open();
    await verifying;
    if (out.status !== 200) {
      // The route's name differs: the race cannot be driven here, and the test says so.
      expect(out.status).toBe(200);
    }
    await victim.get('/account').expect(401);
  });

  it('a stale cookie used while the verify is in flight, and right after it answers, holds no level and cannot outlive the step-up signed in', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const code = t.sms.lastCode();
    const before = jarOf(c);
    const hold = gate();
    const entered = gate();
    holdVerify(t, hold.opened, entered.open);
    const verifying = c.verify(code).then((r) => r);
    await entered.opened;
    // During the verify: the old cookie is signed in at the old level only.
    await request(t.app).get('/account').set('Cookie', before).set('Accept', 'application/json').expect(401);
    hold.open();
    await verifying.then((r) => expect(r.status).toBe(200));
    // Right after: the old id is gone (the answer waited for its DEL).
    const stale = await request(t.app).get('/auth/session').set('Cookie', before).set('Accept', 'application/json').expect(200);
    expect(stale.body.authenticated).toBe(false);
    await request(t.app).get('/account').set('Cookie', before).set('Accept', 'application/json').expect(401);
    await c.get('/account').expect(200);
  });

  // FINDING (low, pre-existing: failed at 2051308 too; fixed in session 7): a request on the
  // pre-step-up cookie that is in flight across the verify saves the old session id back after
  // its DEL (express-session's plain SET), so the old cookie stayed signed in at the old level.
  // Fixed store-independently: the step-up raises the binding's epoch floor (with the SMS
  // consume), so the copy written back is below it and dead wherever it turns up.
  it('a stale-cookie request that started before the verify and ends after it does not write the old session back signed in', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const before = jarOf(c);
    const csrf = c.csrfToken;
    // The old cookie's resend waits, its new code already out, until the verify with that code
    // (from the new tab of the same session) has answered; then it answers and saves the old id.
    const held = holdNextSms(t);
    t.clock.advanceSeconds(61);
    const staleSend = request(t.app).post('/auth/2fa/sms/send').set('Cookie', before).set('x-csrf-token', csrf).set('Accept', 'application/json').send({}).then((r) => r);
    await held.entered;
    await c.verify(t.sms.lastCode()).expect(200);
    held.release();
    const staleAnswer = await staleSend;
    expect(staleAnswer.status).toBe(202);
    const stale = await request(t.app).get('/auth/session').set('Cookie', before).set('Accept', 'application/json').expect(200);
    expect(stale.body.authenticated).toBe(false);
  });

  it('a stale-cookie request in flight across the verify holds no level afterwards, and dies with the logout', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const before = jarOf(c);
    const csrf = c.csrfToken;
    const held = holdNextSms(t);
    t.clock.advanceSeconds(61);
    const staleSend = request(t.app).post('/auth/2fa/sms/send').set('Cookie', before).set('x-csrf-token', csrf).set('Accept', 'application/json').send({}).then((r) => r);
    await held.entered;
    await c.verify(t.sms.lastCode()).expect(200);
    held.release();
    expect((await staleSend).status).toBe(202);
    // The old id, written back, is at most what it was: no step-up, and the code it was sent is spent.
    await request(t.app).get('/account').set('Cookie', before).set('Accept', 'application/json').expect(401);
    await c.get('/account').expect(200);
    await c.post('/auth/logout').expect(200);
    const stale = await request(t.app).get('/auth/session').set('Cookie', before).set('Accept', 'application/json').expect(200);
    expect(stale.body.authenticated).toBe(false);
  });

  /** Makes the session store's destroy fail (the node holding the old session id down) while `run` runs. */
  async function withFailingSessionDel<T>(run: () => Promise<T>): Promise<T> {
    const proto = (backend === 'memory' ? BoundedMemorySessionStore.prototype : RedisStore.prototype) as unknown as { destroy: (sid: string, cb?: (err?: unknown) => void) => unknown };
    const destroy = proto.destroy;
    proto.destroy = function failing(_sid: string, cb?: (err?: unknown) => void) {
      setImmediate(() => cb?.(new Error('session node down')));
      return undefined;
    };
    try {
      return await run();
    } finally {
      proto.destroy = destroy;
    }
  }

  // FINDING (low-medium, regression from 4c8b886, fixed in session 6): regenerateSession no
  // longer waited for the old session's DEL, and when the DEL alone failed the verify answered
  // 200 with the pre-step-up id still signed in (DESIGN.md §5 "fail closed"). Session 6 waited
  // for the DEL again; since session 7 the old id ends with the binding's epoch floor, raised
  // atomically with the consume, so the DEL is housekeeping and a 200 is right: the old id is
  // dead without it (test/integration/redisBudget: the verify in 3 round trips).
  it('the old session\'s DEL failing alone (its node down) does not leave the pre-step-up cookie signed in', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const code = t.sms.lastCode();
    const before = jarOf(c);
    const verified = await withFailingSessionDel(() => c.verify(code));
    const stale = await request(t.app).get('/auth/session').set('Cookie', before).set('Accept', 'application/json').expect(200);
    if (verified.status === 200) {
      // Answered as a success: then the old id must be dead as it is without the failure.
      expect(stale.body.authenticated).toBe(false);
    } else {
      // Refused: the infrastructure failure is an error (5xx), and nothing holds the level.
      expect([500, 503]).toContain(verified.status);
      await c.get('/account').expect(401);
    }
  });

  it('the old session\'s DEL failing alone: the old cookie gets no level, and the logout from the new one ends it', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const code = t.sms.lastCode();
    const before = jarOf(c);
    const verified = await withFailingSessionDel(() => c.verify(code));
    // The old id ended with the consume (its epoch is below the binding's floor): the failed
    // delete is only a dead record left until its TTL, counted, and the step-up stands.
    expect(verified.status).toBe(200);
    await request(t.app).get('/account').set('Cookie', before).set('Accept', 'application/json').expect(401);
    await c.get('/account').expect(200);
    expect((await request(t.app).get('/metrics').expect(200)).text).toContain('stepguard_follow_up_write_failures_total{write="old_session_delete"} 1');
    await c.post('/auth/logout').expect(200);
    await c.get('/account').expect(401);
    const stale = await request(t.app).get('/auth/session').set('Cookie', before).set('Accept', 'application/json').expect(200);
    expect(stale.body.authenticated).toBe(false);
  });
  it('"sign out everywhere else" whose old-id DEL fails: the stolen copy of the cookie still dies (generation, not the DEL)', async () => {
    const c = await t.client();
    await c.stepUp();
    const stolen = jarOf(c);
    await request(t.app).get('/account').set('Cookie', stolen).set('Accept', 'application/json').expect(200);
    const out = await withFailingSessionDel(() => c.post('/auth/2fa/sessions/revoke-all', {}));
    expect([200, 500, 503]).toContain(out.status);
    await request(t.app).get('/account').set('Cookie', stolen).set('Accept', 'application/json').expect(401);
    const info = await request(t.app).get('/auth/session').set('Cookie', stolen).set('Accept', 'application/json').expect(200);
    expect(info.body.authenticated).toBe(false);
  });

  it('the new session\'s save failing alone after a verify: no access, whatever the answer said', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const code = t.sms.lastCode();
    const proto = (backend === 'memory' ? BoundedMemorySessionStore.prototype : RedisStore.prototype) as unknown as { set: (sid: string, sess: unknown, cb?: (err?: unknown) => void) => unknown };
    const set = proto.set;
    proto.set = function failing(_sid: string, _sess: unknown, cb?: (err?: unknown) => void) {
      setImmediate(() => cb?.(new Error('session node down')));
      return undefined;
    };
    try {
      await c.verify(code);
    } finally {
      proto.set = set;
    }
    await c.get('/account').expect(401);
    // And the code is spent: no second try with it.
    const again = await c.verify(code);
    expect(again.status).not.toBe(200);
  });

  it('a refused send whose discard fails (the challenge\'s node down) sends nothing and answers an error or the refusal', async () => {
    await sendsUntilRefused(t);
    const bot = await t.client();
    await bot.login().expect(200);
    await bot.get('/account').expect(401);
    const sent = t.sms.messages.length;
    t.stores.challenges.discard = () => Promise.reject(new Error('challenge node down'));
    const res = await bot.send();
    expect([429, 403, 503]).toContain(res.status);
    expect(t.sms.messages).toHaveLength(sent);
    // Whatever was left behind is not the session's: there is nothing to verify or resend.
    const verify = await bot.verify('000000');
    expect(verify.status).not.toBe(200);
    expect(verify.body.error?.code).toBe('no_challenge');
  });
});
