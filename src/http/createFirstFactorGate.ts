import type { Request } from 'express';
import type { FirstFactorAttempt, FirstFactorService } from '../service/firstFactor';
import { requestContext } from './requestContext';

export type FirstFactorGate = {
  /**
   * Call before checking a password. Counts the attempt (as a failure until the password proves
   * right) per submitted username and per client address (`req.ip`, so it follows `trust proxy`;
   * IPv6 by its /64); `{ ok: false }` means answer `429` with `Retry-After: retryAfterSeconds`
   * and do not check the password. Unknown usernames are counted like known ones, so the answers
   * never tell which accounts exist.
   */
  check(req: Request, username: string): Promise<{ ok: true } | { ok: false; reason: 'throttled'; retryAfterSeconds: number }>;
  /**
   * The password was wrong. Pass the account's id when the username exists (one audit event on
   * that account), nothing when it does not (aggregated per address and minute).
   */
  recordFailure(req: Request, options?: { userId?: string | null }): Promise<void>;
  /**
   * The password was right (`recordFirstFactor` calls this with `getIdentity`'s username): clears
   * the account's count when the typed username is exactly `accountUsername`, else gives back this attempt.
   */
  recordSuccess(req: Request, accountUsername?: string | null): Promise<void>;
};

/** Binds the first-factor service to requests: what `check` counted is what success or failure reports. */
export function createFirstFactorGate(service: FirstFactorService): FirstFactorGate {
  const attempts = new WeakMap<Request, FirstFactorAttempt>();
  return {
    async check(req, username) {
      if (typeof username !== 'string') throw new TypeError(`firstFactor.check: username must be a string, got ${typeof username}`);
      const result = await service.check({ username, ip: req.ip ?? null, context: requestContext(req) });
      if (!result.ok) return result;
      attempts.set(req, result.attempt);
      return { ok: true };
    },
    async recordFailure(req, options = {}) {
      const attempt = attempts.get(req);
      if (!attempt) throw new Error('firstFactor.recordFailure: call firstFactor.check(req, username) for this request first');
      attempts.delete(req);
      await service.recordFailure({ attempt, userId: options.userId ?? null, context: requestContext(req) });
    },
    async recordSuccess(req, accountUsername) {
      const attempt = attempts.get(req);
      if (!attempt) return;
      attempts.delete(req);
      await service.recordSuccess(attempt, accountUsername);
    },
  };
}
