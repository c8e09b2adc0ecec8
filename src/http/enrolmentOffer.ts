import type { SecondFactorId } from '../core/assurance/types';
import type { EnrolmentReason, EnrolmentRequirement, EnrolmentStatus, EnrolmentSuggestion } from '../core/enrolment/evaluateEnrolment';
import type { PolicyDecision } from '../core/policy/types';
import type { GuardInternals } from './GuardInternals';

/**
 * What a step-up's answer says about adding a sign-in method (`enrolment` in the JSON; the
 * interstitial for browsers): what to add, why, and a requirement's deadline.
 */
export type EnrolmentOffer = {
  suggested: EnrolmentSuggestion[];
  reason: EnrolmentReason;
  required?: EnrolmentRequirement;
  /** ISO 8601: from then on guarded routes refuse with `enrolment_required`. */
  requiredBy?: string;
  daysLeft?: number;
};

/** Where the enrolment page is, on the way to `next` (the offer says why, so the page can show it again). */
export function enrolPageHref(basePath: string, next: string | undefined, offer?: EnrolmentOffer): string {
  const stronger = offer?.reason === 'no_strong_factor' ? '&for=no_strong_factor' : '';
  return `${basePath}/enrol?returnTo=${encodeURIComponent(next ?? '/')}${stronger}`;
}

/** The offer in a status, or `undefined` when there is nothing to offer. */
export function enrolmentOfferOf(status: EnrolmentStatus): EnrolmentOffer | undefined {
  if (!status.offer || !status.reason || status.suggested.length === 0) return undefined;
  return {
    suggested: status.suggested,
    reason: status.reason,
    ...(status.required ? { required: status.required } : {}),
    ...(status.requiredByMs !== null ? { requiredBy: new Date(status.requiredByMs).toISOString() } : {}),
    ...(status.daysLeft !== null ? { daysLeft: status.daysLeft } : {}),
  };
}

/** Whether the policy decision behind a step-up wanted more than SMS (took it out, or let it through only flagged). */
export function policyWantedStronger(internals: GuardInternals, action: string, decision: PolicyDecision | undefined): boolean {
  if (!decision) return false;
  const offersSms = internals.config.actions[action]?.factors.includes('sms') ?? false;
  return decision.flagged || (offersSms && !decision.acceptableFactors.includes('sms'));
}

/**
 * After a step-up: the offer to make, if any. Costs nothing unless `enrolment.nudge` or
 * `enrolment.require` is set. An offer is a convenience, so a store that cannot answer leaves
 * it out (logged) rather than failing a step-up that already succeeded; the requirement itself
 * is enforced, fail closed, by requireStepUp.
 */
export async function enrolmentAfterStepUp(
  internals: GuardInternals,
  userId: string,
  factor: SecondFactorId,
  wantedStronger: boolean,
): Promise<EnrolmentOffer | undefined> {
  const { enrolment } = internals.config;
  if (!enrolment.nudge && !enrolment.require) return undefined;
  try {
    return enrolmentOfferOf(await internals.service.enrolmentStatus({ userId, usedFactor: factor, policyWantedStronger: wantedStronger }));
  } catch (err) {
    internals.logger?.error({ event: 'enrolment_offer_failed', err: err instanceof Error ? err.message : String(err) }, 'Could not work out an enrolment offer; the step-up goes on without one');
    return undefined;
  }
}
