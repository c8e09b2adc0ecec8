import { DELIVERY_LATENCY_BUCKETS_SECONDS } from '../core/stats/statNames';
import { latencyBucketLabel } from '../core/stats/percentileFromBuckets';
import type { StatsRecorder } from '../service/createStatsRecorder';
import type { StepGuardMetrics } from './createMetrics';
import { priceMicrosOf, type SpendPrices } from './priceMicrosOf';

/**
 * The metrics object, each call also recorded as a stat: one place, so every path that counts a
 * Prometheus metric feeds the admin overview and none can forget to. Recording only adds to the
 * node-local sums (see createStatsRecorder); nothing here touches a store.
 */
export function recordStatsFromMetrics(metrics: StepGuardMetrics, stats: Pick<StatsRecorder, 'record'>, prices: SpendPrices = { priceMicros: {} }): StepGuardMetrics {
  const country = (c: string | null | undefined) => c ?? 'unknown';
  return {
    registry: metrics.registry,
    smsSent: (l) => {
      metrics.smsSent(l);
      const price = priceMicrosOf(prices, l.country);
      stats.record([
        { name: 'sms_sent', labels: { country: country(l.country), channel: l.channel, provider: l.provider } },
        ...(price > 0 ? [{ name: 'spend_micros' as const, labels: { country: country(l.country) }, by: price }] : []),
      ]);
    },
    smsFailed: (l) => {
      metrics.smsFailed(l);
      stats.record([{ name: 'sms_provider_failure', labels: { provider: l.provider, outcome: l.outcome } }]);
    },
    smsBlocked: (l) => {
      metrics.smsBlocked(l);
      // Observe-only rules refuse nothing: the overview's refusals are the enforced ones.
      if (l.mode === 'enforce') stats.record([{ name: 'sms_refused', labels: { rule: l.rule, country: country(l.country) } }]);
    },
    deliveryReceipt: (l, latencySeconds) => {
      metrics.deliveryReceipt(l, latencySeconds);
      stats.record([
        { name: 'sms_receipt', labels: { country: country(l.country), status: l.status } },
        ...(latencySeconds !== null ? [{ name: 'sms_delivery_latency' as const, labels: { le: latencyBucketLabel(latencySeconds, DELIVERY_LATENCY_BUCKETS_SECONDS) } }] : []),
      ]);
    },
    verification: (l) => {
      metrics.verification(l);
      stats.record([{ name: 'verification', labels: { factor: l.factor, country: country(l.country), result: l.result } }]);
    },
    lockout: (l) => {
      metrics.lockout(l);
      stats.record([{ name: 'lockout', labels: { factor: l.factor } }]);
    },
    stepUpDecision: (l) => {
      metrics.stepUpDecision(l);
      stats.record([{ name: 'step_up_decision', labels: { outcome: l.outcome, reason: l.reason ?? 'none' } }]);
    },
    breakerOpened: (l, openSeconds) => {
      metrics.breakerOpened(l, openSeconds);
      stats.record([{ name: 'breaker_opened', labels: { country: l.country } }]);
    },
    auditSinkDropped: (l, count) => metrics.auditSinkDropped(l, count),
    statsDropped: (count) => metrics.statsDropped(count),
    followUpWriteFailed: (l) => metrics.followUpWriteFailed(l),
  };
}
