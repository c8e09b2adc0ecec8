import type { EnrolmentRequirement } from '../core/enrolment/evaluateEnrolment';

/**
 * What a user said about adding a sign-in method, and when a requirement's grace period began.
 * Durable (MongoDB in production, beside the factors): a "don't ask again" or a grace period
 * that started must survive restarts, and is never kept in a cookie the user could clear.
 */
export type EnrolmentRecord = {
  /** "Not now": no optional nudge until then. */
  snoozedUntilMs: number | null;
  /** "Don't ask again": no optional nudge any more (requirements are still shown). */
  declinedAtMs: number | null;
  /** When each requirement's grace period started: set once, never moved. */
  graceStartedAtMs: Partial<Record<EnrolmentRequirement, number>>;
};

export interface EnrolmentStore {
  /** The user's record, or `null` when they never answered a nudge nor had a requirement. */
  get(userId: string): Promise<EnrolmentRecord | null>;
  /** "Not now" until `untilMs` (a later snooze replaces an earlier one). */
  snooze(userId: string, untilMs: number): Promise<void>;
  /** "Don't ask again" at `atMs` (the first answer is kept). */
  decline(userId: string, atMs: number): Promise<void>;
  /**
   * Atomically starts the grace period of `requirement` at `nowMs` unless it already started:
   * returns the start that holds, so concurrent first requests agree and nobody can restart it.
   */
  startGrace(userId: string, requirement: EnrolmentRequirement, nowMs: number): Promise<number>;
}
