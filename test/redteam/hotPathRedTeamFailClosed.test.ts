import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/createTestApp';

/**
 * Red team, issue 12 (finishStepUp now runs recordFactor and the risk record together, the
 * session saved once by express-session). DESIGN §5 "Fail closed: if Redis or the audit store is
 * unavailable the request gets 503, never access". A verify whose risk record (Redis) or
 * step_up_satisfied audit record fails answers 503, yet recordFactor already raised the
 * session's level in place, and express-session saves the raised session with the 503: the next
 * request is at aal2, with no step_up_satisfied in the audit trail (src/http/finishStepUp.ts,
 * the Promise.all of recordFactor and risk.recordSuccess, then service.audit).
 */
jest.setTimeout(30_000);

describe('red team issue 12: a step-up that answered 503 gives no access', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ redis: true });
  });
  afterEach(async () => {
    await t.close();
  });

  const outages = {
    'the step_up_satisfied audit record': () => {
      const audit = t.stores.audit as unknown as { insert: (...args: unknown[]) => Promise<unknown> };
      const original = audit.insert.bind(audit);
      audit.insert = async (...args: unknown[]) => {
        if (JSON.stringify(args).includes('step_up_satisfied')) throw new Error('audit store unavailable');
        return original(...args);
      };
    },
  };

  it.each(Object.keys(outages) as (keyof typeof outages)[])('%s failing during the verify: 503 and the session is not raised', async (kind) => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    outages[kind]();
    const verify = await c.verify(t.sms.lastCode());
    const account = await c.get('/account');
    const session = (await c.get('/auth/session')).body as { acr?: string };
    expect({ verify: verify.status, accountOpened: account.status === 200, raisedToAal2: session.acr === 'aal2' }).toEqual({ verify: 503, accountOpened: false, raisedToAal2: false });
  });

  /**
   * Issue 12 (session 6) sends the risk engine's success record alongside the answer instead of
   * before it. That record only ever relaxes later checks (this device and country become
   * known), so its loss must only ever make them stricter: the step-up the right code earned
   * stands, the failure is counted, and the device is not remembered — a new context after it
   * is judged as new, not as known.
   */
  it('the risk record (Redis) failing during the verify: the earned step-up stands, counted, and the device stays unknown', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const original = t.stores.risk.recordSuccess.bind(t.stores.risk);
    t.stores.risk.recordSuccess = async () => {
      t.stores.risk.recordSuccess = original;
      throw new Error('redis unavailable');
    };
    await c.verify(t.sms.lastCode()).expect(200);
    await c.get('/account').expect(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await request(t.app).get('/metrics').expect(200)).text).toContain('stepguard_follow_up_write_failures_total{write="risk_success"} 1');
    const deviceCookie = c.cookie('sg.device');
    expect(deviceCookie).toBeDefined();
    const snapshot = await t.stores.risk.snapshot!('u1', null);
    expect({ lastSeen: snapshot.lastSeen, countries: snapshot.countries }).toEqual({ lastSeen: null, countries: [] });
  });
});
