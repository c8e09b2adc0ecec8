import request from 'supertest';
import { createStepGuard } from '../../src';
import { createMemoryStores } from '../../src/stores';
import { statSeriesKey } from '../../src/core/stats/statSeriesKey';
import { missingStorePorts } from '../../src/stores/missingStorePorts';
import { createTestApp, wrongCode, type TestApp } from '../helpers/createTestApp';
import { TEST_REDIS_URL } from '../helpers/withRedis';

/**
 * Stats are best effort and never on a request's path: a StatsStore outage costs counts, never a
 * send or a verification, and never hides an outage of a store the security decisions need.
 */
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const outage = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));

async function stepUp(app: TestApp) {
  const c = await app.client();
  await c.login().expect(200);
  await c.send().expect(202);
  await c.verify(wrongCode(app.sms.lastCode())).expect(401);
  await c.verify(app.sms.lastCode()).expect(200);
  return c;
}

describe.each([
  ['memory', false],
  ['redis', true],
] as const)('stats on %s', (_name, redis) => {
  const maybe = redis && !TEST_REDIS_URL ? it.skip : it;

  maybe('what the metrics count reaches the overview through service.readStats (flushed first)', async () => {
    t = await createTestApp({ redis });
    const fromMs = t.clock.nowMs();
    await stepUp(t);
    const buckets = await t.guard.service.readStats({ fromMs, toMs: t.clock.nowMs(), resolution: 'minute' });
    const counts = new Map<string, number>();
    for (const b of buckets) for (const [k, v] of b.counts) counts.set(k, (counts.get(k) ?? 0) + v);
    expect(counts.get(statSeriesKey('sms_sent', { country: 'US', channel: 'sms', provider: t.sms.name }))).toBe(1);
    expect(counts.get(statSeriesKey('verification', { factor: 'sms', country: 'US', result: 'success' }))).toBe(1);
    expect(counts.get(statSeriesKey('verification', { factor: 'sms', country: 'US', result: 'invalid_code' }))).toBe(1);
    expect([...counts.keys()].some((k) => k.startsWith('step_up_decision|'))).toBe(true);
  });

  maybe('no request writes stats: sign-in, send, verify and a guarded page make no StatsStore call; a flush makes one', async () => {
    t = await createTestApp({ redis });
    const add = jest.spyOn(t.stores.stats, 'add');
    const c = await stepUp(t);
    await c.get('/account').expect(200);
    expect(add).not.toHaveBeenCalled();
    await t.guard.service.flushStats();
    expect(add).toHaveBeenCalledTimes(1);
  });

  maybe('a StatsStore outage fails no send or verification: counts are dropped, logged once and counted', async () => {
    t = await createTestApp({ redis });
    t.stores.stats.add = outage;
    await stepUp(t);
    await stepUp(t);
    await expect(t.guard.service.flushStats()).resolves.toBeUndefined();
    expect(t.logs().match(/stats_store_failed/g)).toHaveLength(1);
    expect((await request(t.app).get('/metrics').expect(200)).text).toMatch(/stepguard_stats_dropped_total [1-9]\d*/);
  });

  maybe('a challenge store outage still fails closed while the stats store is fine (stats swallow only their own errors)', async () => {
    t = await createTestApp({ redis });
    const c = await t.client();
    await c.login().expect(200);
    t.stores.challenges.create = outage;
    const res = await c.send();
    expect(res.status).toBe(503);
    expect(t.sms.messages).toHaveLength(0);
    await expect(t.guard.service.flushStats()).resolves.toBeUndefined();
  });

  maybe('with both down, the security path still fails closed (503), not as a stats hiccup', async () => {
    t = await createTestApp({ redis });
    const c = await t.client();
    await c.login().expect(200);
    t.stores.stats.add = outage;
    t.stores.challenges.create = outage;
    expect((await c.send()).status).toBe(503);
  });
});

describe('stores: { custom } without stats (a set from before the port)', () => {
  it('is not refused: stats is the one optional port, and a memory StatsStore fills in', async () => {
    const { stats: _s, ...older } = createMemoryStores();
    expect(missingStorePorts(older)).toEqual([]);
    const guard = createStepGuard({ environment: 'test', stores: { custom: older } });
    await expect(guard.service.readStats({ fromMs: 0, toMs: 1, resolution: 'hour' })).resolves.toEqual([]);
  });

  it('a stats port that is there but not an object is still refused', () => {
    expect(missingStorePorts({ ...createMemoryStores(), stats: 'redis' as never })).toEqual(['stats']);
  });
});
