import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeForEachStore } from '../helpers/forEachStore';

describeForEachStore('transaction binding for /transfer', (useRedis) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ redis: useRedis });
  });
  afterEach(() => t.close());

  async function approve(c: Awaited<ReturnType<TestApp['client']>>, transfer: { amount: number; payee: string }) {
    const challenge = await c.post('/transfer', transfer).expect(401);
    expect(challenge.body.error).toMatchObject({ action: 'transfer', maxAgeSeconds: 300, transactionBound: true });
    expect(challenge.headers['www-authenticate']).toContain('max_age=300');
    await c.send().expect(202);
    return t.sms.lastCode();
  }

  it('names the amount and payee in the SMS and approves exactly that transfer once', async () => {
    const c = await t.client();
    await c.stepUp();
    const code = await approve(c, { amount: 250, payee: 'ACME Ltd' });
    expect(t.sms.messages.at(-1)?.body).toContain('approve a transfer of 250.00 to ACME Ltd');
    await c.verify(code).expect(200);
    const done = await c.post('/transfer', { amount: 250, payee: 'ACME Ltd' }).expect(200);
    expect(done.body).toEqual({ ok: true, transfer: { amount: '250.00', payee: 'ACME Ltd' }, approvedWith: 'sms' });
    // The approval is single use: the same transfer again needs a new code.
    await c.post('/transfer', { amount: 250, payee: 'ACME Ltd' }).expect(401);
  });

  it('refuses a code issued for transfer A when approving transfer B', async () => {
    const c = await t.client();
    await c.stepUp();
    const code = await approve(c, { amount: 250, payee: 'ACME Ltd' });
    await c.verify(code).expect(200);
    await c.post('/transfer', { amount: 9999, payee: 'Mallory' }).expect(401);
    await c.post('/transfer', { amount: 250.01, payee: 'ACME Ltd' }).expect(401);
    // A's approval is still there for A.
    await c.post('/transfer', { amount: 250, payee: 'ACME Ltd' }).expect(200);
  });

  it('needs the step-up within 5 minutes', async () => {
    const c = await t.client();
    await c.stepUp();
    const code = await approve(c, { amount: 10, payee: 'Bob' });
    await c.verify(code).expect(200);
    t.clock.advanceSeconds(301);
    await c.post('/transfer', { amount: 10, payee: 'Bob' }).expect(401);
  });

  it('does not let another session use the approval', async () => {
    const a = await t.client();
    await a.stepUp();
    const code = await approve(a, { amount: 10, payee: 'Bob' });
    await a.verify(code).expect(200);
    const b = await t.client();
    await b.stepUp();
    await b.post('/transfer', { amount: 10, payee: 'Bob' }).expect(401);
  });

  it('rejects malformed transfers with 400 before any step-up', async () => {
    const c = await t.client();
    await c.stepUp();
    for (const body of [{}, { amount: -1, payee: 'x' }, { amount: 'lots', payee: 'x' }, { amount: 1.234, payee: 'x' }, { amount: 5, payee: '' }, { amount: 5, payee: 'x', extra: 1 }]) {
      const res = await c.post('/transfer', body).expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field: expect.any(String), message: expect.any(String) });
    }
    expect(t.sms.messages).toHaveLength(1);
  });
});
