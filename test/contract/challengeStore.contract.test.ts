import type { StoreContractPort } from '../../src/stores/contract';
import { MemoryApprovalStore } from '../../src/stores/memory/MemoryApprovalStore';
import { MemoryBreakerStore } from '../../src/stores/memory/MemoryBreakerStore';
import { MemoryChallengeStore } from '../../src/stores/memory/MemoryChallengeStore';
import { MemoryCounterStore } from '../../src/stores/memory/MemoryCounterStore';
import { MemoryDeliveryStore } from '../../src/stores/memory/MemoryDeliveryStore';
import { MemoryRateLimitStore } from '../../src/stores/memory/MemoryRateLimitStore';
import { MemoryTrustedDeviceStore } from '../../src/stores/memory/MemoryTrustedDeviceStore';
import { MemorySessionRevocationStore } from '../../src/stores/memory/MemorySessionRevocationStore';
import { RedisApprovalStore } from '../../src/stores/redis/RedisApprovalStore';
import { RedisBreakerStore } from '../../src/stores/redis/RedisBreakerStore';
import { RedisChallengeStore } from '../../src/stores/redis/RedisChallengeStore';
import { RedisCounterStore } from '../../src/stores/redis/RedisCounterStore';
import { RedisDeliveryStore } from '../../src/stores/redis/RedisDeliveryStore';
import { RedisRateLimitStore } from '../../src/stores/redis/RedisRateLimitStore';
import { RedisTrustedDeviceStore } from '../../src/stores/redis/RedisTrustedDeviceStore';
import { RedisSessionRevocationStore } from '../../src/stores/redis/RedisSessionRevocationStore';
import { describeStoreContractOnMemoryAndRedis } from '../helpers/describeStoreContractOnRedis';

/** The short-lived ports (src/stores/contract/challengeStoreContract.ts) on memory, Redis and the 3-master Cluster. */
const PORTS: StoreContractPort[] = ['challenges', 'rateLimits', 'counters', 'breakers', 'deliveries', 'approvals', 'trustedDevices'];
describeStoreContractOnMemoryAndRedis({
  ports: PORTS,
  memory: () => ({
    challenges: new MemoryChallengeStore(),
    rateLimits: new MemoryRateLimitStore(),
    counters: new MemoryCounterStore(),
    breakers: new MemoryBreakerStore(),
    deliveries: new MemoryDeliveryStore(),
    approvals: new MemoryApprovalStore(),
    trustedDevices: new MemoryTrustedDeviceStore(),
    // Read by the verifyAttempt case: the supersede a store does with its consume shows there.
    sessions: new MemorySessionRevocationStore(),
  }),
  redis: (client, keys) => ({
    challenges: new RedisChallengeStore(client, keys),
    rateLimits: new RedisRateLimitStore(client, keys),
    counters: new RedisCounterStore(client, keys),
    breakers: new RedisBreakerStore(client, keys),
    deliveries: new RedisDeliveryStore(client, keys),
    approvals: new RedisApprovalStore(client, keys),
    trustedDevices: new RedisTrustedDeviceStore(client, keys),
    sessions: new RedisSessionRevocationStore(client, keys),
  }),
  skippedName: 'store contract: redis',
});
