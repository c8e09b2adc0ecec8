import type { Redis } from 'ioredis';
import { describeStoreContract } from '../../src/stores/contract';
import type { StoreContractPort } from '../../src/stores/contract';
import { MemoryCoolOffStore } from '../../src/stores/memory/MemoryCoolOffStore';
import { MemorySessionRevocationStore } from '../../src/stores/memory/MemorySessionRevocationStore';
import { RedisCoolOffStore } from '../../src/stores/redis/RedisCoolOffStore';
import { RedisSessionRevocationStore } from '../../src/stores/redis/RedisSessionRevocationStore';
import { redisKeys } from '../../src/stores/redis/redisKeys';
import { connectTestCluster } from '../helpers/forEachStore';
import { connectTestRedis, TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from '../helpers/withRedis';

/** The cool-off and session revocation ports (src/stores/contract/accountSecurityStoreContract.ts) on memory, Redis and the 3-master Cluster. */
const PORTS: StoreContractPort[] = ['coolOffs', 'sessions'];
const runner = { describe, it };

describeStoreContract('memory', () => ({ stores: { coolOffs: new MemoryCoolOffStore(), sessions: new MemorySessionRevocationStore() } }), runner, { ports: PORTS });

if (TEST_REDIS_URL) {
  describeStoreContract(
    'redis',
    async () => {
      const { redis, keyPrefix } = await connectTestRedis();
      const keys = redisKeys(keyPrefix);
      return { stores: { coolOffs: new RedisCoolOffStore(redis, keys), sessions: new RedisSessionRevocationStore(redis, keys) }, close: () => (redis as Redis).quit().then(() => undefined) };
    },
    runner,
    { ports: PORTS },
  );
  if (TEST_REDIS_CLUSTER_NODES) {
    describeStoreContract(
      'redis cluster (3 masters)',
      () => {
        const { cluster, keyPrefix } = connectTestCluster();
        const keys = redisKeys(keyPrefix);
        return { stores: { coolOffs: new RedisCoolOffStore(cluster, keys), sessions: new RedisSessionRevocationStore(cluster, keys) }, close: () => cluster.quit().then(() => undefined) };
      },
      runner,
      { ports: PORTS },
    );
  }
} else {
  console.warn('SKIPPED (no redis-server): account security store contract: redis');
  describe.skip('account security store contract: redis', () => it('needs redis-server', () => undefined));
}
