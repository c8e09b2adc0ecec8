import type { SessionRevocationStore, SessionStatus } from '../types';
import type { RedisKeys } from './redisKeys';
import { withScripts, type RedisLike } from './scripts';

/**
 * Revoked sessions (a key per binding id, with a TTL) and the user's session generation, in
 * the user's slot, so one MGET answers both for every request.
 */
export class RedisSessionRevocationStore implements SessionRevocationStore {
  private readonly redis: ReturnType<typeof withScripts>;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    this.redis = withScripts(redis);
  }

  async status(userId: string, bindingId: string, _nowMs: number): Promise<SessionStatus> {
    const [generation, revoked] = await this.redis.mget(this.keys.sessionGeneration(userId), this.keys.sessionRevoked(userId, bindingId));
    return { revoked: revoked !== null, generation: generation === null ? 0 : Number(generation) };
  }

  async revoke(userId: string, bindingId: string, untilMs: number, nowMs: number): Promise<void> {
    await this.redis.set(this.keys.sessionRevoked(userId, bindingId), '1', 'PX', Math.max(1, untilMs - nowMs));
  }

  async revokeAll(userId: string, untilMs: number, nowMs: number, caller?: { bindingId: string; generation: number }): Promise<number | null> {
    const generation = await this.redis.sgRevokeAllSessions(
      this.keys.sessionGeneration(userId),
      this.keys.sessionRevoked(userId, caller?.bindingId ?? ''),
      caller ? 1 : 0,
      caller?.generation ?? 0,
      Math.max(1, untilMs - nowMs),
    );
    return Number(generation) < 0 ? null : Number(generation);
  }
}
