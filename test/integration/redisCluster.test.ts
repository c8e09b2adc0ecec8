import { Cluster } from 'ioredis';
import { TEST_REDIS_CLUSTER_NODES } from '../helpers/withRedis';
import { createTestApp, wrongCode } from '../helpers/createTestApp';

const nodes = TEST_REDIS_CLUSTER_NODES;
const suite = nodes ? describe : describe.skip;
if (!nodes) console.warn('SKIPPED (no redis-server): Redis Cluster HTTP suite');

suite('the demo on a 3-master Redis Cluster (sessions and stepguard state)', () => {
  let cluster: Cluster;
  beforeAll(() => {
    cluster = new Cluster(nodes ?? [], { redisOptions: { maxRetriesPerRequest: 1 } });
    cluster.on('error', () => undefined);
  });
  afterAll(() => cluster.quit());

  it('steps up, binds a transaction, and exactly one of 30 concurrent correct codes wins', async () => {
    const t = await createTestApp({ redis: cluster, keyPrefix: `cl${Date.now() % 100000}` });
    const c = await t.client();
    await c.stepUp();
    await c.get('/account').expect(200);
    await c.post('/transfer', { amount: 20, payee: 'Bob' }).expect(401);
    await c.send().expect(202);
    const code = t.sms.lastCode();
    const results = await Promise.all(Array.from({ length: 30 }, () => c.verify(code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    await c.post('/transfer', { amount: 20, payee: 'Bob' }).expect(200);
  });

  it('locks after 10 consecutive failures on the cluster too', async () => {
    const t = await createTestApp({ redis: cluster, keyPrefix: `cm${Date.now() % 100000}` });
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    for (let i = 0; i < 5; i += 1) await c.verify(wrongCode(t.sms.lastCode())).expect(401);
    t.clock.advanceSeconds(301);
    await c.send().expect(202);
    for (let i = 0; i < 4; i += 1) await c.verify(wrongCode(t.sms.lastCode())).expect(401);
    await c.verify(wrongCode(t.sms.lastCode())).expect(423);
  });
});
