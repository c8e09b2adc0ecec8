import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * What stepguard counts. Labels are bounded sets (country codes, provider names, rule names,
 * factor ids, action names); never a user, number or IP, so cardinality stays small and
 * /metrics leaks nothing personal.
 */
export type StepGuardMetrics = {
  readonly registry: Registry;
  smsSent(labels: { country: string | null; provider: string; channel: string }): void;
  smsFailed(labels: { provider: string; outcome: string }): void;
  smsBlocked(labels: { rule: string; mode: 'enforce' | 'observe' }): void;
  deliveryReceipt(labels: { provider: string; status: string }, latencySeconds: number | null): void;
  verification(labels: { factor: string; result: string }): void;
  stepUpDecision(labels: { action: string; outcome: string }): void;
  breakerOpened(labels: { country: string }): void;
};

/** A registry of its own per guard, so two guards in one process (tests) do not collide. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): StepGuardMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'stepguard_process_' });
  const sent = new Counter({ name: 'stepguard_sms_sent_total', help: 'Messages handed to a provider', labelNames: ['country', 'provider', 'channel'], registers: [registry] });
  const failed = new Counter({ name: 'stepguard_sms_provider_failures_total', help: 'Failed provider attempts', labelNames: ['provider', 'outcome'], registers: [registry] });
  const blocked = new Counter({ name: 'stepguard_sms_blocked_total', help: 'Sends refused (or, observe-only, flagged) by an anti-pumping rule', labelNames: ['rule', 'mode'], registers: [registry] });
  const receipts = new Counter({ name: 'stepguard_sms_receipts_total', help: 'Delivery receipts that changed a message status', labelNames: ['provider', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'stepguard_sms_delivery_latency_seconds',
    help: 'Time from handing a message to the provider to its delivered receipt',
    labelNames: ['provider'],
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 900],
    registers: [registry],
  });
  const verifications = new Counter({ name: 'stepguard_verifications_total', help: 'Second-factor verification results', labelNames: ['factor', 'result'], registers: [registry] });
  const decisions = new Counter({ name: 'stepguard_step_up_decisions_total', help: 'Risk-policy decisions', labelNames: ['action', 'outcome'], registers: [registry] });
  const breakers = new Counter({ name: 'stepguard_sms_breaker_opened_total', help: 'Times a country conversion breaker opened', labelNames: ['country'], registers: [registry] });
  return {
    registry,
    breakerOpened: (l) => breakers.inc(l),
    smsSent: (l) => sent.inc({ country: l.country ?? 'unknown', provider: l.provider, channel: l.channel }),
    smsFailed: (l) => failed.inc(l),
    smsBlocked: (l) => blocked.inc(l),
    deliveryReceipt: (l, seconds) => {
      receipts.inc(l);
      if (seconds !== null) latency.observe({ provider: l.provider }, seconds);
    },
    verification: (l) => verifications.inc(l),
    stepUpDecision: (l) => decisions.inc(l),
  };
}
