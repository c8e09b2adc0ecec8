import { STORE_CONTRACT_CASES } from '../../src/stores/contract';
import type { EndRecoveryResult, StartRecoveryInput } from '../../src/stores/RecoveryStore';
import type { StoreContractPort } from '../../src/stores/contract';
import { MemoryRecoveryStore } from '../../src/stores/memory/MemoryRecoveryStore';
import { RedisRecoveryStore } from '../../src/stores/redis/RedisRecoveryStore';
import { describeStoreContractOnMemoryAndRedis } from '../helpers/describeStoreContractOnRedis';

/** The self-service recovery port (src/stores/contract/recoveryStoreContract.ts) on memory, Redis and the 3-master Cluster. */
const PORTS: StoreContractPort[] = ['recoveries'];
describeStoreContractOnMemoryAndRedis({
  ports: PORTS,
  memory: () => ({ recoveries: new MemoryRecoveryStore() }),
  redis: (client, keys) => ({ recoveries: new RedisRecoveryStore(client, keys) }),
  skippedName: 'recovery store contract: redis',
});

/** Correct one call at a time, but reads then acts: a cancel and a complete at once can both say they won. */
class CheckThenActRecoveryStore extends MemoryRecoveryStore {
  override async cancel(userId: string, input: { nowMs: number; by: string }): Promise<EndRecoveryResult> {
    const seen = await this.get(userId, input.nowMs);
    await new Promise((resolve) => setImmediate(resolve));
    if (seen?.status !== 'pending') return { ok: false, reason: 'no_recovery' };
    await super.cancel(userId, input);
    return { ok: true, recovery: { ...seen, status: 'cancelled', endedAtMs: input.nowMs, endedBy: input.by } };
  }
}

/** Lets a new start replace a pending recovery: an attacker's restart would reset the owner's clock. */
class RestartingRecoveryStore extends MemoryRecoveryStore {
  override async start(input: StartRecoveryInput) {
    await this.cancel(input.userId, { nowMs: input.nowMs, by: 'restart' });
    return super.start(input);
  }
}

describe('the recovery contract can fail', () => {
  const run = (name: string, recoveries: MemoryRecoveryStore) => {
    const contractCase = STORE_CONTRACT_CASES.find((c) => c.port === 'recoveries' && c.name.startsWith(name));
    if (!contractCase) throw new Error(`no contract case "${name}"`);
    return Promise.resolve(contractCase.run({ recoveries } as never));
  };

  it('catches a store whose cancel is not atomic against complete', async () => {
    await expect(run('lets exactly one of a cancel and a complete', new CheckThenActRecoveryStore())).rejects.toThrow(/round 0: cancel true, complete true/);
    await expect(run('lets exactly one of a cancel and a complete', new MemoryRecoveryStore())).resolves.toBeUndefined();
  });

  it('catches a store where a second start restarts the wait', async () => {
    await expect(run('answers a second start with the pending recovery unchanged', new RestartingRecoveryStore())).rejects.toThrow();
  });
});
