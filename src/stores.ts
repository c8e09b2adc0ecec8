// stepguard/stores: the ports, the adapters, and the contract suite to test your own adapter with.
export type * from './stores/types';
export type * from './stores/RecoveryStore';
export type * from './stores/EnrolmentStore';
export type * from './stores/StatsStore';
export { statSeriesKey, parseStatSeriesKey, STAT_LABELS, STAT_NAMES } from './core/stats/index';
export { createMemoryStores, createMemoryDurableStores } from './stores/memory/createMemoryStores';
export { createRedisStores } from './stores/redis/createRedisStores';
export { createRedisClient, FAIL_FAST_REDIS_OPTIONS } from './stores/redis/createRedisClient';
export { ioredisSessionClient } from './stores/redis/ioredisSessionClient';
export { createMongoStores, ensureMongoIndexes } from './stores/mongo/createMongoStores';
export { FileAuditStore } from './stores/file/FileAuditStore';
export { combineStores } from './stores/combineStores';
export { describeStoreContract, STORE_CONTRACT_CASES, STORE_CONTRACT_PORTS } from './stores/contract';
