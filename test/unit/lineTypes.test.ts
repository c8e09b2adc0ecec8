import fc from 'fast-check';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import { Metadata } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/metadata.max.json';
import { DEFAULTS } from '../../src/config';
import { normalizePhone } from '../../src/core/phone/normalizePhone';
import { DEFAULT_BLOCKED_LINE_TYPES, LINE_TYPE_DECISIONS, LINE_TYPES, lineTypeForPolicy, type LineType } from '../../src/core/phone/lineTypes';
import { createPumpingGuard, type SendAttempt } from '../../src/sms/createPumpingGuard';
import { PUMPING_DEFAULTS } from '../../src/sms/pumpingRules';
import { MemoryBreakerStore } from '../../src/stores/memory/MemoryBreakerStore';
import { MemoryCounterStore } from '../../src/stores/memory/MemoryCounterStore';
import { MemoryRateLimitStore } from '../../src/stores/memory/MemoryRateLimitStore';
import { fakeClock } from '../helpers/fakeClock';

// One number per type libphonenumber reports, and whether the default policy sends it codes.
const EXAMPLES: [LineType, string, 'allowed' | 'blocked'][] = [
  ['MOBILE', '+447911123456', 'allowed'],
  ['FIXED_LINE_OR_MOBILE', '+14155550123', 'allowed'],
  ['FIXED_LINE', '+442071234567', 'blocked'],
  ['TOLL_FREE', '+448001234567', 'blocked'],
  ['PREMIUM_RATE', '+449012345678', 'blocked'],
  ['SHARED_COST', '+33842890887', 'blocked'],
  ['VOIP', '+445612345678', 'blocked'],
  ['PERSONAL_NUMBER', '+447011234567', 'blocked'],
  ['PAGER', '+447640123456', 'blocked'],
  ['UAN', '+445511234567', 'blocked'],
  ['VOICEMAIL', '+4781340732', 'blocked'],
];

describe('line types', () => {
  it.each(EXAMPLES)('%s (%s) is %s by default', (type, number, verdict) => {
    const parsed = normalizePhone(number);
    expect(parsed).toMatchObject({ ok: true, lineType: type });
    expect(DEFAULTS.phone.blockedLineTypes.includes(lineTypeForPolicy(parsed.ok ? parsed.lineType : undefined))).toBe(verdict === 'blocked');
  });

  it('covers every type, UNKNOWN included, and the default list is the decision table', () => {
    expect(new Set([...EXAMPLES.map(([type]) => type), 'UNKNOWN'])).toEqual(new Set(LINE_TYPES));
    expect(DEFAULTS.phone.blockedLineTypes).toEqual(DEFAULT_BLOCKED_LINE_TYPES);
    expect(LINE_TYPES.filter((type) => !LINE_TYPE_DECISIONS[type].blocked)).toEqual(['MOBILE', 'FIXED_LINE_OR_MOBILE']);
  });

  it('gives every valid number a type: undefined never comes out of a successful normalisation', () => {
    // Why: with the max metadata every numbering plan has type patterns, and a number is valid
    // only when it matches one of them.
    // (Metadata's declared types omit hasTypes; a country or a calling code selects a plan.)
    const plans = new Metadata(metadata) as unknown as { selectNumberingPlan(plan: string): void; hasTypes(): boolean };
    const plansWithoutTypes = [...getCountries(), ...Object.keys(metadata.nonGeographic ?? {})].filter((plan) => {
      plans.selectNumberingPlan(plan);
      return !plans.hasTypes();
    });
    expect(plansWithoutTypes).toEqual([]);
    const codes = [...new Set(getCountries().map((c) => getCountryCallingCode(c)))];
    fc.assert(
      fc.property(fc.constantFrom(...codes), fc.stringMatching(/^[0-9]{6,12}$/), (code, national) => {
        const parsed = normalizePhone(`+${code}${national}`);
        if (parsed.ok) expect(LINE_TYPES).toContain(parsed.lineType);
      }),
      { numRuns: 3000 },
    );
  });

  it('judges a number of no known type as UNKNOWN: refused by default, never waved through', async () => {
    const guard = createPumpingGuard({
      config: PUMPING_DEFAULTS,
      windows: new MemoryRateLimitStore(),
      counters: new MemoryCounterStore(),
      breakers: new MemoryBreakerStore(),
      clock: fakeClock(),
    });
    const attempt = (over: Partial<SendAttempt>): SendAttempt => ({
      sendId: `s-${Math.random()}`,
      e164: '+447911123456',
      phoneHash: 'h',
      prefixHash: 'p',
      country: 'GB',
      lineType: null,
      userId: 'u',
      sessionId: 's',
      ip: null,
      boundNumber: true,
      allowedCountries: undefined,
      blockedLineTypes: DEFAULTS.phone.blockedLineTypes,
      ...over,
    });
    expect(await guard.check(attempt({}))).toMatchObject({ allowed: false, rule: 'line_type' });
    expect(await guard.check(attempt({ lineType: 'PERSONAL_NUMBER' }))).toMatchObject({ allowed: false, rule: 'line_type' });
    expect(await guard.check(attempt({ lineType: 'UNKNOWN' }))).toMatchObject({ allowed: false, rule: 'line_type' });
    expect(await guard.check(attempt({ lineType: 'MOBILE' }))).toMatchObject({ allowed: true });
    // An operator may accept unclassified numbers by leaving UNKNOWN out of the list.
    expect(await guard.check(attempt({ blockedLineTypes: ['VOIP'] }))).toMatchObject({ allowed: true });
  });
});
