import { statSeriesKey } from '../../src/core/stats/statSeriesKey';
import { summarizeOverview, type OverviewBucket } from '../../src/core/stats/summarizeOverview';
import { breakerStatesFrom } from '../../src/core/stats/breakerStatesFrom';

const bucket = (startMs: number, entries: [string, number][]): OverviewBucket => ({ startMs, counts: new Map(entries) });
const range = { fromMs: 0, toMs: 3600_000 };

describe('summarizeOverview', () => {
  const buckets = [
    bucket(60_000, [
      [statSeriesKey('sms_sent', { country: 'DE', channel: 'sms', provider: 'p' }), 10],
      [statSeriesKey('sms_sent', { country: 'FR', channel: 'sms', provider: 'p' }), 4],
      [statSeriesKey('verification', { factor: 'sms', country: 'DE', result: 'success' }), 8],
      [statSeriesKey('verification', { factor: 'sms', country: 'FR', result: 'invalid_code' }), 3],
      [statSeriesKey('sms_refused', { rule: 'per_phone', country: 'DE' }), 2],
    ]),
    // Out of order on purpose: the timeline is sorted by bucket start.
    bucket(0, [
      [statSeriesKey('sms_sent', { country: 'DE', channel: 'voice', provider: 'p' }), 1],
      [statSeriesKey('verification', { factor: 'otp', country: 'DE', result: 'success' }), 1],
      [statSeriesKey('lockout', { factor: 'sms' }), 1],
      [statSeriesKey('spend_micros', { country: 'DE' }), 50_000],
      [statSeriesKey('step_up_decision', { outcome: 'step_up', reason: 'login' }), 5],
      [statSeriesKey('breaker_opened', { country: 'FR' }), 1],
      ['no_such_stat|x=1', 99],
    ]),
  ];

  it('sums sends per country and channel, and keeps a timeline per bucket in time order', () => {
    const o = summarizeOverview(buckets, range);
    expect(o.sendsByCountryChannel).toEqual([
      { labels: { country: 'DE', channel: 'sms' }, count: 10 },
      { labels: { country: 'FR', channel: 'sms' }, count: 4 },
      { labels: { country: 'DE', channel: 'voice' }, count: 1 },
    ]);
    expect(o.timeline).toEqual({ startMs: [0, 60_000], sent: [1, 14], verified: [1, 8], refused: [0, 2] });
    expect(o.totals).toEqual({ sent: 15, verified: 9, refused: 2, lockouts: 1, spendMicros: 50_000 });
  });

  it('completion per country is SMS verified per SMS sent; per factor, successes per attempt', () => {
    const o = summarizeOverview(buckets, range);
    expect(o.completionByCountry).toEqual([
      { key: 'DE', succeeded: 8, total: 10, rate: 0.8 },
      { key: 'FR', succeeded: 0, total: 4, rate: 0 },
    ]);
    expect(o.completionByFactor).toEqual([
      { key: 'sms', succeeded: 8, total: 11, rate: 8 / 11 },
      { key: 'otp', succeeded: 1, total: 1, rate: 1 },
    ]);
  });

  it('refusals by rule, breakers, lockouts, spend and step-up decisions each get their rows; unknown series are skipped', () => {
    const o = summarizeOverview(buckets, range);
    expect(o.refusalsByRule).toEqual([{ labels: { rule: 'per_phone' }, count: 2 }]);
    expect(o.breakerOpeningsByCountry).toEqual([{ labels: { country: 'FR' }, count: 1 }]);
    expect(o.lockoutsByFactor).toEqual([{ labels: { factor: 'sms' }, count: 1 }]);
    expect(o.spendByCountry).toEqual([{ labels: { country: 'DE' }, count: 50_000 }]);
    expect(o.stepUpDecisions).toEqual([{ labels: { outcome: 'step_up', reason: 'login' }, count: 5 }]);
  });

  it('delivery latency p50 and p95 come from the histogram buckets', () => {
    const latency = (le: string, n: number): [string, number] => [statSeriesKey('sms_delivery_latency', { le }), n];
    const o = summarizeOverview([bucket(0, [latency('1', 50), latency('5', 40), latency('30', 10)])], range);
    expect(o.latency.delivered).toBe(100);
    expect(o.latency.p50Seconds).toBe(1);
    expect(o.latency.p95Seconds).toBeCloseTo(5 + 25 * 0.5);
  });

  it('with the bucket width, every bucket of the range is a point on the timeline, zero where the store had none', () => {
    const o = summarizeOverview([bucket(120_000, [[statSeriesKey('sms_sent', { country: 'DE', channel: 'sms', provider: 'p' }), 2]])], { fromMs: 30_000, toMs: 200_000, stepMs: 60_000 });
    expect(o.timeline).toEqual({ startMs: [0, 60_000, 120_000, 180_000], sent: [0, 0, 2, 0], verified: [0, 0, 0, 0], refused: [0, 0, 0, 0] });
  });

  it('nothing in range: empty rows, rates and percentiles null, never NaN', () => {
    const o = summarizeOverview([], range);
    expect(o.totals.sent).toBe(0);
    expect(o.latency).toEqual({ p50Seconds: null, p95Seconds: null, delivered: 0 });
    expect(o.completionByCountry).toEqual([]);
  });
});

describe('breakerStatesFrom', () => {
  const opened = (country: string, startMs: number) => bucket(startMs, [[statSeriesKey('breaker_opened', { country }), 1]]);

  it('a breaker opened within openSeconds of now is open at least until then; older openings are not claimed', () => {
    const nowMs = 3600_000;
    const states = breakerStatesFrom([opened('NG', nowMs - 120_000), opened('ID', nowMs - 700_000), opened('NG', nowMs - 900_000)], { nowMs, openSeconds: 600 });
    expect(states).toEqual([{ country: 'NG', lastOpenedAtMs: nowMs - 120_000, openAtLeastUntilMs: nowMs + 480_000 }]);
  });

  it('no openings, no open breakers', () => {
    expect(breakerStatesFrom([], { nowMs: 0, openSeconds: 600 })).toEqual([]);
  });
});
