import type { StoreContractPort } from '../../src/stores/contract';
import { MemoryCoolOffStore } from '../../src/stores/memory/MemoryCoolOffStore';
import { MemorySessionRevocationStore } from '../../src/stores/memory/MemorySessionRevocationStore';
import { RedisCoolOffStore } from '../../src/stores/redis/RedisCoolOffStore';
import { RedisSessionRevocationStore } from '../../src/stores/redis/RedisSessionRevocationStore';
import { describeStoreContractOnMemoryAndRedis } from '../helpers/describeStoreContractOnRedis';

/** The cool-off and session revocation ports (src/stores/contract/accountSecurityStoreContract.ts) on memory, Redis and the 3-master Cluster. */
const PORTS: StoreContractPort[] = ['coolOffs', 'sessions'];
describeStoreContractOnMemoryAndRedis({
  ports: PORTS,
  memory: () => ({ coolOffs: new MemoryCoolOffStore(), sessions: new MemorySessionRevocationStore() }),
  redis: (client, keys) => ({ coolOffs: new RedisCoolOffStore(client, keys), sessions: new RedisSessionRevocationStore(client, keys) }),
  skippedName: 'account security store contract: redis',
});
