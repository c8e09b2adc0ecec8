import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeForEachStore } from '../helpers/forEachStore';

describeForEachStore('concurrent verification', (useRedis) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ redis: useRedis });
  });
  afterEach(() => t.close());

  it('lets exactly one of 50 concurrent correct submissions succeed', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const code = t.sms.lastCode();
    const results = await Promise.all(Array.from({ length: 50 }, () => c.verify(code)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || (s >= 400 && s < 500))).toBe(true);
  });

  it('never lets concurrent guesses exceed the 5 tries of a challenge', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const right = t.sms.lastCode();
    const guesses = Array.from({ length: 30 }, (_, i) => String((Number(right) + i + 1) % 1_000_000).padStart(6, '0'));
    const results = await Promise.all(guesses.map((g) => c.verify(g)));
    expect(results.filter((r) => r.status === 401)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(25);
    // The challenge is spent: even the right code is refused now.
    const after = await c.verify(right);
    expect(after.status).toBe(429);
  });
});
