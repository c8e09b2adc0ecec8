import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeForEachStore } from '../helpers/forEachStore';
import { describeWithRedis } from '../helpers/withRedis';

const ALICE = 'alice';
const WRONG = 'not-alices-password';

type Answer = { status: number; code: string | undefined; retryAfter: string | undefined };
const answer = (res: { status: number; body: { error?: { code?: string } }; headers: Record<string, string> }): Answer => ({
  status: res.status,
  code: res.body.error?.code,
  retryAfter: res.headers['retry-after'],
});

describeForEachStore('first-factor throttle (16.11)', (useRedis) => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('answers 429 with Retry-After after 5 wrong passwords, with delays doubling', async () => {
    t = await createTestApp({ redis: useRedis });
    const c = await t.client();
    for (let i = 0; i < 5; i += 1) await c.login(ALICE, WRONG).expect(401);
    const throttled = await c.login(ALICE, WRONG).expect(429);
    expect(throttled.headers['retry-after']).toBe('30');
    expect(throttled.body.error).toMatchObject({ code: 'too_many_login_attempts', retryAfterSeconds: 30 });
    // Throttled means the password is not even checked: the right one is refused too.
    await c.login().expect(429);
    t.clock.advanceSeconds(30);
    await c.login(ALICE, WRONG).expect(401);
    expect((await c.login(ALICE, WRONG).expect(429)).headers['retry-after']).toBe('60');
  });

  it('gives an unknown username exactly the answers a known one gets', async () => {
    t = await createTestApp({ redis: useRedis });
    const c = await t.client();
    const run = async (username: string) => {
      const answers: Answer[] = [];
      for (let i = 0; i < 7; i += 1) answers.push(answer(await c.login(username, WRONG)));
      t.clock.advanceSeconds(30);
      for (let i = 0; i < 2; i += 1) answers.push(answer(await c.login(username, WRONG)));
      return answers;
    };
    const known = await run(ALICE);
    const unknown = await run('nobody-here');
    expect(known.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 401, 429]);
    expect(unknown).toEqual(known);
  });

  it('counts the canonical username: case and surrounding spaces do not buy new tries', async () => {
    t = await createTestApp({ redis: useRedis });
    const c = await t.client();
    for (const name of ['alice', 'ALICE', 'Alice', ' alice', 'aLiCe ']) await c.login(name, WRONG).expect(401);
    await c.login('AlIcE', WRONG).expect(429);
  });

  it('lets 30 concurrent guesses through only up to the free budget', async () => {
    t = await createTestApp({ redis: useRedis });
    const c = await t.client();
    const statuses = await Promise.all(Array.from({ length: 30 }, () => c.login(ALICE, WRONG).then((r) => r.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  });

  it('a success resets the account count', async () => {
    t = await createTestApp({ redis: useRedis });
    const c = await t.client();
    for (let i = 0; i < 4; i += 1) await c.login(ALICE, WRONG).expect(401);
    await c.login().expect(200);
    const other = await t.client();
    for (let i = 0; i < 5; i += 1) await other.login(ALICE, WRONG).expect(401);
    await other.login(ALICE, WRONG).expect(429);
  });

  it('a rotating X-Forwarded-For without trust proxy changes nothing (per account and per address)', async () => {
    t = await createTestApp({ redis: useRedis, guardOptions: { firstFactor: { address: { freeFailures: 8 } } } });
    const c = await t.client();
    const login = (username: string, i: number) => c.post('/auth/login', { username, password: WRONG }).set('x-forwarded-for', `203.0.113.${i}`);
    for (let i = 0; i < 5; i += 1) await login(ALICE, i).expect(401);
    await login(ALICE, 99).expect(429);
    // Other names, still one client: the address budget (8 here, 5 of them spent on alice) holds.
    for (let i = 0; i < 3; i += 1) await login(`someone-${i}`, 100 + i).expect(401);
    const refused = await login('someone-else', 200).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('with trust proxy, the forwarded address is the one counted (the control for the test above)', async () => {
    t = await createTestApp({ redis: useRedis, trustProxy: true, guardOptions: { firstFactor: { address: { freeFailures: 3 } } } });
    const c = await t.client();
    const login = (username: string, ip: string) => c.post('/auth/login', { username, password: WRONG }).set('x-forwarded-for', ip);
    for (let i = 0; i < 3; i += 1) await login(`name-${i}`, '203.0.113.7').expect(401);
    await login('name-x', '203.0.113.7').expect(429);
    await login('name-y', '198.51.100.1').expect(401);
    // IPv6: one /64 is one client; moving inside it buys nothing.
    for (let i = 0; i < 3; i += 1) await login(`v6-${i}`, `2001:db8:1:2::${i + 1}`).expect(401);
    await login('v6-x', '2001:db8:1:2:ffff:ffff:ffff:fffe').expect(429);
    await login('v6-y', '2001:db8:1:3::1').expect(401);
  });

  it('audits failures for a known account on its own chain, one event each, with the count', async () => {
    t = await createTestApp({ redis: useRedis });
    const c = await t.client();
    for (let i = 0; i < 3; i += 1) await c.login(ALICE, WRONG).expect(401);
    const alice = t.users.idOf(ALICE) as string;
    const events = [];
    // Failure audits are written without holding up the answer: wait for them.
    for (let tries = 0; tries < 50; tries += 1) {
      events.length = 0;
      for await (const e of t.audit.list({ userId: alice })) if (e.type === 'login_failed') events.push(e);
      if (events.length === 3) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(events.map((e) => e.reasons)).toEqual([1, 2, 3].map((n) => ['invalid_credentials', `consecutive_failures=${n}`]));
  });
});

describeWithRedis('first-factor throttle across app nodes', () => {
  it('holds across two app nodes on one Redis', async () => {
    const a = await createTestApp({ redis: true });
    const b = await createTestApp({ redis: a.redis, keyPrefix: a.keyPrefix });
    try {
      const ca = await a.client();
      const cb = await b.client();
      for (let i = 0; i < 3; i += 1) await ca.login(ALICE, WRONG).expect(401);
      for (let i = 0; i < 2; i += 1) await cb.login(ALICE, WRONG).expect(401);
      expect((await cb.login(ALICE, WRONG).expect(429)).headers['retry-after']).toBe('30');
      await ca.login(ALICE, WRONG).expect(429);
      // A success on one node clears the count for both.
      a.clock.advanceSeconds(30);
      b.clock.advanceSeconds(30);
      await ca.login().expect(200);
      for (let i = 0; i < 5; i += 1) await cb.login(ALICE, WRONG).expect(401);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
