import type { Redis } from 'ioredis';
import { describeStoreContract } from '../../src/stores/contract';
import type { StoreContractPort } from '../../src/stores/contract';
import { MemoryApprovalStore } from '../../src/stores/memory/MemoryApprovalStore';
import { MemoryBreakerStore } from '../../src/stores/memory/MemoryBreakerStore';
import { MemoryChallengeStore } from '../../src/stores/memory/MemoryChallengeStore';
import { MemoryCounterStore } from '../../src/stores/memory/MemoryCounterStore';
import { MemoryDeliveryStore } from '../../src/stores/memory/MemoryDeliveryStore';
import { MemoryRateLimitStore } from '../../src/stores/memory/MemoryRateLimitStore';
import { MemoryTrustedDeviceStore } from '../../src/stores/memory/MemoryTrustedDeviceStore';
import { RedisApprovalStore } from '../../src/stores/redis/RedisApprovalStore';
import { RedisBreakerStore } from '../../src/stores/redis/RedisBreakerStore';
import { RedisChallengeStore } from '../../src/stores/redis/RedisChallengeStore';
import { RedisCounterStore } from '../../src/stores/redis/RedisCounterStore';
import { RedisDeliveryStore } from '../../src/stores/redis/RedisDeliveryStore';
import { RedisRateLimitStore } from '../../src/stores/redis/RedisRateLimitStore';
import { RedisTrustedDeviceStore } from '../../src/stores/redis/RedisTrustedDeviceStore';
import { redisKeys, type RedisKeys } from '../../src/stores/redis/redisKeys';
import { connectTestCluster } from '../helpers/forEachStore';
import { connectTestRedis, TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from '../helpers/withRedis';

/** The short-lived ports (src/stores/contract/challengeStoreContract.ts) on memory, Redis and the 3-master Cluster. */
const PORTS: StoreContractPort[] = ['challenges', 'rateLimits', 'counters', 'breakers', 'deliveries', 'approvals', 'trustedDevices'];
const runner = { describe, it };

const redisStores = (redis: ConstructorParameters<typeof RedisChallengeStore>[0], keys: RedisKeys) => ({
  challenges: new RedisChallengeStore(redis, keys),
  rateLimits: new RedisRateLimitStore(redis, keys),
  counters: new RedisCounterStore(redis, keys),
  breakers: new RedisBreakerStore(redis, keys),
  deliveries: new RedisDeliveryStore(redis, keys),
  approvals: new RedisApprovalStore(redis, keys),
  trustedDevices: new RedisTrustedDeviceStore(redis, keys),
});

describeStoreContract(
  'memory',
  () => ({
    stores: {
      challenges: new MemoryChallengeStore(),
      rateLimits: new MemoryRateLimitStore(),
      counters: new MemoryCounterStore(),
      breakers: new MemoryBreakerStore(),
      deliveries: new MemoryDeliveryStore(),
      approvals: new MemoryApprovalStore(),
      trustedDevices: new MemoryTrustedDeviceStore(),
    },
  }),
  runner,
  { ports: PORTS },
);

if (TEST_REDIS_URL) {
  describeStoreContract(
    'redis',
    async () => {
      const { redis, keyPrefix } = await connectTestRedis();
      return { stores: redisStores(redis, redisKeys(keyPrefix)), close: () => (redis as Redis).quit().then(() => undefined) };
    },
    runner,
    { ports: PORTS },
  );
  if (TEST_REDIS_CLUSTER_NODES) {
    describeStoreContract(
      'redis cluster (3 masters)',
      () => {
        const { cluster, keyPrefix } = connectTestCluster();
        return { stores: redisStores(cluster, redisKeys(keyPrefix)), close: () => cluster.quit().then(() => undefined) };
      },
      runner,
      { ports: PORTS },
    );
  }
} else {
  console.warn('SKIPPED (no redis-server): store contract: redis');
  describe.skip('store contract: redis', () => it('needs redis-server', () => undefined));
}
