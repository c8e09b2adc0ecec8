import { deriveAssurance, evaluateStepUp, type ActionRequirement } from '../../src/core/assurance';

const login: ActionRequirement = { level: 'aal2', factors: ['sms', 'otp', 'hwk', 'swk', 'backup'], maxAgeSeconds: 43_200, bindTransaction: false, highRisk: false };
const transfer: ActionRequirement = { ...login, maxAgeSeconds: 300, bindTransaction: true, highRisk: true };
const NOW = 1_800_000_000_000;

describe('deriveAssurance', () => {
  it.each([
    [{}, undefined, []],
    [{ pwd: NOW }, 'aal1', ['pwd']],
    [{ pwd: NOW, sms: NOW }, 'aal2', ['pwd', 'sms', 'mfa']],
    [{ pwd: NOW, otp: NOW }, 'aal2', ['pwd', 'otp', 'mfa']],
    [{ pwd: NOW, hwk: NOW }, 'aal2-phr', ['pwd', 'hwk', 'mfa']],
    [{ sms: NOW }, undefined, ['sms']],
  ])('%j -> acr %s, amr %j', (factors, acr, amr) => {
    expect(deriveAssurance(factors)).toMatchObject({ acr, amr });
  });
});

describe('evaluateStepUp', () => {
  it('needs a first factor', () => {
    expect(evaluateStepUp(login, { sms: NOW }, NOW)).toMatchObject({ ok: false, reason: 'no_first_factor' });
  });

  it('needs an accepted second factor', () => {
    expect(evaluateStepUp(login, { pwd: NOW }, NOW)).toMatchObject({ ok: false, reason: 'step_up_required', acceptableFactors: login.factors });
    expect(evaluateStepUp({ ...login, factors: ['otp'] }, { pwd: NOW, sms: NOW }, NOW)).toMatchObject({ ok: false, reason: 'step_up_required' });
  });

  it('measures freshness per action', () => {
    const factors = { pwd: NOW - 600_000, sms: NOW - 600_000 };
    expect(evaluateStepUp(login, factors, NOW)).toEqual({ ok: true, satisfiedBy: 'sms', verifiedAtMs: NOW - 600_000 });
    expect(evaluateStepUp(transfer, factors, NOW)).toMatchObject({ ok: false, reason: 'step_up_stale' });
    expect(evaluateStepUp(transfer, { pwd: NOW, sms: NOW - 300_000 }, NOW).ok).toBe(true);
    expect(evaluateStepUp(transfer, { pwd: NOW, sms: NOW - 300_001 }, NOW).ok).toBe(false);
  });

  it('accepts only phishing-resistant factors at aal2-phr', () => {
    const phr = { ...login, level: 'aal2-phr' as const };
    expect(evaluateStepUp(phr, { pwd: NOW, sms: NOW }, NOW)).toMatchObject({ ok: false, acceptableFactors: ['hwk', 'swk'] });
    expect(evaluateStepUp(phr, { pwd: NOW, swk: NOW }, NOW)).toMatchObject({ ok: true, satisfiedBy: 'swk' });
  });
});
