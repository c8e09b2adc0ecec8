import { evaluateEnrolment, type EnrolmentInput } from '../../src/core/enrolment/evaluateEnrolment';
import { buildEnrolmentConfig } from '../../src/options/enrolmentOptions';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const base: EnrolmentInput = {
  enrolled: ['sms'],
  usedFactor: 'sms',
  policyWantedStronger: false,
  requirement: null,
  graceStartedAtMs: null,
  graceDays: 3,
  nudge: true,
  passkeyUpgrade: false,
  snoozedUntilMs: null,
  declined: false,
  nowMs: T0,
};

describe('evaluateEnrolment', () => {
  it('offers a second factor after an SMS step-up to a user who has only the phone', () => {
    expect(evaluateEnrolment(base)).toMatchObject({ offer: true, reason: 'single_factor', suggested: ['passkey', 'otp', 'backup'], required: null });
  });

  it('offers nothing while snoozed or once declined, nor with nudges off, nor after a step-up with an app or passkey', () => {
    expect(evaluateEnrolment({ ...base, snoozedUntilMs: T0 + DAY }).offer).toBe(false);
    expect(evaluateEnrolment({ ...base, snoozedUntilMs: T0 - 1 }).offer).toBe(true);
    expect(evaluateEnrolment({ ...base, declined: true }).offer).toBe(false);
    expect(evaluateEnrolment({ ...base, nudge: false }).offer).toBe(false);
    expect(evaluateEnrolment({ ...base, enrolled: ['otp'], usedFactor: 'otp' }).offer).toBe(false);
    expect(evaluateEnrolment({ ...base, usedFactor: undefined }).offer).toBe(false);
  });

  it('offers nothing to a user with two ways in, unless the policy wanted more than SMS and they have nothing stronger', () => {
    expect(evaluateEnrolment({ ...base, enrolled: ['sms', 'backup'] }).offer).toBe(false);
    expect(evaluateEnrolment({ ...base, enrolled: ['sms', 'backup'], policyWantedStronger: true })).toMatchObject({ offer: true, reason: 'no_strong_factor', suggested: ['passkey', 'otp'] });
    // Using a backup code says as much.
    expect(evaluateEnrolment({ ...base, enrolled: ['sms', 'backup'], usedFactor: 'backup' })).toMatchObject({ reason: 'no_strong_factor', suggested: ['passkey', 'otp'] });
    expect(evaluateEnrolment({ ...base, enrolled: ['sms', 'otp', 'backup'], usedFactor: 'backup', policyWantedStronger: true }).offer).toBe(false);
  });

  it('offers a passkey upgrade after SMS only when asked to, and only to users without one', () => {
    expect(evaluateEnrolment({ ...base, enrolled: ['sms', 'otp'] }).offer).toBe(false);
    expect(evaluateEnrolment({ ...base, enrolled: ['sms', 'otp'], passkeyUpgrade: true })).toMatchObject({ reason: 'passkey_upgrade', suggested: ['passkey'] });
    expect(evaluateEnrolment({ ...base, enrolled: ['sms', 'swk'], passkeyUpgrade: true }).offer).toBe(false);
  });

  it('counts a requirement\'s grace period down in whole days, then is overdue; snoozing or declining does not touch it', () => {
    const required = { ...base, requirement: 'phishing_resistant' as const, graceStartedAtMs: T0, declined: true, snoozedUntilMs: T0 + 30 * DAY, nudge: false, usedFactor: undefined };
    expect(evaluateEnrolment(required)).toMatchObject({ offer: true, reason: 'required', required: 'phishing_resistant', suggested: ['passkey'], daysLeft: 3, overdue: false, requiredByMs: T0 + 3 * DAY });
    expect(evaluateEnrolment({ ...required, nowMs: T0 + 2 * DAY + 1 })).toMatchObject({ daysLeft: 1, overdue: false });
    expect(evaluateEnrolment({ ...required, nowMs: T0 + 3 * DAY })).toMatchObject({ daysLeft: 0, overdue: true });
    expect(evaluateEnrolment({ ...required, enrolled: ['sms', 'hwk'], nowMs: T0 + 9 * DAY })).toMatchObject({ offer: false, overdue: false, required: null });
  });

  it('meets second_factor with two distinct ways in (two passkeys are one)', () => {
    const required = { ...base, requirement: 'second_factor' as const, graceStartedAtMs: T0, nowMs: T0 + 5 * DAY };
    expect(evaluateEnrolment({ ...required, enrolled: ['hwk', 'swk'] }).overdue).toBe(true);
    expect(evaluateEnrolment({ ...required, enrolled: ['sms', 'backup'] }).required).toBeNull();
  });
});

describe('enrolment options', () => {
  it('requires the strongest requirement of any group the user is in (getIdentity groups)', async () => {
    const groups: Record<string, string[]> = { ana: ['staff', 'admins'], bo: ['staff'], cy: [] };
    const config = buildEnrolmentConfig({ require: { groups: { staff: 'second_factor', admins: 'phishing_resistant' } } }, (id) => ({ username: id, groups: groups[id] }));
    expect(await config.require?.('ana')).toBe('phishing_resistant');
    expect(await config.require?.('bo')).toBe('second_factor');
    expect(await config.require?.('cy')).toBeNull();
    expect(await config.require?.('nobody')).toBeNull();
  });
});
