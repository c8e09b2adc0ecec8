import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { FAIL_FAST_REDIS_OPTIONS } from '../../src/stores/redis/createRedisClient';

/** The shared test Redis' URL, or undefined when the suite must skip. */
export const TEST_REDIS_URL = process.env.STEPGUARD_TEST_REDIS_URL;

/** `describe` when the test Redis runs; otherwise a loudly reported skip. */
export function describeWithRedis(name: string, fn: () => void): void {
  if (TEST_REDIS_URL) return describe(name, fn);
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED (no redis-server): ${name}`);
  describe.skip(name, fn);
}

/** A client on the shared test Redis, and a key prefix no other test uses. */
export async function connectTestRedis(): Promise<{ redis: Redis; keyPrefix: string }> {
  if (!TEST_REDIS_URL) throw new Error('no test Redis');
  const redis = new Redis(TEST_REDIS_URL, { ...FAIL_FAST_REDIS_OPTIONS, lazyConnect: true });
  redis.on('error', () => undefined);
  await redis.connect();
  return { redis, keyPrefix: `t${randomBytes(6).toString('hex')}` };
}

/** The test Redis Cluster's nodes (started by globalSetup), or undefined when there is none. */
export const TEST_REDIS_CLUSTER_NODES = process.env.STEPGUARD_TEST_REDIS_CLUSTER?.split(',').map((n) => ({
  host: n.split(':')[0] as string,
  port: Number(n.split(':')[1]),
}));
