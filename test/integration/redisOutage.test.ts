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
