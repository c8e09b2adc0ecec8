import type { SessionRevocationStore, SessionStatus } from '../types';
import type { RedisKeys } from './redisKeys';
import type { RedisLike } from './scripts';

/**
 * Revoked sessions (a key per binding id, with a TTL) and the user's session generation, in
 * the user's slot, so one MGET answers both for every request.
 */
export class RedisSessionRevocationStore implements SessionRevocationStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {}

  async status(userId: string, bindingId: string, _nowMs: number): Promise<SessionStatus> {
    const [generation, revoked] = await this.redis.mget(this.keys.sessionGeneration(userId), this.keys.sessionRevoked(userId, bindingId));
    return { revoked: revoked !== null, generation: generation === null ? 0 : Number(generation) };
  }

  async revoke(userId: string, bindingId: string, untilMs: number, nowMs: number): Promise<void> {
    await this.redis.set(this.keys.sessionRevoked(userId, bindingId), '1', 'PX', Math.max(1, untilMs - nowMs));
  }

  async revokeAll(userId: string, untilMs: number, nowMs: number): Promise<number> {
    const key = this.keys.sessionGeneration(userId);
    const replies = await this.redis.multi().incr(key).pexpire(key, Math.max(1, untilMs - nowMs)).exec();
    const [err, generation] = replies?.[0] ?? [new Error('no reply')];
    if (err) throw err;
    return Number(generation);
  }
}
