import { parseStepGuardOptions } from '../../src/config';

const base = { environment: 'test' as const };

describe('enrolment and alerts options', () => {
  it('has defaults: no nudge, no requirement; every alert, by SMS too, one per kind per hour', () => {
    const config = parseStepGuardOptions(base);
    expect(config.enrolment).toMatchObject({ nudge: false, passkeyUpgrade: false, snoozeDays: 7, graceDays: 14, require: undefined });
    expect(config.alerts).toMatchObject({ sms: true, perKindLimit: 1, windowSeconds: 3600 });
    expect(config.alerts.kinds).toContain('new_country');
  });

  it('refuses a wrong requirement and a misspelt key, naming the option', () => {
    expect(() => parseStepGuardOptions({ ...base, enrolment: { require: 'everyone' as never } })).toThrow(/enrolment\.require: must be a function \(userId\) =>/);
    expect(() => parseStepGuardOptions({ ...base, enrolment: { require: { groups: { admins: 'totp' as never } } } })).toThrow(/enrolment\.require/);
    expect(() => parseStepGuardOptions({ ...base, enrolment: { graceDay: 3 } as never })).toThrow(/enrolment\.graceDay: unknown option\. Did you mean `graceDays`\?/);
    expect(() => parseStepGuardOptions({ ...base, alerts: { kinds: ['new_planet' as never] } })).toThrow(/alerts\.kinds\.0/);
    expect(() => parseStepGuardOptions({ ...base, alerts: { windowSeconds: 5 } })).toThrow(/alerts\.windowSeconds/);
  });
});
