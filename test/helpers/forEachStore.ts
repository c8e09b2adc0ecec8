import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { createTestApp, type TestApp } from './createTestApp';
import { TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from './withRedis';

/**
 * Runs a suite against the memory stores and against real Redis. The Redis run is skipped,
 * loudly, when no redis-server is available (a failure under STEPGUARD_REQUIRE_REDIS=1, see
 * globalSetup).
 */
export function describeForEachStore(name: string, fn: (useRedis: boolean) => void): void {
  describe(`${name} [memory]`, () => fn(false));
  if (TEST_REDIS_URL) {
    describe(`${name} [redis]`, () => fn(true));
  } else {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED (no redis-server): ${name} [redis]`);
    describe.skip(`${name} [redis]`, () => fn(true));
  }
}

export type Backend = 'memory' | 'redis' | 'cluster';

/**
 * Like describeForEachStore, plus the real 3-master Redis Cluster: for the suites whose
 * invariants must hold wherever a key may live on another node (issue 11's regressions).
 */
export function describeForEachBackend(name: string, fn: (backend: Backend) => void): void {
  describeForEachStore(name, (useRedis) => fn(useRedis ? 'redis' : 'memory'));
  if (TEST_REDIS_CLUSTER_NODES) {
    describe(`${name} [cluster]`, () => fn('cluster'));
  } else {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED (no redis cluster): ${name} [cluster]`);
    describe.skip(`${name} [cluster]`, () => fn('cluster'));
  }
}

/** A client on the test cluster and a key prefix of its own, for createTestApp({ redis, keyPrefix }). */
export function connectTestCluster(): { cluster: Cluster; keyPrefix: string } {
  const cluster = new Cluster(TEST_REDIS_CLUSTER_NODES ?? [], { enableOfflineQueue: true, redisOptions: { maxRetriesPerRequest: 1 } });
  cluster.on('error', () => undefined);
  return { cluster, keyPrefix: `c${randomBytes(6).toString('hex')}` };
}

/** The demo as tests drive it, on `backend`; its `close()` also ends the cluster client it made. */
export async function createTestAppOn(backend: Backend, options: Omit<Parameters<typeof createTestApp>[0] & object, 'redis' | 'keyPrefix'> = {}): Promise<TestApp> {
  if (backend !== 'cluster') return createTestApp({ ...options, redis: backend === 'redis' });
  const { cluster, keyPrefix } = connectTestCluster();
  const t = await createTestApp({ ...options, redis: cluster, keyPrefix });
  const close = t.close;
  return Object.assign(t, { close: async () => {
    await close();
    await cluster.quit().catch(() => undefined);
  } });
}
