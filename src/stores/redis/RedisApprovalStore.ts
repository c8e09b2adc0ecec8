import type { ApprovalKey, ApprovalStore } from '../types';
import type { RedisKeys } from './redisKeys';
import type { RedisLike } from './scripts';

export class RedisApprovalStore implements ApprovalStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {}

  async grant(k: ApprovalKey, expiresAtMs: number, nowMs: number): Promise<void> {
    const key = this.keys.approval(k.userId, k.bindingId, k.action, k.txHash);
    await this.redis.set(key, String(expiresAtMs), 'PX', Math.max(1, expiresAtMs - nowMs));
  }

  async consume(k: ApprovalKey, nowMs: number): Promise<boolean> {
    // GETDEL is one atomic step: of concurrent consumers only one sees the value.
    const value = await this.redis.getdel(this.keys.approval(k.userId, k.bindingId, k.action, k.txHash));
    return value !== null && Number(value) > nowMs;
  }
}
