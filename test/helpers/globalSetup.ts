import { redisServerAvailable, startRedisCluster, startRedisServer } from './redisServer';

/**
 * Starts one real redis-server for the integration and contract suites and hands its URL to
 * the workers through the environment. Without redis-server those suites skip, loudly, unless
 * STEPGUARD_REQUIRE_REDIS=1 (as in CI), which makes that a failure.
 */
export default async function globalSetup(): Promise<void> {
  if (!redisServerAvailable()) {
    const message = 'redis-server was not found on PATH: the Redis suites will be SKIPPED. Install it (apt-get install redis-server).';
    if (process.env.STEPGUARD_REQUIRE_REDIS === '1') throw new Error(`STEPGUARD_REQUIRE_REDIS=1 but ${message}`);
    process.stderr.write(`\n\n!!!!!!!! ${message} !!!!!!!!\n\n`);
    return;
  }
  const redis = await startRedisServer();
  process.env.STEPGUARD_TEST_REDIS_URL = redis.url;
  (globalThis as { __stepguardRedis?: typeof redis }).__stepguardRedis = redis;
  // A 3-master Redis Cluster for the same contract suite: every script and transaction must
  // stay within one hash slot.
  const cluster = await startRedisCluster();
  process.env.STEPGUARD_TEST_REDIS_CLUSTER = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
  (globalThis as { __stepguardCluster?: typeof cluster }).__stepguardCluster = cluster;
}
