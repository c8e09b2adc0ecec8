import { percentileFromBuckets, parseLatencyBucketLabel } from './percentileFromBuckets';
import { parseStatSeriesKey } from './statSeriesKey';

/** One bucket of counts keyed by series (statSeriesKey); the shape StatsStore.read returns. */
export type OverviewBucket = { startMs: number; counts: ReadonlyMap<string, number> };

export type CountRow = { labels: Record<string, string>; count: number };
export type RateRow = { key: string; succeeded: number; total: number; rate: number | null };

/** What the admin overview shows for one range: every figure also in a table, so charts are never the only way to read it. */
export type Overview = {
  fromMs: number;
  toMs: number;
  /** Per bucket start: sends, successful verifications, refusals (the time chart). */
  timeline: { startMs: number[]; sent: number[]; verified: number[]; refused: number[] };
  sendsByCountryChannel: CountRow[];
  totals: { sent: number; verified: number; refused: number; lockouts: number; spendMicros: number };
  latency: { p50Seconds: number | null; p95Seconds: number | null; delivered: number };
  /** Successful SMS verifications per SMS sent, per country (a low rate is what pumping looks like). */
  completionByCountry: RateRow[];
  /** Successful verifications per verification attempt, per factor. */
  completionByFactor: RateRow[];
  refusalsByRule: CountRow[];
  breakerOpeningsByCountry: CountRow[];
  spendByCountry: CountRow[];
  lockoutsByFactor: CountRow[];
  stepUpDecisions: CountRow[];
};

const byCountDesc = (a: { count: number }, b: { count: number }) => b.count - a.count;

/**
 * The admin overview from stats buckets: totals per label set, delivery latency percentiles
 * from the latency histogram, and completion rates. Pure: buckets in, figures out; series it
 * does not know (a stat renamed since) are skipped.
 */
export function summarizeOverview(
  buckets: readonly OverviewBucket[],
  range: {
    fromMs: number;
    toMs: number;
    /** The buckets' width: given, the timeline has a point (0 when the store had none) for every bucket in the range. */
    stepMs?: number;
  },
): Overview {
  const grouped = new Map<string, Map<string, CountRow>>();
  const add = (group: string, labels: Record<string, string>, count: number) => {
    let rows = grouped.get(group);
    if (!rows) grouped.set(group, (rows = new Map()));
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    const row = rows.get(key);
    if (row) row.count += count;
    else rows.set(key, { labels: { ...labels }, count });
  };
  const rowsOf = (group: string) => [...(grouped.get(group)?.values() ?? [])].sort(byCountDesc);
  const latencyCounts = new Map<number, number>();
  const timeline: Overview['timeline'] = { startMs: [], sent: [], verified: [], refused: [] };
  const smsSentByCountry = new Map<string, number>();
  const smsVerifiedByCountry = new Map<string, number>();
  const factorTotals = new Map<string, { succeeded: number; total: number }>();
  const totals = { sent: 0, verified: 0, refused: 0, lockouts: 0, spendMicros: 0 };

  const sorted = [...buckets].sort((a, b) => a.startMs - b.startMs);
  for (const bucket of range.stepMs ? withEmptyBuckets(sorted, range.fromMs, range.toMs, range.stepMs) : sorted) {
    let sent = 0;
    let verified = 0;
    let refused = 0;
    for (const [key, count] of bucket.counts) {
      const series = parseStatSeriesKey(key);
      if (!series || !(count > 0)) continue;
      const l = series.labels;
      const country = l.country ?? 'unknown';
      switch (series.name) {
        case 'sms_sent':
          sent += count;
          add('sends', { country, channel: l.channel ?? 'sms' }, count);
          if ((l.channel ?? 'sms') === 'sms') smsSentByCountry.set(country, (smsSentByCountry.get(country) ?? 0) + count);
          break;
        case 'sms_refused':
          refused += count;
          add('refusals', { rule: l.rule ?? 'unknown' }, count);
          break;
        case 'sms_delivery_latency': {
          const bound = parseLatencyBucketLabel(l.le ?? '');
          if (!Number.isNaN(bound)) latencyCounts.set(bound, (latencyCounts.get(bound) ?? 0) + count);
          break;
        }
        case 'verification': {
          const factor = l.factor ?? 'unknown';
          const ok = l.result === 'success';
          const totalsOfFactor = factorTotals.get(factor) ?? { succeeded: 0, total: 0 };
          totalsOfFactor.total += count;
          if (ok) totalsOfFactor.succeeded += count;
          factorTotals.set(factor, totalsOfFactor);
          if (ok) verified += count;
          if (ok && factor === 'sms') smsVerifiedByCountry.set(country, (smsVerifiedByCountry.get(country) ?? 0) + count);
          break;
        }
        case 'lockout':
          totals.lockouts += count;
          add('lockouts', { factor: l.factor ?? 'unknown' }, count);
          break;
        case 'step_up_decision':
          add('decisions', { outcome: l.outcome ?? 'unknown', reason: l.reason ?? 'unknown' }, count);
          break;
        case 'breaker_opened':
          add('breakers', { country }, count);
          break;
        case 'spend_micros':
          totals.spendMicros += count;
          add('spend', { country }, count);
          break;
        default:
          break;
      }
    }
    totals.sent += sent;
    totals.verified += verified;
    totals.refused += refused;
    timeline.startMs.push(bucket.startMs);
    timeline.sent.push(sent);
    timeline.verified.push(verified);
    timeline.refused.push(refused);
  }

  const delivered = [...latencyCounts.values()].reduce((a, b) => a + b, 0);
  const rate = (succeeded: number, total: number) => (total > 0 ? Math.min(1, succeeded / total) : null);
  const countries = new Set([...smsSentByCountry.keys(), ...smsVerifiedByCountry.keys()]);
  return {
    fromMs: range.fromMs,
    toMs: range.toMs,
    timeline,
    sendsByCountryChannel: rowsOf('sends'),
    totals,
    latency: { p50Seconds: percentileFromBuckets(latencyCounts, 0.5), p95Seconds: percentileFromBuckets(latencyCounts, 0.95), delivered },
    completionByCountry: [...countries]
      .map((key) => {
        const succeeded = smsVerifiedByCountry.get(key) ?? 0;
        const total = smsSentByCountry.get(key) ?? 0;
        return { key, succeeded, total, rate: rate(succeeded, total) };
      })
      .sort((a, b) => b.total - a.total || a.key.localeCompare(b.key)),
    completionByFactor: [...factorTotals.entries()]
      .map(([key, t]) => ({ key, succeeded: t.succeeded, total: t.total, rate: rate(t.succeeded, t.total) }))
      .sort((a, b) => b.total - a.total || a.key.localeCompare(b.key)),
    refusalsByRule: rowsOf('refusals'),
    breakerOpeningsByCountry: rowsOf('breakers'),
    spendByCountry: rowsOf('spend'),
    lockoutsByFactor: rowsOf('lockouts'),
    stepUpDecisions: rowsOf('decisions'),
  };
}

/** The store leaves out buckets with no counts: the chart still needs their zero. */
function withEmptyBuckets(sorted: readonly OverviewBucket[], fromMs: number, toMs: number, stepMs: number): OverviewBucket[] {
  const byStart = new Map(sorted.map((b) => [b.startMs, b]));
  const filled: OverviewBucket[] = [];
  for (let startMs = Math.floor(fromMs / stepMs) * stepMs; startMs <= toMs; startMs += stepMs) {
    filled.push(byStart.get(startMs) ?? { startMs, counts: new Map() });
    byStart.delete(startMs);
  }
  // A bucket off the grid (another width) is never dropped.
  return [...filled, ...byStart.values()].sort((a, b) => a.startMs - b.startMs);
}
