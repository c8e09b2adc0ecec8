import fc from 'fast-check';
import { SECOND_FACTORS, type SecondFactorId } from '../../src/core/assurance/types';
import { LINE_TYPES } from '../../src/core/phone/lineTypes';
import type { RiskSignals } from '../../src/core/policy/types';
import { decodeRiskDecisionCache, encodeRiskDecisionCache, type CachedRiskEntry, type RiskDecisionCache } from '../../src/risk/riskDecisionCache';

const COOKIE = 'fXFR_AdM1P8T6Wy7CZg1-Q.Yjc3Uh-Al-8M1k3P2Bq2gv';
const AT_MS = 1_768_467_600_000;

function cache(entries: [string, CachedRiskEntry][], ip = '10.1.1.1', deviceCookie = COOKIE): RiskDecisionCache {
  return { ip, deviceCookie, entries: new Map(entries) };
}

const FLAG_SIGNALS = ['newDevice', 'newCountry', 'impossibleTravel', 'ipDenied', 'torExit', 'datacenterIp', 'recentLockout', 'phoneChangedRecently', 'simSwapRecent', 'backupCodeUsedRecently'] as const;

const signalsArb: fc.Arbitrary<RiskSignals> = fc
  .record(
    {
      ...Object.fromEntries(FLAG_SIGNALS.map((f) => [f, fc.constant(true as const)])),
      consecutiveFailures: fc.integer({ min: 1, max: 999_999_999 }),
      lineType: fc.oneof(fc.constantFrom(...LINE_TYPES), fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' })),
    },
    { requiredKeys: [] },
  )
  .map((s) => s as RiskSignals);

const entryArb: fc.Arbitrary<CachedRiskEntry> = fc.record({
  atMs: fc.integer({ min: 0, max: 4_102_444_800 }).map((seconds) => seconds * 1000),
  signals: signalsArb,
  enrolledFactors: fc.uniqueArray(fc.constantFrom(...SECOND_FACTORS), { maxLength: 5 }).map((f) => f as SecondFactorId[]),
});

const actionArb = fc.stringMatching(/^[a-z][a-z0-9_-]{0,31}$/);

const cacheArb: fc.Arbitrary<RiskDecisionCache> = fc
  .record({
    ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('')),
    deviceCookie: fc.oneof(fc.constant(COOKIE), fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' })),
    entries: fc.uniqueArray(fc.tuple(actionArb, entryArb), { minLength: 1, maxLength: 4, selector: ([action]) => action }),
  })
  .map(({ ip, deviceCookie, entries }) => cache(entries, ip, deviceCookie));

describe('riskDecisionCache', () => {
  it('writes the common case (a step-up, no risk signal but the line type, SMS enrolled) in a few dozen bytes', () => {
    const value = encodeRiskDecisionCache(cache([['login', { atMs: AT_MS, signals: { lineType: 'FIXED_LINE_OR_MOBILE' }, enrolledFactors: ['sms'] }]]));
    expect(value).toBe(`1|10.1.1.1|${COOKIE}|login,t8wec0,lB,s`);
    // Beyond the context (the IP and the 45-character cookie), one action costs 17 bytes.
    expect(value!.length - `1|10.1.1.1|${COOKIE}`.length).toBeLessThanOrEqual(20);
  });

  it('reads back what it wrote, every signal included', () => {
    const signals: RiskSignals = { newDevice: true, newCountry: true, impossibleTravel: true, recentLockout: true, consecutiveFailures: 3, lineType: 'VoIP carrier|odd,~%' };
    const written = cache([
      ['login', { atMs: AT_MS, signals, enrolledFactors: ['otp', 'sms'] }],
      ['transfer', { atMs: AT_MS + 5000, signals: {}, enrolledFactors: [] }],
    ], '2001:db8::1');
    expect(decodeRiskDecisionCache(encodeRiskDecisionCache(written))).toEqual(written);
  });

  it('keeps the time in whole seconds, rounded down: an entry can only look older than it is', () => {
    const value = encodeRiskDecisionCache(cache([['login', { atMs: AT_MS + 999, signals: {}, enrolledFactors: [] }]]));
    expect(decodeRiskDecisionCache(value)?.entries.get('login')?.atMs).toBe(AT_MS);
  });

  it('leaves out what it cannot represent (a miss later, never a wrong hit)', () => {
    const entry = { atMs: AT_MS, signals: {}, enrolledFactors: [] as SecondFactorId[] };
    expect(encodeRiskDecisionCache(cache([['Bad Action', entry]]))).toBeUndefined();
    expect(encodeRiskDecisionCache(cache([['constructor', entry]]))).toBeDefined();
    expect(encodeRiskDecisionCache(cache([['transfer', { ...entry, signals: { transactionAmount: 12.5 } }]]))).toBeUndefined();
    expect(encodeRiskDecisionCache(cache([['login', { ...entry, signals: { consecutiveFailures: 1.5 } }]]))).toBeUndefined();
    expect(encodeRiskDecisionCache(cache([['login', { ...entry, signals: { lineType: '\ud800' } }]]))).toBeUndefined();
    expect(encodeRiskDecisionCache(cache([['login', entry]], '\ud800'))).toBeUndefined();
    expect(encodeRiskDecisionCache(cache([['login', entry]], '10.1.1.1', ''))).toBeUndefined();
    expect(encodeRiskDecisionCache(cache([['login', { ...entry, enrolledFactors: ['pwd' as SecondFactorId] }]]))).toBeUndefined();
    // One bad entry does not cost the others theirs.
    expect(decodeRiskDecisionCache(encodeRiskDecisionCache(cache([['Bad Action', entry], ['login', entry]])))?.entries.size).toBe(1);
  });

  it.each([
    ['nothing', undefined],
    ['a number', 42],
    ['an object (the format before issue 12)', { login: { contextKey: '10.1.1.1|x', atMs: AT_MS, decision: { outcome: 'allow' } } }],
    ['an empty string', ''],
    ['no entry', `1|10.1.1.1|${COOKIE}`],
    ['another version', `2|10.1.1.1|${COOKIE}|login,t8wec0,lB,s`],
    ['a missing field', `1|10.1.1.1|${COOKIE}|login,t8wec0,lB`],
    ['an extra field', `1|10.1.1.1|${COOKIE}|login,t8wec0,lB,s,allow`],
    ['an empty device cookie', '1|10.1.1.1||login,t8wec0,lB,s'],
    ['a time with a leading zero', `1|10.1.1.1|${COOKIE}|login,0t8wec0,lB,s`],
    ['a time that is not base 36', `1|10.1.1.1|${COOKIE}|login,t8w-c0,lB,s`],
    ['an unknown signal', `1|10.1.1.1|${COOKIE}|login,t8wec0,z,s`],
    ['flags out of order', `1|10.1.1.1|${COOKIE}|login,t8wec0,c~d,s`],
    ['a flag twice', `1|10.1.1.1|${COOKIE}|login,t8wec0,d~d,s`],
    ['zero failures', `1|10.1.1.1|${COOKIE}|login,t8wec0,f0,s`],
    ['failures with a sign', `1|10.1.1.1|${COOKIE}|login,t8wec0,f-1,s`],
    ['an unknown line type letter', `1|10.1.1.1|${COOKIE}|login,t8wec0,lZ,s`],
    ['a known line type spelled out', `1|10.1.1.1|${COOKIE}|login,t8wec0,LMOBILE,s`],
    ['two line types', `1|10.1.1.1|${COOKIE}|login,t8wec0,lB~lM,s`],
    ['an unknown factor', `1|10.1.1.1|${COOKIE}|login,t8wec0,lB,p`],
    ['a factor twice', `1|10.1.1.1|${COOKIE}|login,t8wec0,lB,ss`],
    ['an action twice', `1|10.1.1.1|${COOKIE}|login,t8wec0,,s|login,t8wec0,,s`],
    ['an action outside the options pattern', `1|10.1.1.1|${COOKIE}|Login,t8wec0,,s`],
    ['a broken escape', `1|10.1.1.1%|${COOKIE}|login,t8wec0,,s`],
    ['a lower-case escape', `1|2001%3adb8%3A%3A1|${COOKIE}|login,t8wec0,,s`],
    ['an unescaped character', `1|10.1.1.1 |${COOKIE}|login,t8wec0,,s`],
    ['a huge value', `1|10.1.1.1|${COOKIE}|${'login,t8wec0,,s|'.repeat(300)}x`],
  ])('reads %s as no cache', (_name, value) => {
    expect(decodeRiskDecisionCache(value)).toBeUndefined();
  });

  it('round-trips every cache it can write (property)', () => {
    fc.assert(
      fc.property(cacheArb, (written) => {
        const value = encodeRiskDecisionCache(written);
        expect(value).toBeDefined();
        expect(decodeRiskDecisionCache(value)).toEqual(written);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on any input, and reads only exactly what it writes (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.anything()), (value) => {
        const read = decodeRiskDecisionCache(value);
        if (read !== undefined) expect(encodeRiskDecisionCache(read)).toBe(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads any one-character change of a written value as no cache or as exactly what the changed value says (property)', () => {
    fc.assert(
      fc.property(cacheArb, fc.nat(), fc.constantFrom('|', ',', '~', '%', 'a', 'Z', '0', '', '\u00e9'), (written, at, ch) => {
        const value = encodeRiskDecisionCache(written)!;
        const i = at % value.length;
        const changed = value.slice(0, i) + ch + value.slice(i + 1);
        const read = decodeRiskDecisionCache(changed);
        if (read !== undefined) expect(encodeRiskDecisionCache(read)).toBe(changed);
      }),
      { numRuns: 1000 },
    );
  });
});
