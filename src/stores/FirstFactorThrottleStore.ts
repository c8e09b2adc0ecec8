/**
 * The first-factor throttle's port: consecutive password failures per key (an account's
 * canonical username, or a client address), and the growing delay they earn. Memory and Redis
 * adapters pass the same contract (src/stores/contract/firstFactorThrottleStoreContract.ts).
 */
import type { ThrottlePolicy } from '../core/throttle/throttleDelayMs';

export type { ThrottlePolicy };

export type ThrottleReservation =
  | { ok: true; failures: number; blockedUntilMs: number | null }
  | { ok: false; retryAfterMs: number };

export interface FirstFactorThrottleStore {
  /**
   * One atomic step before a password is checked: refuses while the key is delayed; otherwise
   * counts this attempt as a failure (until `release` or `reset` says it was not one) and, once
   * the count reaches `freeFailures`, delays the key's next attempt. Counting first is what
   * keeps N concurrent guesses from getting past the free budget.
   */
  reserve(key: string, policy: ThrottlePolicy, nowMs: number): Promise<ThrottleReservation>;
  /** Takes one reserved attempt back (it succeeded); lifts the delay once under the free budget. */
  release(key: string, policy: ThrottlePolicy, nowMs: number): Promise<void>;
  /** Forgets the key: the account's password was right. */
  reset(key: string): Promise<void>;
}
