import type { SessionRevocationStore, SessionStatus } from '../types';
import type { RedisKeys } from './redisKeys';
import { withScripts, type RedisLike } from './scripts';

/**
 * Revoked sessions (a key per binding id, with a TTL), each binding's session epoch floor and
 * the user's session generation, in the user's slot, so one MGET answers all three for every
 * request.
 */
export class RedisSessionRevocationStore implements SessionRevocationStore {
  private readonly redis: ReturnType<typeof withScripts>;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    this.redis = withScripts(redis);
  }

  /** Whether this store reads its epoch floors from `redis` under `keys` (the challenge store's supersede writes there). */
  readsEpochsFrom(redis: RedisLike, keys: RedisKeys): boolean {
    return this.redis === redis && this.keys.sessionEpoch('u', 'b') === keys.sessionEpoch('u', 'b');
  }

  async status(userId: string, bindingId: string, _nowMs: number): Promise<SessionStatus> {
    const [generation, revoked, epoch] = await this.redis.mget(
      this.keys.sessionGeneration(userId),
      this.keys.sessionRevoked(userId, bindingId),
      this.keys.sessionEpoch(userId, bindingId),
    );
    return { revoked: revoked !== null, generation: generation === null ? 0 : Number(generation), epoch: epoch === null ? 0 : Number(epoch) };
  }

  async supersede(userId: string, bindingId: string, sessionEpoch: number, untilMs: number, nowMs: number): Promise<number> {
    return Number(await this.redis.sgSupersedeSession(this.keys.sessionEpoch(userId, bindingId), sessionEpoch, Math.max(1, untilMs - nowMs)));
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
