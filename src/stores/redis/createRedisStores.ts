import { RedisBreakerStore } from './RedisBreakerStore';
import type { StepGuardStores } from '../types';
import { redisKeys } from './redisKeys';
import { RedisApprovalStore } from './RedisApprovalStore';
import { RedisChallengeStore } from './RedisChallengeStore';
import { RedisRateLimitStore } from './RedisRateLimitStore';
import { RedisCounterStore } from './RedisCounterStore';
import { RedisDeliveryStore } from './RedisDeliveryStore';
import { RedisRiskStore } from './RedisRiskStore';
import { RedisTrustedDeviceStore } from './RedisTrustedDeviceStore';
import { RedisFirstFactorThrottleStore } from './RedisFirstFactorThrottleStore';
import { RedisCoolOffStore } from './RedisCoolOffStore';
import { RedisSessionRevocationStore } from './RedisSessionRevocationStore';
import { RedisRecoveryStore } from './RedisRecoveryStore';
import type { RedisLike } from './scripts';
import { RedisStatsStore } from './RedisStatsStore';
import type { StatsRetention } from '../statsRetention';

/** The Redis-backed stores for what expires: challenges, counters, locks and approvals. */
export function createRedisStores(
  redis: RedisLike,
  keyPrefix = 'sg',
  options: { stats?: StatsRetention } = {},
): Pick<StepGuardStores, 'challenges' | 'rateLimits' | 'counters' | 'breakers' | 'deliveries' | 'approvals' | 'risk' | 'trustedDevices' | 'firstFactor' | 'coolOffs' | 'sessions' | 'recoveries' | 'stats' | 'ping'> {
  const keys = redisKeys(keyPrefix);
  return {
    challenges: new RedisChallengeStore(redis, keys),
    rateLimits: new RedisRateLimitStore(redis, keys),
    breakers: new RedisBreakerStore(redis, keys),
    counters: new RedisCounterStore(redis, keys),
    deliveries: new RedisDeliveryStore(redis, keys),
    approvals: new RedisApprovalStore(redis, keys),
    risk: new RedisRiskStore(redis, keys),
    trustedDevices: new RedisTrustedDeviceStore(redis, keys),
    firstFactor: new RedisFirstFactorThrottleStore(redis, keys),
    coolOffs: new RedisCoolOffStore(redis, keys),
    sessions: new RedisSessionRevocationStore(redis, keys),
    recoveries: new RedisRecoveryStore(redis, keys),
    stats: new RedisStatsStore(redis, keys, options.stats),
    ping: async () => {
      await redis.ping();
    },
  };
}
