import request from 'supertest';
import type { TestApp } from '../helpers/createTestApp';
import { challengeCount } from '../helpers/challengeCount';
import { describeForEachBackend, createTestAppOn, type Backend } from '../helpers/forEachStore';

/**
 * Issue 12 moved writes so that they travel together with others instead of one after the
 * other. What must not change with the order:
 * - a send refused by the budget or by the account lock (read alongside the budget check)
 *   leaves no challenge behind and spends no budget;
 * - after a step-up, the session id from before it is dead, and the new one holds the level;
 * - the bookkeeping written alongside an answer (breaker verified count, delivery record, risk
 *   success record) fails loudly (metric, log) without turning a verified code into an error.
 */
const metricsText = async (t: TestApp) => (await request(t.app).get('/metrics').expect(200)).text;


describeForEachBackend('writes that travel together', (backend: Backend) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestAppOn(backend);
  });
  afterEach(() => t.close());

  it('a send the account lock refuses (read alongside the budget check) leaves no challenge and spends no budget', async () => {
    const c = await t.client();
    await c.login().expect(200);
    // The page refused first: the risk decision is cached, so the send reads the lock itself, alongside the budgets.
    await c.get('/account').expect(401);
    const before = await challengeCount(t, 'u1');
    const lockedUntil = t.stores.challenges.lockedUntil.bind(t.stores.challenges);
    t.stores.challenges.lockedUntil = async () => t.clock.nowMs() + 600_000;
    // More refusals than the number's budget (3 in 10 minutes): each one must hand its reservation back.
    for (let i = 0; i < 4; i += 1) {
      const refused = await c.send().expect(423);
      expect(refused.body.error.code).toBe('locked');
    }
    expect(await challengeCount(t, 'u1')).toBe(before);
    expect(t.sms.messages).toHaveLength(0);
    t.stores.challenges.lockedUntil = lockedUntil;
    await c.send().expect(202);
    expect(await challengeCount(t, 'u1')).toBe(before + 1);
  });

  it('a send refused by a budget leaves no challenge behind, and the session keeps its own', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const code = t.sms.lastCode();
    const kept = await challengeCount(t, 'u1');
    // Other sessions of the same user (the attacker with the password) spend the user's budget until it refuses.
    let refusedOnce = false;
    for (let i = 0; i < 40 && !refusedOnce; i += 1) {
      const other = await t.client();
      await other.login().expect(200);
      const res = await other.send();
      if (res.status !== 202) refusedOnce = true;
    }
    expect(refusedOnce).toBe(true);
    const afterRefusal = await challengeCount(t, 'u1');
    // Only the sends that went out left a challenge: the refused one discarded its own.
    expect(afterRefusal - kept).toBe(t.sms.messages.length - 1);
    // The first session's code still works.
    await c.verify(code).expect(200);
  });

  it('after a step-up the old session id is dead and the new one holds the level', async () => {
    const c = await t.client();
    await c.login().expect(200);
    const jar = () => c.agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
    const before = jar();
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
    expect(jar()).not.toBe(before);
    await c.get('/account').expect(200);
    // The cookie from before the step-up: not stepped up, and not even signed in any more.
    const stale = await request(t.app).get('/auth/session').set('Cookie', before).set('Accept', 'application/json');
    expect(stale.body.user ?? null).toBeNull();
    await request(t.app).get('/account').set('Cookie', before).set('Accept', 'application/json').expect(401);
  });

  it('a breaker count that fails after a correct code leaves the step-up standing, counted and logged', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    t.stores.breakers.recordVerified = () => Promise.reject(new Error('breaker store down'));
    await c.verify(t.sms.lastCode()).expect(200);
    await c.get('/account').expect(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(await metricsText(t)).toContain('stepguard_follow_up_write_failures_total{write="breaker_verified"} 1');
    expect(t.logs()).toContain('follow_up_write_failed');
  });

  it('a delivery record that fails after the message left answers the send, counted', async () => {
    const c = await t.client();
    await c.login().expect(200);
    t.stores.deliveries.create = () => Promise.reject(new Error('delivery store down'));
    await c.send().expect(202);
    await new Promise((r) => setTimeout(r, 20));
    expect(await metricsText(t)).toContain('stepguard_follow_up_write_failures_total{write="delivery_record"} 1');
    await c.verify(t.sms.lastCode()).expect(200);
  });

  it(`[${backend}] a challenge store outage during the budget check fails closed: 503, nothing sent`, async () => {
    const c = await t.client();
    await c.login().expect(200);
    const create = t.stores.challenges.create.bind(t.stores.challenges);
    t.stores.challenges.create = () => Promise.reject(new Error('challenge store down'));
    await c.send().expect(503);
    expect(t.sms.messages).toHaveLength(0);
    t.stores.challenges.create = create;
    await c.send().expect(202);
  });
});
