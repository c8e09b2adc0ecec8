import { PHISHING_RESISTANT_FACTORS, type SecondFactorId } from '../assurance/types';

/** What an `enrolment.require` rule can ask of a user. */
export const ENROLMENT_REQUIREMENTS = ['second_factor', 'phishing_resistant'] as const;
/**
 * - `second_factor`: a second way in besides the one the user has (two of: phone, authenticator
 *   app, passkey, backup codes), so losing one is not a lock-out (the "N+1" rule);
 * - `phishing_resistant`: a passkey or security key.
 */
export type EnrolmentRequirement = (typeof ENROLMENT_REQUIREMENTS)[number];

/** What the interstitial and the JSON answer offer to add, best first. */
export type EnrolmentSuggestion = 'passkey' | 'otp' | 'backup';

/** Why the user is asked: a rule requires it, the policy wanted something stronger, a single factor, or a passkey upgrade. */
export type EnrolmentReason = 'required' | 'no_strong_factor' | 'single_factor' | 'passkey_upgrade';

export type EnrolmentInput = {
  /** The user's second factors (session names: sms, otp, hwk, swk, backup). */
  enrolled: readonly SecondFactorId[];
  /** The factor that just finished a step-up; absent when a guarded route asks. */
  usedFactor?: SecondFactorId | undefined;
  /** The risk policy took SMS out (or let it through only flagged) for this step-up. */
  policyWantedStronger?: boolean;
  /** What an `enrolment.require` rule asks of this user, if anything. */
  requirement: EnrolmentRequirement | null;
  /** When the grace period for `requirement` started (kept in the store); `null` when not yet. */
  graceStartedAtMs: number | null;
  graceDays: number;
  /** Optional nudges are on (`enrolment.nudge`). */
  nudge: boolean;
  /** Offer passkeys to users who have other factors but no passkey (`enrolment.passkeyUpgrade`). */
  passkeyUpgrade: boolean;
  snoozedUntilMs: number | null;
  declined: boolean;
  nowMs: number;
};

export type EnrolmentStatus = {
  /** Factors worth adding now, best first; empty when nothing is asked. */
  suggested: EnrolmentSuggestion[];
  /** The requirement the user does not meet yet. */
  required: EnrolmentRequirement | null;
  /** When the grace period ends (the requirement is enforced from then on). */
  requiredByMs: number | null;
  /** Whole days left, rounded up ("3 days left"); 0 once it is over. */
  daysLeft: number | null;
  /** The grace period is over and the requirement still unmet: guarded routes refuse. */
  overdue: boolean;
  /** Show the interstitial after this step-up (and tell JSON clients). */
  offer: boolean;
  reason: EnrolmentReason | null;
};

const DAY_MS = 86_400_000;
/** Factors whose step-up may lead to an optional nudge: the ones a second factor would back up or replace. */
const NUDGE_AFTER: readonly SecondFactorId[] = ['sms', 'backup'];

/** Which of the things worth having a user lacks, in the order they are offered. */
function missing(enrolled: readonly SecondFactorId[], wanted: readonly EnrolmentSuggestion[]): EnrolmentSuggestion[] {
  return wanted.filter((s) => (s === 'passkey' ? !enrolled.some((f) => PHISHING_RESISTANT_FACTORS.includes(f)) : !enrolled.includes(s)));
}

/** Distinct ways in: phone, authenticator app, passkey (device-bound or synced count as one), backup codes. */
export function kindsOfFactors(enrolled: readonly SecondFactorId[]): number {
  return new Set(enrolled.map((f) => (f === 'hwk' || f === 'swk' ? 'passkey' : f))).size;
}

/** Whether the enrolled factors meet a requirement. */
export function meetsRequirement(enrolled: readonly SecondFactorId[], requirement: EnrolmentRequirement): boolean {
  if (requirement === 'phishing_resistant') return enrolled.some((f) => PHISHING_RESISTANT_FACTORS.includes(f));
  return kindsOfFactors(enrolled) >= 2;
}

/**
 * What to ask of a user about enrolling another factor, as a pure function of their factors,
 * the rule that applies to them and what they said before (snoozed, declined):
 *
 * - a requirement they do not meet is always shown (snoozing and declining do not touch it), with
 *   the days left of its grace period, and is `overdue` once that is over;
 * - otherwise, only right after a step-up with SMS or a backup code and only while not snoozed
 *   or declined: something stronger when the policy wanted it (or a backup code had to be used)
 *   and they have neither an authenticator app nor a passkey; any second factor when they have
 *   only one; with `passkeyUpgrade`, a passkey after an SMS step-up when they have none.
 */
export function evaluateEnrolment(input: EnrolmentInput): EnrolmentStatus {
  const { enrolled, nowMs } = input;
  const none: EnrolmentStatus = { suggested: [], required: null, requiredByMs: null, daysLeft: null, overdue: false, offer: false, reason: null };
  if (input.requirement && !meetsRequirement(enrolled, input.requirement)) {
    const startedAtMs = input.graceStartedAtMs ?? nowMs;
    const requiredByMs = startedAtMs + input.graceDays * DAY_MS;
    const suggested = input.requirement === 'phishing_resistant' ? ['passkey' as const] : missing(enrolled, ['passkey', 'otp', 'backup']);
    return {
      suggested,
      required: input.requirement,
      requiredByMs,
      daysLeft: Math.max(0, Math.ceil((requiredByMs - nowMs) / DAY_MS)),
      overdue: nowMs >= requiredByMs,
      offer: true,
      reason: 'required',
    };
  }
  const used = input.usedFactor;
  if (!input.nudge || !used || !NUDGE_AFTER.includes(used) || input.declined) return none;
  if (input.snoozedUntilMs !== null && nowMs < input.snoozedUntilMs) return none;
  const strong = missing(enrolled, ['passkey', 'otp']);
  const hasStrong = strong.length < 2;
  let suggested: EnrolmentSuggestion[] = [];
  let reason: EnrolmentReason | null = null;
  if (!hasStrong && (input.policyWantedStronger || used === 'backup')) {
    suggested = strong;
    reason = 'no_strong_factor';
  } else if (kindsOfFactors(enrolled) <= 1) {
    suggested = missing(enrolled, ['passkey', 'otp', 'backup']);
    reason = 'single_factor';
  } else if (input.passkeyUpgrade && used === 'sms') {
    suggested = missing(enrolled, ['passkey']);
    reason = suggested.length ? 'passkey_upgrade' : null;
  }
  if (suggested.length === 0) return none;
  return { ...none, suggested, offer: true, reason };
}
