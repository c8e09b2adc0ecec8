
import type {
  LockoutPolicy,
  ChallengeStore,
  ReplaceCodeInput,
  ReplaceCodeResult,
  ReserveAttemptInput,
  ReserveAttemptResult,
  SessionRevocationStore,
  SmsChallengeRecord,
  VerifyAttemptInput,
  VerifyAttemptResult,
} from '../types';
import { EXPIRED_CHALLENGE_GRACE_MS } from '../memory/MemoryChallengeStore';
import type { RedisKeys } from './redisKeys';
import { RedisSessionRevocationStore } from './RedisSessionRevocationStore';
import { withScripts, type RedisLike } from './scripts';

const HARD_LOCK_MS = 365 * 24 * 3600 * 1000;

/** SMS challenges, attempt counting and the account lock in Redis, atomic through Lua. */
export class RedisChallengeStore implements ChallengeStore {
  private readonly redis: ReturnType<typeof withScripts>;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    this.redis = withScripts(redis);
  }

  async create(c: SmsChallengeRecord): Promise<void> {
    const key = this.keys.challenge(c.userId, c.id);
    // The hash and its TTL in one command (a script), not a four-command MULTI.
    await this.redis.sgHsetPx(
      key,
      keepMs(c.expiresAtMs, c.createdAtMs),
      'id', c.id,
      'userId', c.userId,
      'bindingId', c.bindingId,
      'phone', c.phone,
      // '' for "no country"; a record without the field (stored before it) reads as unknown.
      ...(c.country !== undefined ? ['country', c.country ?? ''] : []),
      'purpose', c.purpose,
      'txHash', c.txHash ?? '',
      'codeHash', c.codeHash,
      'createdAtMs', c.createdAtMs,
      'expiresAtMs', c.expiresAtMs,
      'attempts', c.attempts,
      'sendCount', c.sendCount,
      'nextResendAtMs', c.nextResendAtMs,
    );
  }

  async get(userId: string, challengeId: string): Promise<SmsChallengeRecord | null> {
    const h = await this.redis.hgetall(this.keys.challenge(userId, challengeId));
    if (!h.id) return null;
    return {
      id: h.id,
      userId: h.userId ?? userId,
      bindingId: h.bindingId ?? '',
      phone: h.phone ?? '',
      ...(h.country !== undefined ? { country: h.country || null } : {}),
      purpose: h.purpose ?? '',
      txHash: h.txHash ? h.txHash : null,
      codeHash: h.codeHash ?? '',
      createdAtMs: Number(h.createdAtMs),
      expiresAtMs: Number(h.expiresAtMs),
      attempts: Number(h.attempts),
      sendCount: Number(h.sendCount),
      nextResendAtMs: Number(h.nextResendAtMs),
    };
  }

  /** The keys and arguments both attempt scripts start with (scripts.ts RESERVE_ATTEMPT). */
  private attemptArgs(input: ReserveAttemptInput): [string, string, string, number, string, number, number, number, number, number, number] {
    const { userId, challengeId, bindingId, nowMs, maxAttempts, lockout } = input;
    return [
      this.keys.challenge(userId, challengeId),
      this.keys.failures(userId),
      this.keys.lock(userId),
      nowMs,
      bindingId,
      maxAttempts,
      lockout.maxConsecutiveFailures,
      lockout.lockSeconds * 1000,
      lockout.hardLimitFailures,
      lockout.failureMemorySeconds * 1000,
      HARD_LOCK_MS,
    ];
  }

  async reserveAttempt(input: ReserveAttemptInput): Promise<ReserveAttemptResult> {
    const reply = (await this.redis.sgReserveAttempt(...this.attemptArgs(input))) as [string, ...(string | number)[]];
    return toReserveResult(reply);
  }

  supersedesFor(sessions: SessionRevocationStore): boolean {
    return sessions instanceof RedisSessionRevocationStore && sessions.readsEpochsFrom(this.redis, this.keys);
  }

  async verifyAttempt(input: VerifyAttemptInput): Promise<VerifyAttemptResult> {
    const [challenge, failures, lock, ...argv] = this.attemptArgs(input);
    const reply = (await this.redis.sgVerifyAttempt(
      challenge,
      failures,
      lock,
      // The session's epoch lives in the same user's slot: the supersede rides in this script.
      this.keys.sessionEpoch(input.userId, input.bindingId),
      ...argv,
      input.candidateHash,
      input.expectPurpose.phoneBindPurpose,
      input.expectPurpose.phoneBind ? '1' : '0',
      input.supersede ? input.supersede.sessionEpoch : '',
      input.supersede ? Math.max(1, input.supersede.untilMs - input.nowMs) : 0,
    )) as [string, ...(string | number)[]];
    if (reply[0] !== 'ok') return toReserveResult(reply) as VerifyAttemptResult;
    const matched = Number(reply[9]) === 1;
    const floor = Number(reply[10]);
    return { ...(toReserveResult(reply) as Extract<ReserveAttemptResult, { ok: true }>), matched, ...(matched && floor >= 0 ? { superseded: floor } : {}) };
  }

  async discard(userId: string, challengeId: string): Promise<void> {
    await this.redis.del(this.keys.challenge(userId, challengeId));
  }

  async consume(userId: string, challengeId: string): Promise<boolean> {
    const deleted = await this.redis.sgConsumeChallenge(
      this.keys.challenge(userId, challengeId),
      this.keys.failures(userId),
      this.keys.lock(userId),
    );
    return Number(deleted) === 1;
  }

  async replaceCode(input: ReplaceCodeInput): Promise<ReplaceCodeResult> {
    const reply = (await this.redis.sgReplaceCode(
      this.keys.challenge(input.userId, input.challengeId),
      input.nowMs,
      input.bindingId,
      input.expectedSendCount,
      input.codeHash,
      input.expiresAtMs,
      input.nextResendAtMs,
      input.maxAttempts,
      keepMs(input.expiresAtMs, input.nowMs),
    )) as [string, number?];
    switch (reply[0]) {
      case 'ok':
        return { ok: true };
      case 'not_found':
      case 'expired':
      case 'conflict':
        return { ok: false, reason: reply[0] };
      case 'too_early':
        return { ok: false, reason: 'too_early', nextResendAtMs: Number(reply[1]) };
      case 'exhausted':
        return { ok: false, reason: 'exhausted', expiresAtMs: Number(reply[1]) };
      default:
        throw new Error(`sgReplaceCode: unexpected reply ${String(reply[0])}`);
    }
  }

  async reserveFactorAttempt(
    userId: string,
    nowMs: number,
    lockout: LockoutPolicy,
  ): Promise<{ ok: true; lockedUntilMs: number | null } | { ok: false; reason: 'locked'; lockedUntilMs: number }> {
    const reply = (await this.redis.sgReserveFactorAttempt(
      this.keys.failures(userId),
      this.keys.lock(userId),
      nowMs,
      lockout.maxConsecutiveFailures,
      lockout.lockSeconds * 1000,
      lockout.hardLimitFailures,
      lockout.failureMemorySeconds * 1000,
      HARD_LOCK_MS,
    )) as [string, number];
    if (reply[0] === 'locked') return { ok: false, reason: 'locked', lockedUntilMs: Number(reply[1]) };
    return { ok: true, lockedUntilMs: Number(reply[1]) > 0 ? Number(reply[1]) : null };
  }

  async clearFailures(userId: string): Promise<void> {
    await this.redis.del(this.keys.failures(userId), this.keys.lock(userId));
  }

  async failureCount(userId: string): Promise<number> {
    return Number((await this.redis.get(this.keys.failures(userId))) ?? 0);
  }

  async failureState(userId: string, nowMs: number): Promise<{ failures: number; lockedUntilMs: number | null }> {
    // Same slot (the user's tag): one MGET.
    const [failures, lock] = await this.redis.mget(this.keys.failures(userId), this.keys.lock(userId));
    const until = lock === null ? 0 : Number(lock);
    return { failures: Number(failures ?? 0), lockedUntilMs: until > nowMs ? until : null };
  }

  async lockedUntil(userId: string, nowMs: number): Promise<number | null> {
    const value = await this.redis.get(this.keys.lock(userId));
    const until = value === null ? 0 : Number(value);
    return until > nowMs ? until : null;
  }
}


/** A reservation script's reply as a value (sgReserveAttempt and sgVerifyAttempt answer alike). */
function toReserveResult(reply: [string, ...(string | number)[]]): ReserveAttemptResult {
  switch (reply[0]) {
    case 'locked':
      return { ok: false, reason: 'locked', lockedUntilMs: Number(reply[1]) };
    case 'not_found':
    case 'expired':
      return { ok: false, reason: reply[0] };
    case 'exhausted':
      return { ok: false, reason: 'exhausted', expiresAtMs: Number(reply[1]) };
    case 'ok': {
      const [, codeHash, phone, purpose, txHash, attempts, failures, lockUntil, country] = reply;
      return {
        ok: true,
        codeHash: String(codeHash),
        challenge: {
          phone: String(phone),
          purpose: String(purpose),
          txHash: txHash ? String(txHash) : null,
          // null from the script: a challenge stored without a country (unknown, not "none").
          ...(country === null || country === undefined ? {} : { country: country === '' ? null : String(country) }),
        },
        attempts: Number(attempts),
        consecutiveFailures: Number(failures),
        lockedUntilMs: Number(lockUntil) > 0 ? Number(lockUntil) : null,
      };
    }
    default:
      throw new Error(`sgReserveAttempt: unexpected reply ${String(reply[0])}`);
  }
}

// Keep expired challenges a little past expiry so that a late verify hears "expired".
function keepMs(expiresAtMs: number, nowMs: number): number {
  return Math.max(1000, expiresAtMs - nowMs + EXPIRED_CHALLENGE_GRACE_MS);
}

export function throwOnTransactionError(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error('Redis transaction was aborted');
  for (const [err] of results) if (err) throw err;
}



