/**
 * Factors as recorded in the session. `pwd` is the first factor; the rest are second factors.
 * `hwk`/`swk` are WebAuthn with a hardware-bound or a synced (software) key.
 */
export const FACTORS = ['pwd', 'sms', 'otp', 'hwk', 'swk', 'backup'] as const;
export type FactorId = (typeof FACTORS)[number];

export const SECOND_FACTORS = ['sms', 'otp', 'hwk', 'swk', 'backup'] as const;
export type SecondFactorId = (typeof SECOND_FACTORS)[number];

export const PHISHING_RESISTANT_FACTORS: readonly SecondFactorId[] = ['hwk', 'swk'];

/** Assurance levels, weakest first. */
export const LEVELS = ['aal1', 'aal2', 'aal2-phr'] as const;
export type AssuranceLevel = (typeof LEVELS)[number];

/** When each factor was last verified in this session, in epoch milliseconds. */
export type FactorTimes = Partial<Record<FactorId, number>>;

/**
 * Which enrolled instance each session factor was verified with (a phone hash, a factor id),
 * so a factor removed or added during a cool-off can be told apart from the one the user had.
 */
export type FactorRefs = Partial<Record<SecondFactorId, string>>;

/** What an action demands of the session. */
export type ActionRequirement = {
  level: AssuranceLevel;
  /** Second factors that may satisfy the step-up. */
  factors: readonly SecondFactorId[];
  /** How old the satisfying second factor may be. */
  maxAgeSeconds: number;
  /** Whether the step-up must be issued for the exact transaction (e.g. amount and payee). */
  bindTransaction: boolean;
  /** High-risk actions ignore trust shortcuts and are refused weak evidence first. */
  highRisk: boolean;
};
