import type { SecondFactorId } from '../core/assurance/types';
import { evaluateEnrolment, meetsRequirement, type EnrolmentStatus } from '../core/enrolment/evaluateEnrolment';
import { listEnrolledFactors } from './listEnrolledFactors';
import type { ServiceContext } from './ServiceContext';

/**
 * What to offer or require of a user about another sign-in method now (evaluateEnrolment over
 * their factors, `enrolment.require`, and what they answered before). The first time a
 * requirement is seen to apply while unmet, its grace period starts (once: the store keeps the
 * first start, so nothing the user does restarts it) and is audited.
 */
export async function enrolmentStatusOf(
  ctx: ServiceContext,
  input: { userId: string; usedFactor?: SecondFactorId | undefined; policyWantedStronger?: boolean },
): Promise<EnrolmentStatus> {
  const { config, stores } = ctx;
  const { enrolment } = config;
  const nowMs = config.clock.nowMs();
  const [enrolled, record, wanted] = await Promise.all([
    listEnrolledFactors(stores, input.userId),
    stores.enrolment.get(input.userId),
    enrolment.require ? enrolment.require(input.userId) : null,
  ]);
  const requirement = wanted === 'second_factor' || wanted === 'phishing_resistant' ? wanted : null;
  let graceStartedAtMs = requirement ? (record?.graceStartedAtMs[requirement] ?? null) : null;
  if (requirement && graceStartedAtMs === null && !meetsRequirement(enrolled, requirement)) {
    graceStartedAtMs = await stores.enrolment.startGrace(input.userId, requirement, nowMs);
    await ctx.audit.record({ type: 'enrolment_required', outcome: 'info', userId: input.userId, reasons: [requirement, `grace_days=${enrolment.graceDays}`] });
  }
  return evaluateEnrolment({
    enrolled,
    usedFactor: input.usedFactor,
    policyWantedStronger: input.policyWantedStronger ?? false,
    requirement,
    graceStartedAtMs,
    graceDays: enrolment.graceDays,
    nudge: enrolment.nudge,
    passkeyUpgrade: enrolment.passkeyUpgrade,
    snoozedUntilMs: record?.snoozedUntilMs ?? null,
    declined: record?.declinedAtMs != null,
    nowMs,
  });
}
