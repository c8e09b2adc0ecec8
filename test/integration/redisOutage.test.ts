import { createRedisClient } from '../../src/stores/redis/createRedisClient';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { redisServerAvailable, startRedisServer, type RunningRedis } from '../helpers/redisServer';

const suite = redisServerAvailable() ? describe : describe.skip;
if (!redisServerAvailable()) console.warn('SKIPPED (no redis-server): Redis outage');

suite('Redis outage', () => {
  let server: RunningRedis;
  let t: TestApp;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await t?.redis?.quit().catch(() => undefined);
    await server.stop();
  });

  it('never grants access without the level while Redis dies under load, and recovers', async () => {
    const redis = await createRedisClient(server.url);
    const t2 = await createTestApp({ redis, keyPrefix: 'load' });
    const stepped = await t2.client();
    await stepped.stepUp();
    const unstepped = await t2.client();
    await unstepped.login().expect(200);
    const seen = { stepped: new Map<number, number>(), unstepped: new Map<number, number>() };
    let running = true;
    const hammer = async (who: 'stepped' | 'unstepped') => {
      const c = who === 'stepped' ? stepped : unstepped;
      while (running) {
        const status = (await c.get('/account')).status;
        seen[who].set(status, (seen[who].get(status) ?? 0) + 1);
      }
    };
    const load = [...Array.from({ length: 6 }, () => hammer('stepped')), ...Array.from({ length: 6 }, () => hammer('unstepped'))];
    await new Promise((r) => setTimeout(r, 300));
    await redis.call('SAVE');
    await server.stop();
    await new Promise((r) => setTimeout(r, 700));
    server = await startRedisServer({ port: server.port, dir: server.dir });
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await Promise.all(load);
    await waitFor(async () => (await stepped.agent.get('/healthz')).status === 200);
    await stepped.get('/account').expect(200); // recovered without a restart
    await unstepped.get('/account').expect(401);
    await redis.quit();
    // Without the level: only 401 or 503, never 200. With it: 200 or 503. Never a 500, never a hang.
    expect([...seen.unstepped.keys()].sort()).toEqual(expect.arrayContaining([401]));
    expect([...seen.unstepped.keys()].every((s) => s === 401 || s === 503)).toBe(true);
    expect([...seen.stepped.keys()].every((s) => s === 200 || s === 503)).toBe(true);
    expect(seen.stepped.get(503) ?? 0).toBeGreaterThan(0);
    expect(seen.stepped.get(200) ?? 0).toBeGreaterThan(0);
  });

  it('answers 503 (never access, never a crash) while Redis is down, and recovers once it is back', async () => {
    const redis = await createRedisClient(server.url);
    t = await createTestApp({ redis, keyPrefix: 'outage' });
    const c = await t.client();
    await c.stepUp();
    await c.get('/account').expect(200);
    await c.login().expect(200); // a second, still aal1 session state for the send check below
    await c.send().expect(202);

    // Persist what Redis holds, then take it down.
    await redis.call('SAVE');
    await server.stop();

    const statuses = new Set<number>();
    for (let i = 0; i < 10; i += 1) {
      statuses.add((await c.get('/account')).status);
      statuses.add((await c.send()).status);
      statuses.add((await c.verify(t.sms.lastCode())).status);
      statuses.add((await c.post('/transfer', { amount: 5, payee: 'Bob' })).status);
    }
    expect([...statuses]).toEqual([503]);
    const body = (await c.get('/account')).body;
    expect(body.error.code).toBe('service_unavailable');
    await c.agent.get('/healthz').expect(503);

    server = await startRedisServer({ port: server.port, dir: server.dir });
    await waitFor(async () => (await c.agent.get('/healthz')).status === 200);
    await c.get('/account').expect(401); // the session survived; its aal2 was replaced by the fresh login
    await c.send().expect(429); // the challenge survived too, with its resend wait
    await c.verify(t.sms.lastCode()).expect(200);
    await c.get('/account').expect(200);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}
