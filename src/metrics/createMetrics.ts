import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../core/clock';
import { priceMicrosOf, type SpendPrices } from './priceMicrosOf';

/**
 * What stepguard counts. Labels are bounded sets (country codes, provider names, rule names,
 * factor ids, action names); never a user, number or IP, so cardinality stays small and
 * /metrics leaks nothing personal. ops/prometheus/stepguard.rules.yml and
 * ops/grafana/stepguard.json read these names (test/unit/opsMetricNames.test.ts keeps them in step).
 */
export type StepGuardMetrics = {
  readonly registry: Registry;
  /** A message handed to a provider; its price (sms.pumping.spend.priceMicros) is added to the spend. */
  smsSent(labels: { country: string | null; provider: string; channel: string }): void;
  smsFailed(labels: { provider: string; outcome: string }): void;
  /** `country` feeds the stats only (the metric keeps {rule, mode}). */
  smsBlocked(labels: { rule: string; mode: 'enforce' | 'observe'; country?: string | null }): void;
  /** `country` feeds the stats only (the metric keeps {provider, status}). */
  deliveryReceipt(labels: { provider: string; status: string; country?: string | null }, latencySeconds: number | null): void;
  /** `country`: the number's, for SMS; `unknown` for factors without one. */
  verification(labels: { factor: string; result: string; country?: string | null }): void;
  /** A second factor just locked by consecutive failures. */
  lockout(labels: { factor: string }): void;
  /** `reason`: the first policy rule that decided (stats only; the metric keeps {action, outcome}). */
  stepUpDecision(labels: { action: string; outcome: string; reason?: string }): void;
  /** A country's breaker opened for `openSeconds` (sets the open-until gauge). */
  breakerOpened(labels: { country: string }, openSeconds?: number): void;
  /** An audit sink dropped events (queue full, gave up retrying). */
  auditSinkDropped(labels: { sink: string }, count?: number): void;
  /** Stats counts lost because the StatsStore could not be written. */
  statsDropped(count: number): void;
  /**
   * A record written after an outcome was decided, alongside the answer rather than before it
   * (issue 12), failed: the breaker's verified count, the risk engine's success record, a
   * delivery record. The outcome stands; see recordAlongside.ts.
   */
  followUpWriteFailed(labels: { write: FollowUpWrite }): void;
};

/** The writes that ride alongside an answer (recordAlongside.ts). A bounded label set. */
export type FollowUpWrite = 'breaker_verified' | 'risk_success' | 'delivery_record' | 'old_session_delete';

export type CreateMetricsOptions = {
  defaultMetrics?: boolean;
  /** Prices and caps (sms.pumping.spend): the spend counter and the cap gauges. @default no prices, no caps */
  spend?: SpendPrices & { hourlyCapMicros?: number | undefined; dailyCapMicros?: number | undefined };
  /** For the breaker's open-until gauge. @default the system clock */
  clock?: Clock;
};

/** A registry of its own per guard, so two guards in one process (tests) do not collide. */
export function createMetrics(options: CreateMetricsOptions = {}): StepGuardMetrics {
  const registry = new Registry();
  const clock = options.clock ?? { nowMs: () => Date.now() };
  const prices: SpendPrices = { priceMicros: options.spend?.priceMicros ?? {} };
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'stepguard_process_' });
  const sent = new Counter({ name: 'stepguard_sms_sent_total', help: 'Messages handed to a provider', labelNames: ['country', 'provider', 'channel'], registers: [registry] });
  const failed = new Counter({ name: 'stepguard_sms_provider_failures_total', help: 'Failed provider attempts', labelNames: ['provider', 'outcome'], registers: [registry] });
  const blocked = new Counter({ name: 'stepguard_sms_blocked_total', help: 'Sends refused (or, observe-only, flagged) by an anti-pumping rule', labelNames: ['rule', 'mode'], registers: [registry] });
  const receipts = new Counter({ name: 'stepguard_sms_receipts_total', help: 'Delivery receipts that changed a message status', labelNames: ['provider', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'stepguard_sms_delivery_latency_seconds',
    help: 'Time from handing a message to the provider to its delivered receipt',
    labelNames: ['provider'],
    buckets: [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 900],
    registers: [registry],
  });
  const verifications = new Counter({ name: 'stepguard_verifications_total', help: 'Second-factor verification results', labelNames: ['factor', 'result', 'country'], registers: [registry] });
  const lockouts = new Counter({ name: 'stepguard_lockouts_total', help: 'Second factors locked by consecutive failures', labelNames: ['factor'], registers: [registry] });
  const decisions = new Counter({ name: 'stepguard_step_up_decisions_total', help: 'Risk-policy decisions', labelNames: ['action', 'outcome'], registers: [registry] });
  const breakers = new Counter({ name: 'stepguard_sms_breaker_opened_total', help: 'Times a country conversion breaker opened', labelNames: ['country'], registers: [registry] });
  const breakerOpenUntil = new Gauge({
    name: 'stepguard_sms_breaker_open_until_timestamp_seconds',
    help: 'Until when (Unix seconds) a country conversion breaker is open, as this node last opened it; open while above time()',
    labelNames: ['country'],
    registers: [registry],
  });
  const spend = new Counter({ name: 'stepguard_sms_spend_micros_total', help: 'Price of the messages handed to a provider (sms.pumping.spend.priceMicros), micro-units', labelNames: ['country'], registers: [registry] });
  const spendCap = new Gauge({ name: 'stepguard_sms_spend_cap_micros', help: 'Configured spend caps (sms.pumping.spend), micro-units per window', labelNames: ['window'], registers: [registry] });
  if (options.spend?.hourlyCapMicros) spendCap.set({ window: 'hour' }, options.spend.hourlyCapMicros);
  if (options.spend?.dailyCapMicros) spendCap.set({ window: 'day' }, options.spend.dailyCapMicros);
  const sinkDropped = new Counter({ name: 'stepguard_audit_sink_dropped_total', help: 'Audit events an audit sink dropped (queue full or retries exhausted)', labelNames: ['sink'], registers: [registry] });
  const statsDropped = new Counter({ name: 'stepguard_stats_dropped_total', help: 'Stats counts lost because the StatsStore could not be written', registers: [registry] });
  const followUpFailed = new Counter({ name: 'stepguard_follow_up_write_failures_total', help: 'Records written alongside an already decided answer that failed (breaker verified count, risk success record, delivery record)', labelNames: ['write'], registers: [registry] });
  return {
    registry,
    breakerOpened: (l, openSeconds) => {
      breakers.inc({ country: l.country });
      if (openSeconds !== undefined) breakerOpenUntil.set({ country: l.country }, clock.nowMs() / 1000 + openSeconds);
    },
    smsSent: (l) => {
      const country = l.country ?? 'unknown';
      sent.inc({ country, provider: l.provider, channel: l.channel });
      const price = priceMicrosOf(prices, l.country);
      if (price > 0) spend.inc({ country }, price);
    },
    smsFailed: (l) => failed.inc(l),
    smsBlocked: (l) => blocked.inc({ rule: l.rule, mode: l.mode }),
    deliveryReceipt: (l, seconds) => {
      receipts.inc({ provider: l.provider, status: l.status });
      if (seconds !== null) latency.observe({ provider: l.provider }, seconds);
    },
    verification: (l) => verifications.inc({ factor: l.factor, result: l.result, country: l.country ?? 'unknown' }),
    lockout: (l) => lockouts.inc(l),
    stepUpDecision: (l) => decisions.inc({ action: l.action, outcome: l.outcome }),
    auditSinkDropped: (l, count = 1) => sinkDropped.inc(l, count),
    statsDropped: (count) => statsDropped.inc(count),
    followUpWriteFailed: (l) => followUpFailed.inc(l),
  };
}
