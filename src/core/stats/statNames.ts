/**
 * The closed set of stats the admin overview reads, each with the labels it carries. Labels are
 * bounded sets (country codes, channel, provider, rule and factor names, outcomes, latency
 * buckets): never a user, number, IP or session, so a bucket stays small and leaks nothing.
 */
export const STAT_LABELS = {
  /** A message handed to a provider. */
  sms_sent: ['country', 'channel', 'provider'],
  /** A send refused by an anti-pumping rule (enforced, not observe-only). */
  sms_refused: ['rule', 'country'],
  /** A provider attempt that failed (error, timeout, rejected...). */
  sms_provider_failure: ['provider', 'outcome'],
  /** A delivery receipt that changed a message's status. */
  sms_receipt: ['country', 'status'],
  /** A delivered receipt's latency, counted in the bucket `le` (seconds, or `+Inf`). */
  sms_delivery_latency: ['le'],
  /** A second-factor verification's result (`success` or the reason it failed). */
  verification: ['factor', 'country', 'result'],
  /** A second factor locked by consecutive failures. */
  lockout: ['factor'],
  /** A risk-policy decision (`outcome` allow/step_up/deny, `reason` the action it was for). */
  step_up_decision: ['outcome', 'reason'],
  /** A country conversion breaker that opened. */
  breaker_opened: ['country'],
  /** Money spent on messages, in millionths of the configured currency unit. */
  spend_micros: ['country'],
} as const satisfies Record<string, readonly string[]>;

export type StatName = keyof typeof STAT_LABELS;

export const STAT_NAMES = Object.keys(STAT_LABELS) as readonly StatName[];

/** The latency buckets (upper bounds in seconds) of `sms_delivery_latency`; `+Inf` catches the rest. */
export const DELIVERY_LATENCY_BUCKETS_SECONDS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 900] as const;

export function isStatName(name: string): name is StatName {
  return Object.prototype.hasOwnProperty.call(STAT_LABELS, name);
}
