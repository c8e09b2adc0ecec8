import fc from 'fast-check';
import type { ActionRequirement, SecondFactorId } from '../../src/core/assurance/types';
import { LEVELS } from '../../src/core/assurance/types';
import { defaultRules, evaluatePolicy, validatePolicyRules, type OnNoStrongFactor, type PolicyRule, type RiskSignals } from '../../src/core/policy';

const ALL: SecondFactorId[] = ['sms', 'otp', 'hwk', 'swk', 'backup'];
const login: ActionRequirement = { level: 'aal2', factors: ALL, maxAgeSeconds: 43_200, bindTransaction: false, highRisk: false };
const transfer: ActionRequirement = { ...login, maxAgeSeconds: 300, bindTransaction: true, highRisk: true };
const rules = defaultRules({ largeTransferAmount: 1000 });

const decide = (signals: RiskSignals, opts: { action?: 'login' | 'transfer'; enrolled?: SecondFactorId[]; onNoStrongFactor?: OnNoStrongFactor; rules?: PolicyRule[] } = {}) =>
  evaluatePolicy({
    action: opts.action ?? 'login',
    requirement: opts.action === 'transfer' ? transfer : login,
    rules: opts.rules ?? rules,
    signals,
    enrolledFactors: opts.enrolled ?? ['sms', 'otp'],
    onNoStrongFactor: opts.onNoStrongFactor ?? 'require',
  });

describe('default rules', () => {
  it.each<[string, RiskSignals, 'login' | 'transfer', { outcome: string; without?: SecondFactorId[]; level?: string; rule?: string }]>([
    ['no signals', {}, 'login', { outcome: 'step-up' }],
    ['a new device alone', { newDevice: true }, 'login', { outcome: 'step-up' }],
    ['a new country alone', { newCountry: true }, 'login', { outcome: 'step-up' }],
    ['new device + new country', { newDevice: true, newCountry: true }, 'login', { outcome: 'step-up', without: ['sms'], rule: 'new-device-new-country' }],
    ['impossible travel', { impossibleTravel: true }, 'login', { outcome: 'step-up', without: ['sms'], rule: 'impossible-travel' }],
    ['a SIM swap', { simSwapRecent: true }, 'login', { outcome: 'step-up', without: ['sms'], rule: 'sim-swap' }],
    ['a phone change, for login', { phoneChangedRecently: true }, 'login', { outcome: 'step-up' }],
    ['a phone change, for a transfer', { phoneChangedRecently: true }, 'transfer', { outcome: 'step-up', without: ['sms'], rule: 'phone-cool-off' }],
    ['an IP on the deny list', { ipDenied: true }, 'login', { outcome: 'deny', rule: 'ip-deny-list' }],
    ['a Tor exit', { torExit: true }, 'login', { outcome: 'step-up', without: ['sms'], rule: 'tor-exit' }],
    ['a backup code used, for a transfer', { backupCodeUsedRecently: true }, 'transfer', { outcome: 'step-up', without: ['sms'], rule: 'backup-code-recent' }],
    ['a small transfer', { transactionAmount: 999.99 }, 'transfer', { outcome: 'step-up' }],
    ['a large transfer, no passkey', { transactionAmount: 1000 }, 'transfer', { outcome: 'step-up', without: ['sms', 'backup'], level: 'aal2', rule: 'large-transfer' }],
  ])('%s', (_label, signals, action, expected) => {
    const d = decide(signals, { action });
    expect(d.outcome).toBe(expected.outcome);
    for (const f of expected.without ?? []) expect(d.acceptableFactors).not.toContain(f);
    if (!expected.without && expected.outcome === 'step-up') expect(d.acceptableFactors).toEqual(ALL);
    if (expected.level) expect(d.level).toBe(expected.level);
    if (expected.rule) expect(d.reasons.map((r) => r.rule)).toContain(expected.rule);
    else expect(d.reasons).toEqual([]);
  });

  it('asks for a passkey on a large transfer when the user has one', () => {
    const d = decide({ transactionAmount: 5000 }, { action: 'transfer', enrolled: ['sms', 'otp', 'swk'] });
    expect(d).toMatchObject({ level: 'aal2-phr', acceptableFactors: ['hwk', 'swk'] });
  });

  it('shortens the maximum age after repeated failures', () => {
    expect(decide({ consecutiveFailures: 3 })).toMatchObject({ maxAgeSeconds: 300, reasons: [{ rule: 'repeated-failures' }] });
    expect(decide({ consecutiveFailures: 2 }).maxAgeSeconds).toBe(43_200);
  });

  it('explains itself in words', () => {
    const d = decide({ newDevice: true, newCountry: true });
    expect(d.reasons[0]?.text).toBe('You are signing in from a new device in a new country, so we need an authenticator app or a passkey.');
    expect(d.score).toBe(40);
  });
});

describe('observe-only rules', () => {
  it('decide and report, but do not enforce', () => {
    const observing = rules.map((r) => (r.name === 'new-device-new-country' ? { ...r, observeOnly: true } : r));
    const d = decide({ newDevice: true, newCountry: true }, { rules: observing });
    expect(d.acceptableFactors).toContain('sms');
    expect(d.observed).toEqual(['new-device-new-country']);
    expect(d.reasons).toEqual([]);
    expect(d.score).toBe(40);
  });
});

describe('when escalation leaves only factors the user lacks', () => {
  const risky = { newDevice: true, newCountry: true };
  it('keeps demanding them by default', () => {
    expect(decide(risky, { enrolled: ['sms'] })).toMatchObject({ outcome: 'step-up', acceptableFactors: ['otp', 'hwk', 'swk', 'backup'] });
  });
  it('can deny with a clear message', () => {
    const d = decide(risky, { enrolled: ['sms'], onNoStrongFactor: 'deny' });
    expect(d.outcome).toBe('deny');
    expect(d.reasons.at(-1)?.text).toMatch(/no factor strong enough/);
  });
  it('can fall back to a backup code', () => {
    const d = decide({ transactionAmount: 5000 }, { action: 'transfer', enrolled: ['sms'], onNoStrongFactor: 'backup_code' });
    expect(d.acceptableFactors).toContain('backup');
    expect(d.acceptableFactors).not.toContain('sms');
  });
  it('can allow SMS with a flag for the audit', () => {
    expect(decide(risky, { enrolled: ['sms'], onNoStrongFactor: 'allow_flagged' })).toMatchObject({ flagged: true, acceptableFactors: expect.arrayContaining(['sms']) });
  });
  it('does nothing special when the user has a strong factor', () => {
    expect(decide(risky, { enrolled: ['sms', 'otp'], onNoStrongFactor: 'deny' }).outcome).toBe('step-up');
  });
});

describe('custom rules', () => {
  it('may be plain functions', () => {
    const custom: PolicyRule = { name: 'night-owl', when: (s) => (s.transactionAmount ?? 0) > 10, then: [{ type: 'require_level', level: 'aal2-phr' }], reason: 'Because it is late.' };
    expect(decide({ transactionAmount: 11 }, { rules: [custom] })).toMatchObject({ level: 'aal2-phr', acceptableFactors: ['hwk', 'swk'] });
  });

  it('are validated: unknown signals, factors, actions and duplicate names are errors', () => {
    const problems = validatePolicyRules(
      [
        { name: 'a', when: { signal: 'moonPhase' as never }, then: [{ type: 'deny' }], reason: 'full moon' },
        { name: 'b', when: { signal: 'newDevice' }, then: [{ type: 'remove_factors', factors: ['carrier-pigeon' as never] }], reason: 'birds' },
        { name: 'b', when: { signal: 'newDevice' }, then: [{ type: 'deny' }], actions: ['launch'], reason: 'duplicate' },
      ],
      ['login', 'transfer'],
    );
    expect(problems).toEqual([
      expect.stringContaining('policy.rules[0] (a).when: unknown signal "moonPhase"'),
      expect.stringContaining('policy.rules[1] (b): unknown factor "carrier-pigeon"'),
      'policy.rules[2] (b): the name is used twice',
      'policy.rules[2] (b): unknown action "launch"',
    ]);
    expect(validatePolicyRules(rules, ['login', 'transfer'])).toEqual([]);
  });
});

describe('monotonicity (property)', () => {
  const signalsArb = fc.record(
    {
      newDevice: fc.constant(true),
      newCountry: fc.constant(true),
      impossibleTravel: fc.constant(true),
      ipDenied: fc.constant(true),
      torExit: fc.constant(true),
      datacenterIp: fc.constant(true),
      consecutiveFailures: fc.integer({ min: 1, max: 20 }),
      recentLockout: fc.constant(true),
      phoneChangedRecently: fc.constant(true),
      simSwapRecent: fc.constant(true),
      lineType: fc.constantFrom('MOBILE', 'VOIP', 'FIXED_LINE_OR_MOBILE'),
      backupCodeUsedRecently: fc.constant(true),
      transactionAmount: fc.integer({ min: 1, max: 5000 }),
    },
    { requiredKeys: [] },
  );
  const enrolledArb = fc.subarray(ALL);
  const rank = { allow: 0, 'step-up': 1, deny: 2 } as const;

  it('adding risk signals never lowers the requirement', () => {
    fc.assert(
      fc.property(signalsArb, signalsArb, enrolledArb, fc.constantFrom<'login' | 'transfer'>('login', 'transfer'), fc.constantFrom<OnNoStrongFactor>('require', 'deny', 'backup_code'), (a, extra, enrolled, action, onNoStrongFactor) => {
        // More risk: everything in `a`, plus `extra`, with numbers only ever higher.
        const more: RiskSignals = { ...extra, ...a };
        for (const k of ['consecutiveFailures', 'transactionAmount'] as const) {
          if (a[k] !== undefined && extra[k] !== undefined) more[k] = Math.max(a[k] as number, extra[k] as number);
        }
        const low = decide(a, { action, enrolled, onNoStrongFactor });
        const high = decide(more, { action, enrolled, onNoStrongFactor });
        expect(rank[high.outcome]).toBeGreaterThanOrEqual(rank[low.outcome]);
        if (high.outcome === 'deny') return;
        expect(LEVELS.indexOf(high.level)).toBeGreaterThanOrEqual(LEVELS.indexOf(low.level));
        expect(high.maxAgeSeconds).toBeLessThanOrEqual(low.maxAgeSeconds);
        expect(high.score).toBeGreaterThanOrEqual(low.score);
        // Fewer (or the same) factors satisfy it, except that a backup-code fallback may add one.
        const added = high.acceptableFactors.filter((f) => !low.acceptableFactors.includes(f));
        expect(added.filter((f) => !(onNoStrongFactor === 'backup_code' && f === 'backup'))).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
});
