import type {
  ChallengeStore,
  LockoutPolicy,
  ReplaceCodeInput,
  ReplaceCodeResult,
  ReserveAttemptInput,
  ReserveAttemptResult,
  SmsChallengeRecord,
  VerifyAttemptInput,
  VerifyAttemptResult,
} from '../types';
import { constantTimeEqual } from '../../core/otp/constantTimeEqual';
import { ExpiringMap } from './ExpiringMap';

const FAR_FUTURE_MS = 365 * 24 * 3600 * 1000;
/** Expired challenges are kept this much longer so a late verify hears "expired", not "unknown". */
export const EXPIRED_CHALLENGE_GRACE_MS = 15 * 60 * 1000;

/**
 * The embedded challenge store. Every method runs to completion without awaiting, so each is
 * atomic on Node's single thread, which is what the Redis adapter gets from Lua.
 */
export class MemoryChallengeStore implements ChallengeStore {
  private readonly challenges = new ExpiringMap<SmsChallengeRecord>();
  private readonly failures = new ExpiringMap<number>();
  private readonly locks = new ExpiringMap<number>();

  async create(challenge: SmsChallengeRecord): Promise<void> {
    this.challenges.set(
      key(challenge.userId, challenge.id),
      { ...challenge },
      challenge.expiresAtMs + EXPIRED_CHALLENGE_GRACE_MS,
      challenge.createdAtMs,
    );
  }

  /** The challenge, expired or not (expired ones linger briefly); `null` once gone. */
  async get(userId: string, challengeId: string, nowMs: number): Promise<SmsChallengeRecord | null> {
    const found = this.challenges.get(key(userId, challengeId), nowMs);
    return found ? { ...found } : null;
  }

  async reserveAttempt(input: ReserveAttemptInput): Promise<ReserveAttemptResult> {
    const { userId, challengeId, bindingId, nowMs, maxAttempts, lockout } = input;
    const lockedUntilMs = this.locks.get(userId, nowMs);
    if (lockedUntilMs !== undefined && lockedUntilMs > nowMs) return { ok: false, reason: 'locked', lockedUntilMs };
    const record = this.challenges.get(key(userId, challengeId), nowMs);
    if (!record || record.bindingId !== bindingId) return { ok: false, reason: 'not_found' };
    if (record.expiresAtMs <= nowMs) return { ok: false, reason: 'expired' };
    if (record.attempts >= maxAttempts) return { ok: false, reason: 'exhausted', expiresAtMs: record.expiresAtMs };
    record.attempts += 1;
    const failures = (this.failures.get(userId, nowMs) ?? 0) + 1;
    this.failures.set(userId, failures, nowMs + lockout.failureMemorySeconds * 1000, nowMs);
    const lockUntil = lockAfter(failures, lockout, nowMs);
    if (lockUntil !== null) this.locks.set(userId, lockUntil, lockUntil, nowMs);
    return {
      ok: true,
      codeHash: record.codeHash,
      challenge: { phone: record.phone, purpose: record.purpose, txHash: record.txHash, ...(record.country !== undefined ? { country: record.country } : {}) },
      attempts: record.attempts,
      consecutiveFailures: failures,
      lockedUntilMs: lockUntil,
    };
  }

  async verifyAttempt(input: VerifyAttemptInput): Promise<VerifyAttemptResult> {
    const reserved = await this.reserveAttempt(input);
    if (!reserved.ok) return reserved;
    const kindOk = (reserved.challenge.purpose === input.expectPurpose.phoneBindPurpose) === input.expectPurpose.phoneBind;
    const matched = constantTimeEqual(input.candidateHash, reserved.codeHash) && kindOk;
    if (!matched) return { ...reserved, matched: false };
    // A concurrent correct attempt that consumed it first: this one finds nothing, as in Redis.
    if (!(await this.consume(input.userId, input.challengeId))) return { ok: false, reason: 'not_found' };
    return { ...reserved, lockedUntilMs: null, matched: true };
  }

  async discard(userId: string, challengeId: string): Promise<void> {
    this.challenges.delete(key(userId, challengeId));
  }

  async consume(userId: string, challengeId: string): Promise<boolean> {
    const existed = this.challenges.delete(key(userId, challengeId));
    if (existed) {
      this.failures.delete(userId);
      this.locks.delete(userId);
    }
    return existed;
  }

  async replaceCode(input: ReplaceCodeInput): Promise<ReplaceCodeResult> {
    const record = this.challenges.get(key(input.userId, input.challengeId), input.nowMs);
    if (!record || record.bindingId !== input.bindingId) return { ok: false, reason: 'not_found' };
    if (record.expiresAtMs <= input.nowMs) return { ok: false, reason: 'expired' };
    if (record.attempts >= input.maxAttempts) return { ok: false, reason: 'exhausted', expiresAtMs: record.expiresAtMs };
    if (input.nowMs < record.nextResendAtMs) return { ok: false, reason: 'too_early', nextResendAtMs: record.nextResendAtMs };
    if (record.sendCount !== input.expectedSendCount) return { ok: false, reason: 'conflict' };
    const updated = {
      ...record,
      codeHash: input.codeHash,
      expiresAtMs: input.expiresAtMs,
      sendCount: record.sendCount + 1,
      nextResendAtMs: input.nextResendAtMs,
    };
    this.challenges.set(key(input.userId, input.challengeId), updated, input.expiresAtMs + EXPIRED_CHALLENGE_GRACE_MS, input.nowMs);
    return { ok: true };
  }

  async reserveFactorAttempt(
    userId: string,
    nowMs: number,
    lockout: LockoutPolicy,
  ): Promise<{ ok: true; lockedUntilMs: number | null } | { ok: false; reason: 'locked'; lockedUntilMs: number }> {
    const lockedUntilMs = this.locks.get(userId, nowMs);
    if (lockedUntilMs !== undefined && lockedUntilMs > nowMs) return { ok: false, reason: 'locked', lockedUntilMs };
    const failures = (this.failures.get(userId, nowMs) ?? 0) + 1;
    this.failures.set(userId, failures, nowMs + lockout.failureMemorySeconds * 1000, nowMs);
    const lockUntil = lockAfter(failures, lockout, nowMs);
    if (lockUntil !== null) this.locks.set(userId, lockUntil, lockUntil, nowMs);
    return { ok: true, lockedUntilMs: lockUntil };
  }

  async clearFailures(userId: string): Promise<void> {
    this.failures.delete(userId);
    this.locks.delete(userId);
  }

  async failureCount(userId: string, nowMs: number): Promise<number> {
    return this.failures.get(userId, nowMs) ?? 0;
  }

  async failureState(userId: string, nowMs: number): Promise<{ failures: number; lockedUntilMs: number | null }> {
    return { failures: await this.failureCount(userId, nowMs), lockedUntilMs: await this.lockedUntil(userId, nowMs) };
  }

  async lockedUntil(userId: string, nowMs: number): Promise<number | null> {
    const until = this.locks.get(userId, nowMs);
    return until !== undefined && until > nowMs ? until : null;
  }
}

function key(userId: string, challengeId: string): string {
  return `${userId}\u0000${challengeId}`;
}

/** When `failures` in a row lock the account, until when; the same rule the Lua script applies. */
export function lockAfter(failures: number, lockout: LockoutPolicy, nowMs: number): number | null {
  if (failures >= lockout.hardLimitFailures) return nowMs + FAR_FUTURE_MS;
  if (failures % lockout.maxConsecutiveFailures === 0) return nowMs + lockout.lockSeconds * 1000;
  return null;
}
