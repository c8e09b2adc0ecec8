import fc from 'fast-check';
import { parseStatSeriesKey, statSeriesKey } from '../../src/core/stats/statSeriesKey';
import { latencyBucketLabel, parseLatencyBucketLabel, percentileFromBuckets } from '../../src/core/stats/percentileFromBuckets';
import { DELIVERY_LATENCY_BUCKETS_SECONDS, STAT_LABELS, type StatName } from '../../src/core/stats/statNames';

describe('statSeriesKey', () => {
  it('is the same whatever order the labels come in', () => {
    expect(statSeriesKey('sms_sent', { provider: 'p', country: 'DE', channel: 'sms' })).toBe(statSeriesKey('sms_sent', { channel: 'sms', country: 'DE', provider: 'p' }));
    expect(statSeriesKey('sms_sent', { provider: 'p', country: 'DE', channel: 'sms' })).toBe('sms_sent|channel=sms|country=DE|provider=p');
  });

  it('reads back what it wrote, separators in values included', () => {
    const labels = { rule: 'odd|rule=x%', country: 'DE' };
    expect(parseStatSeriesKey(statSeriesKey('sms_refused', labels))).toEqual({ name: 'sms_refused', labels });
  });

  it('refuses a label the stat does not declare: a user, number or IP can never become one', () => {
    expect(() => statSeriesKey('verification', { factor: 'sms', userId: 'alice' })).toThrow(/"userId" is not a label of verification/);
    expect(() => statSeriesKey('sms_sent', { phone: '+4915112345678' })).toThrow(TypeError);
  });

  it('declares no label that could hold a person (user, number, IP, session)', () => {
    const all = Object.values(STAT_LABELS).flat();
    for (const personal of ['user', 'userId', 'phone', 'number', 'ip', 'session', 'email']) expect(all).not.toContain(personal);
  });

  it('parses an unknown stat, a stray label or a broken key as null', () => {
    expect(parseStatSeriesKey('no_such_stat|a=b')).toBeNull();
    expect(parseStatSeriesKey('lockout|userId=alice')).toBeNull();
    expect(parseStatSeriesKey('lockout|factor')).toBeNull();
    expect(parseStatSeriesKey('lockout|factor=%E0%A4%A')).toBeNull();
  });
});

describe('percentileFromBuckets', () => {
  const buckets = (entries: [number, number][]) => new Map(entries);

  it('interpolates inside the bucket the rank falls in, like histogram_quantile', () => {
    // 100 values: 50 under 1 s, 40 in (1, 2], 10 in (2, 5].
    const counts = buckets([[1, 50], [2, 40], [5, 10]]);
    expect(percentileFromBuckets(counts, 0.5)).toBeCloseTo(1);
    expect(percentileFromBuckets(counts, 0.7)).toBeCloseTo(1.5);
    expect(percentileFromBuckets(counts, 0.95)).toBeCloseTo(3.5);
  });

  it('starts the interpolation at the previous bound even when that bucket is empty', () => {
    expect(percentileFromBuckets(buckets([[1, 0], [2, 0], [10, 4]]), 0.5)).toBeCloseTo(6);
  });

  it('answers the last finite bound when the rank is in +Inf', () => {
    expect(percentileFromBuckets(buckets([[15, 1], [Infinity, 9]]), 0.95)).toBe(15);
  });

  it('is null with nothing to rank, and refuses a quantile outside [0, 1]', () => {
    expect(percentileFromBuckets(new Map(), 0.5)).toBeNull();
    expect(percentileFromBuckets(buckets([[1, 0]]), 0.5)).toBeNull();
    expect(() => percentileFromBuckets(buckets([[1, 1]]), 1.5)).toThrow(RangeError);
  });

  it('labels a latency with the smallest bound it fits under, else +Inf, and reads labels back', () => {
    expect(latencyBucketLabel(0.2, DELIVERY_LATENCY_BUCKETS_SECONDS)).toBe('1');
    expect(latencyBucketLabel(15, DELIVERY_LATENCY_BUCKETS_SECONDS)).toBe('15');
    expect(latencyBucketLabel(15.01, DELIVERY_LATENCY_BUCKETS_SECONDS)).toBe('20');
    expect(latencyBucketLabel(5000, DELIVERY_LATENCY_BUCKETS_SECONDS)).toBe('+Inf');
    expect(parseLatencyBucketLabel('+Inf')).toBe(Infinity);
    expect(parseLatencyBucketLabel('15')).toBe(15);
  });
});

describe('statSeriesKey (issue 12 fast path) keeps the canonical form', () => {
  /** The definition: labels sorted by name, each value URI-encoded, joined by `|`. */
  const reference = (name: StatName, labels: Record<string, string>) =>
    [name, ...Object.keys(labels).sort().map((label) => `${label}=${encodeURIComponent(labels[label]!)}`)].join('|');

  it('equals the definition for any declared labels and values, in any order', () => {
    const stat = fc.constantFrom(...(Object.keys(STAT_LABELS) as StatName[]));
    fc.assert(
      fc.property(
        stat.chain((name) =>
          fc.tuple(
            fc.constant(name),
            fc.subarray([...STAT_LABELS[name]]).chain((chosen) => fc.tuple(fc.constant(chosen), fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { minLength: chosen.length, maxLength: chosen.length }))),
          ),
        ),
        ([name, [chosen, values]]) => {
          const labels = Object.fromEntries(chosen.map((label, i) => [label, values[i] as string]).reverse());
          expect(statSeriesKey(name, labels)).toBe(reference(name, labels));
          expect(parseStatSeriesKey(statSeriesKey(name, labels))).toEqual({ name, labels });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('still refuses a label the stat does not declare', () => {
    expect(() => statSeriesKey('sms_sent', { country: 'DE', userId: 'u1' } as Record<string, string>)).toThrow(/userId/);
  });
});
