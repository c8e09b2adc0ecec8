import type { Redis } from 'ioredis';
import { describeStoreContract, type StoreContractOptions } from '../../src/stores/contract';
import type { RedisRecoveryStore } from '../../src/stores/redis/RedisRecoveryStore';
import { redisKeys, type RedisKeys } from '../../src/stores/redis/redisKeys';
import type { StepGuardStores } from '../../src/stores/types';
import { connectTestCluster } from './forEachStore';
import { connectTestRedis, TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from './withRedis';

/** What every Redis adapter takes: a single Redis or the Cluster (the same client type for all of them). */
export type TestRedisClient = ConstructorParameters<typeof RedisRecoveryStore>[0];

/**
 * The store contract for some ports on memory, Redis and (when the test cluster is up) the
 * 3-master Cluster: the block every test/contract/*.contract.test.ts of Redis-backed ports
 * repeated. Without redis-server the Redis part is a loud skip named `skippedName`.
 */
export function describeStoreContractOnMemoryAndRedis(options: {
  ports: NonNullable<StoreContractOptions['ports']>;
  memory: () => Partial<StepGuardStores>;
  redis: (client: TestRedisClient, keys: RedisKeys) => Partial<StepGuardStores>;
  /** The skipped describe's name when redis-server is missing, e.g. "recovery store contract: redis". */
  skippedName: string;
  /** Runs between the Redis and the Cluster suites (tests that need Redis alone). */
  alsoOnRedis?: () => void;
}): void {
  const runner = { describe, it };
  const contract = { ports: options.ports };
  describeStoreContract('memory', () => ({ stores: options.memory() }), runner, contract);
  if (!TEST_REDIS_URL) {
    console.warn(`SKIPPED (no redis-server): ${options.skippedName}`);
    describe.skip(options.skippedName, () => it('needs redis-server', () => undefined));
    return;
  }
  describeStoreContract(
    'redis',
    async () => {
      const { redis, keyPrefix } = await connectTestRedis();
      return { stores: options.redis(redis, redisKeys(keyPrefix)), close: () => (redis as Redis).quit().then(() => undefined) };
    },
    runner,
    contract,
  );
  options.alsoOnRedis?.();
  if (TEST_REDIS_CLUSTER_NODES) {
    describeStoreContract(
      'redis cluster (3 masters)',
      () => {
        const { cluster, keyPrefix } = connectTestCluster();
        return { stores: options.redis(cluster, redisKeys(keyPrefix)), close: () => cluster.quit().then(() => undefined) };
      },
      runner,
      contract,
    );
  }
}
