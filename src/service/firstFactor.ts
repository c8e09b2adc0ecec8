import type { RequestContext } from '../audit/createAuditWriter';
import type { ThrottlePolicy } from '../core/throttle/throttleDelayMs';
import { createFailureAggregator } from './createFailureAggregator';
import { firstFactorKeys } from './firstFactorKeys';
import type { ServiceContext } from './ServiceContext';

/** One sign-in attempt that `check` let through: what success or failure must report back. */
export type FirstFactorAttempt = {
  readonly accountKey: string;
  readonly addressKey: string;
  /** The client as counted (IPv6: its prefix), for audit records. */
  readonly address: string | null;
  /** Failures on the account counted so far, this attempt included. */
  readonly accountFailures: number;
  /** The username as typed, to tell the account's own success from another account's of the same spelling. */
  readonly username: string;
};

export type FirstFactorCheck = { ok: true; attempt: FirstFactorAttempt } | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/**
 * Password-guessing throttle (issue 16.11) and the audit of failed first factors (issue 11.4).
 * The one place that decides: hosts and the demo call it, never the throttle store.
 */
export type FirstFactorService = {
  /**
   * Before a password is checked. Counts the attempt, per submitted username (canonical; the
   * account need not exist, so the answer never tells) and per client address, as a failure
   * until `recordSuccess`; refuses with the seconds to wait once either is throttled.
   */
  check(input: { username: string; ip: string | null; context?: RequestContext }): Promise<FirstFactorCheck>;
  /**
   * The password was wrong. With `userId` (the account exists) it is one event on that
   * account's audit chain; without, it is aggregated per address and window.
   */
  recordFailure(input: { attempt: FirstFactorAttempt; userId: string | null; context?: RequestContext }): Promise<void>;
  /**
   * The password was right: the address gets its attempt back. The account's count is cleared
   * only when the typed username is exactly the signed-in account's (`accountUsername`): the
   * throttle folds case and look-alikes together, so on a host where `Alice` and `alice` are two
   * accounts, signing in to one must not wipe the failures counted against the other. Otherwise
   * only this attempt is given back.
   */
  recordSuccess(attempt: FirstFactorAttempt, accountUsername?: string | null): Promise<void>;
  /** Writes aggregated counts whose window has ended (all of them with `everything`, e.g. at shutdown). */
  flushAudit(options?: { everything?: boolean }): Promise<void>;
};

export function createFirstFactorService(ctx: ServiceContext): FirstFactorService {
  const { config, stores } = ctx;
  const options = config.firstFactor;
  const policy = (o: typeof options.account): ThrottlePolicy => ({
    freeFailures: o.freeFailures,
    baseDelayMs: o.baseDelaySeconds * 1000,
    maxDelayMs: o.maxDelaySeconds * 1000,
    memoryMs: o.memorySeconds * 1000,
  });
  const accountPolicy = policy(options.account);
  const addressPolicy = policy(options.address);
  const aggregator = createFailureAggregator({
    audit: ctx.audit,
    clock: config.clock,
    windowMs: options.auditWindowSeconds * 1000,
    maxAddressesPerWindow: options.auditAddressesPerWindow,
    logger: ctx.logger,
  });
  const throttled = (retryAfterMs: number): FirstFactorCheck => ({ ok: false, reason: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) });

  return {
    async check({ username, ip, context }) {
      const keys = firstFactorKeys(config.secrets.pepper, username, ip, config.http.ipv6PrefixLength);
      const nowMs = config.clock.nowMs();
      const account = await stores.firstFactor.reserve(keys.account, accountPolicy, nowMs);
      if (!account.ok) {
        await aggregator.note('login_throttled', keys.addressLabel, context);
        return throttled(account.retryAfterMs);
      }
      const address = await stores.firstFactor.reserve(keys.address, addressPolicy, nowMs);
      if (!address.ok) {
        // Not an attempt on the account after all: it must not spend the account's budget.
        await stores.firstFactor.release(keys.account, accountPolicy, nowMs);
        await aggregator.note('login_throttled', keys.addressLabel, context);
        return throttled(address.retryAfterMs);
      }
      return { ok: true, attempt: { accountKey: keys.account, addressKey: keys.address, address: keys.addressLabel, accountFailures: account.failures, username } };
    },

    async recordFailure({ attempt, userId, context = {} }) {
      if (userId === null) return aggregator.note('login_failed', attempt.address, context);
      // A known account's failures are never aggregated away; the throttle bounds how many there are.
      await ctx.audit.record({
        type: 'login_failed',
        outcome: 'failure',
        userId,
        factor: 'pwd',
        reasons: ['invalid_credentials', `consecutive_failures=${attempt.accountFailures}`],
        context: { ...context, ip: context.ip ?? attempt.address },
      });
    },

    async recordSuccess(attempt, accountUsername) {
      const nowMs = config.clock.nowMs();
      if (typeof accountUsername === 'string' && accountUsername === attempt.username) await stores.firstFactor.reset(attempt.accountKey);
      else await stores.firstFactor.release(attempt.accountKey, accountPolicy, nowMs);
      await stores.firstFactor.release(attempt.addressKey, addressPolicy, nowMs);
    },

    flushAudit: (opts) => aggregator.flush(opts),
  };
}
