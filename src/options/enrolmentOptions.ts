import { z } from 'zod';
import { ENROLMENT_REQUIREMENTS, type EnrolmentRequirement } from '../core/enrolment/evaluateEnrolment';

/** `enrolment.require` as a function: what this user must add, or `null` for nothing. */
export type EnrolmentRequireFn = (userId: string) => EnrolmentRequirement | null | undefined | Promise<EnrolmentRequirement | null | undefined>;

const requirement = z.enum(ENROLMENT_REQUIREMENTS, { error: `must be one of ${ENROLMENT_REQUIREMENTS.join(', ')}` });

/**
 * `enrolment`: offering a second sign-in method (the interstitial after a step-up), and
 * requiring one of chosen users after a grace period.
 */
export const enrolmentOptionsSchema = z.strictObject({
  /**
   * After a step-up with SMS (or a backup code), offer a user with only one factor a second one,
   * and one with nothing stronger than SMS an authenticator app or a passkey, on a short page
   * before they go on (JSON clients get `enrolment` in the answer instead). @default false
   */
  nudge: z.boolean().optional(),
  /** Also offer a passkey, on browsers that can make one, to users who have other factors but no passkey. @default false */
  passkeyUpgrade: z.boolean().optional(),
  /** How long "Not now" keeps the offer away. @default 7 */
  snoozeDays: z.number().int().min(1).max(365).optional(),
  /**
   * Who must have more: `(userId) => 'second_factor' | 'phishing_resistant' | null`, or
   * `{ groups: { admins: 'phishing_resistant' } }` by the groups `getIdentity` returns.
   */
  require: z
    .union([
      z.custom<EnrolmentRequireFn>((v) => typeof v === 'function'),
      z.strictObject({ groups: z.record(z.string().min(1), requirement) }),
    ], { error: "must be a function (userId) => 'second_factor' | 'phishing_resistant' | null, or { groups: { <group>: 'second_factor' | 'phishing_resistant' } }" })
    .optional(),
  /** Days from when a requirement is first seen to apply until guarded routes refuse (`enrolment_required`). @default 14 */
  graceDays: z.number().int().min(0).max(365).optional(),
});

export type EnrolmentConfig = Readonly<{
  nudge: boolean;
  passkeyUpgrade: boolean;
  snoozeDays: number;
  graceDays: number;
  /** The rule as one function (groups resolved through getIdentity), or `undefined` when none. */
  require: EnrolmentRequireFn | undefined;
}>;

export const ENROLMENT_DEFAULTS = { nudge: false, passkeyUpgrade: false, snoozeDays: 7, graceDays: 14 } as const;

const STRENGTH: Readonly<Record<EnrolmentRequirement, number>> = { second_factor: 1, phishing_resistant: 2 };

/** The validated `enrolment` options with defaults; a `groups` rule becomes a function over `getIdentity`. */
export function buildEnrolmentConfig(
  given: z.output<typeof enrolmentOptionsSchema> | undefined,
  getIdentity: ((userId: string) => unknown) | undefined,
): EnrolmentConfig {
  const g = given ?? {};
  let require: EnrolmentRequireFn | undefined;
  if (typeof g.require === 'function') require = g.require;
  else if (g.require) {
    const byGroup = { ...g.require.groups };
    // The strongest requirement of any group the user is in.
    require = async (userId) => {
      const identity = (await getIdentity?.(userId)) as { groups?: unknown } | null | undefined;
      const groups = Array.isArray(identity?.groups) ? identity.groups : [];
      let strongest: EnrolmentRequirement | null = null;
      for (const group of groups) {
        const wanted = typeof group === 'string' && Object.hasOwn(byGroup, group) ? byGroup[group] : undefined;
        if (wanted && (!strongest || STRENGTH[wanted] > STRENGTH[strongest])) strongest = wanted;
      }
      return strongest;
    };
  }
  return {
    nudge: g.nudge ?? ENROLMENT_DEFAULTS.nudge,
    passkeyUpgrade: g.passkeyUpgrade ?? ENROLMENT_DEFAULTS.passkeyUpgrade,
    snoozeDays: g.snoozeDays ?? ENROLMENT_DEFAULTS.snoozeDays,
    graceDays: g.graceDays ?? ENROLMENT_DEFAULTS.graceDays,
    require,
  };
}
