import type { AssuranceLevel, SecondFactorId } from '../assurance/types';

/** Risk signals about one request. Absent means "not observed"; observing more never lowers risk. */
export type RiskSignals = {
  /** The device cookie is not one this user has stepped up from before. */
  newDevice?: boolean;
  /** The IP's country is not one this user has signed in from before (false when there is no history). */
  newCountry?: boolean;
  /** Travel from the last sign-in to here would need an implausible speed. */
  impossibleTravel?: boolean;
  ipDenied?: boolean;
  torExit?: boolean;
  datacenterIp?: boolean;
  /** Consecutive second-factor failures on the account right now. */
  consecutiveFailures?: number;
  recentLockout?: boolean;
  /** The bound number changed within the cool-off. */
  phoneChangedRecently?: boolean;
  /** A lookup provider reports a SIM swap for the number in the last 10 days. */
  simSwapRecent?: boolean;
  /** Line type of the bound number (libphonenumber / lookup provider naming, e.g. VOIP). */
  lineType?: string;
  backupCodeUsedRecently?: boolean;
  /** The amount of the transaction being approved. */
  transactionAmount?: number;
};

export const SIGNAL_NAMES = [
  'newDevice', 'newCountry', 'impossibleTravel', 'ipDenied', 'torExit', 'datacenterIp', 'consecutiveFailures',
  'recentLockout', 'phoneChangedRecently', 'simSwapRecent', 'lineType', 'backupCodeUsedRecently', 'transactionAmount',
] as const satisfies readonly (keyof RiskSignals)[];
export type SignalName = (typeof SIGNAL_NAMES)[number];

/**
 * A condition over signals. Only monotone forms exist (a flag is set, a number reaches a
 * threshold, a string is one of a set, and all/any of those), so that observing more risk can
 * never make a rule stop matching.
 */
export type Condition =
  | { signal: SignalName; is?: true }
  | { signal: SignalName; atLeast: number }
  | { signal: SignalName; oneOf: string[] }
  | { all: Condition[] }
  | { any: Condition[] };

export type Effect =
  /** Even an action that needs no second factor needs one now. */
  | { type: 'require_step_up' }
  /** Take factors out of the acceptable set (typically SMS). */
  | { type: 'remove_factors'; factors: SecondFactorId[] }
  | { type: 'require_level'; level: AssuranceLevel }
  /** aal2-phr when the user has a passkey or security key, otherwise no SMS and no backup code. */
  | { type: 'require_strongest_available' }
  | { type: 'max_age'; seconds: number }
  | { type: 'deny' };

/** Facts about the user that rules may depend on but that are not risk. */
export type PolicyContext = { enrolledFactors: readonly SecondFactorId[]; action: string; highRisk: boolean };

export type PolicyRule = {
  /** Stable name: in reasons, audit records and metrics. */
  name: string;
  when: Condition | ((signals: RiskSignals, context: PolicyContext) => boolean);
  then: Effect[];
  /** Actions the rule applies to. @default every action */
  actions?: string[];
  /** Apply only to actions marked high-risk. @default false */
  highRiskOnly?: boolean;
  /** Decide and audit, do not enforce. @default false */
  observeOnly?: boolean;
  /** Added to the decision's score when the rule matches. @default 10 (100 for deny) */
  score?: number;
  /** What the user reads when this rule applies. */
  reason: string;
};

export type OnNoStrongFactor = 'require' | 'backup_code' | 'deny' | 'allow_flagged';

export type PolicyDecision = {
  outcome: 'allow' | 'step-up' | 'deny';
  acceptableFactors: SecondFactorId[];
  level: AssuranceLevel;
  maxAgeSeconds: number;
  /** Rules that applied (enforced), with the words for the user. */
  reasons: { rule: string; text: string }[];
  /** Rules that matched in observe-only mode. */
  observed: string[];
  score: number;
  /** Set when escalation left no factor the user has and the policy let SMS back in. */
  flagged: boolean;
};
