import { randomBytes } from 'node:crypto';
import { StepGuardConfigError, type StepGuardOptions } from '../../src';
import { parseStepGuardOptions } from '../../src/config';
import { RecordingSmsProvider } from '../helpers/RecordingSmsProvider';

const secrets = { pepper: 'p'.repeat(40), sessionSecret: 's'.repeat(40), encryptionKeys: { k1: Buffer.alloc(32, 7).toString('base64') } };

describe('parseStepGuardOptions', () => {
  it('fills the defaults of DESIGN.md §8 and freezes the result', () => {
    const config = parseStepGuardOptions({ secrets, environment: 'test' });
    expect(config.sms).toMatchObject({ codeLength: 6, ttlSeconds: 300, maxAttempts: 5, resendInitialSeconds: 30, resendMaxSeconds: 900 });
    expect(config.lockout).toMatchObject({ maxConsecutiveFailures: 10, lockSeconds: 900, hardLimitFailures: 100 });
    expect(config.actions.login).toMatchObject({ maxAgeSeconds: 43_200, level: 'aal2' });
    expect(config.actions.transfer).toMatchObject({ maxAgeSeconds: 300, bindTransaction: true });
    expect(config.sms.pumping.phoneBudgets).toEqual([{ limit: 3, windowSeconds: 600 }, { limit: 10, windowSeconds: 86_400 }]);
    expect(config.sms.retry.backoffSeconds).toEqual([2, 4, 8]);
    expect(Object.keys(config.sms.templates).sort()).toEqual(['de', 'en', 'es', 'fr', 'pt']);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sms)).toBe(true);
    expect(() => {
      (config.sms as { ttlSeconds: number }).ttlSeconds = 1;
    }).toThrow(TypeError);
  });

  it('refuses SMS templates that could need two segments, or that lose the code', () => {
    const long = `{code} ${'is your verification code, please do not share it with anyone at all, '.repeat(2)}`;
    expect(() => parseStepGuardOptions({ secrets, sms: { templates: { de: { code: long } } } })).toThrow(/sms\.templates\.de\.code: .*2 GSM-7 segments/);
    expect(() => parseStepGuardOptions({ secrets, sms: { templates: { en: { code: 'Your code is coming.' } } } })).toThrow(/sms\.templates\.en\.code: must contain \{code\}/);
    expect(() => parseStepGuardOptions({ secrets, sms: { defaultLocale: 'it' } })).toThrow(/sms\.defaultLocale: no templates for "it"/);
    const custom = parseStepGuardOptions({ secrets, sms: { templates: { 'pt-BR': { code: '{code} é seu código {service}.' } }, defaultLocale: 'pt-BR' } });
    expect(custom.sms.templates['pt-BR']?.voice).toBe(custom.sms.templates.pt?.voice);
  });

  it('validates the anti-pumping options', () => {
    expect(() => parseStepGuardOptions({ secrets, sms: { pumping: { rules: { prefix_velocty: 'off' } as never } } })).toThrow(/sms\.pumping\.rules/);
    expect(() => parseStepGuardOptions({ secrets, sms: { pumping: { spend: { hourlyCapMicros: 1_000_000 } } } })).toThrow(/needs a price table/);
    const observe = parseStepGuardOptions({ secrets, sms: { pumping: { mode: 'observe', rules: { country: 'enforce' } } } });
    expect(observe.sms.pumping.modes).toMatchObject({ country: 'enforce', ip_budget: 'observe', spend_cap: 'observe' });
  });

  it('names a misspelt option and suggests the right one', () => {
    expect(() => parseStepGuardOptions({ sms: { ttlSecond: 60 } } as unknown as StepGuardOptions)).toThrow(
      /sms\.ttlSecond: unknown option\. Did you mean `ttlSeconds`\?/,
    );
    expect(() => parseStepGuardOptions({ secret: {} } as unknown as StepGuardOptions)).toThrow(/secret: unknown option\. Did you mean `secrets`\?/);
  });

  it('names a bad value and what it must be', () => {
    expect(() => parseStepGuardOptions({ sms: { ttlSeconds: -5 } })).toThrow(StepGuardConfigError);
    expect(() => parseStepGuardOptions({ sms: { ttlSeconds: -5 } })).toThrow(/sms\.ttlSeconds:/);
    expect(() => parseStepGuardOptions({ lockout: { hardLimitFailures: 500 } })).toThrow(/lockout\.hardLimitFailures: .*100/);
    expect(() => parseStepGuardOptions({ secrets: { pepper: 'short' } })).toThrow(/secrets\.pepper: must be at least 32 characters/);
  });

  it('refuses to start in production without a pepper or a session secret', () => {
    expect(() => parseStepGuardOptions({ environment: 'production', secrets: { ...secrets, pepper: undefined } })).toThrow(
      /secrets\.pepper: required when NODE_ENV=production/,
    );
    expect(() => parseStepGuardOptions({ environment: 'production', secrets: { ...secrets, sessionSecret: undefined } })).toThrow(
      /secrets\.sessionSecret: required when NODE_ENV=production/,
    );
    expect(() => parseStepGuardOptions({ environment: 'production', secrets: { ...secrets, encryptionKeys: undefined } })).toThrow(
      /secrets\.encryptionKeys: required when NODE_ENV=production/,
    );
    expect(() => parseStepGuardOptions({ secrets: { ...secrets, encryptionKeys: { k1: 'c2hvcnQ=' } } })).toThrow(/secrets\.encryptionKeys\.k1: must be 32 bytes/);
    // With every secret given (and strong: production refuses weak ones, see productionConfig.test.ts) nothing is generated.
    const strong = { pepper: randomBytes(48).toString('base64'), sessionSecret: randomBytes(48).toString('base64'), encryptionKeys: { k1: randomBytes(32).toString('base64') } };
    const production = { environment: 'production', stores: { allowMemoryDurableStores: true }, sms: { provider: new RecordingSmsProvider() } } as const;
    expect(parseStepGuardOptions({ ...production, secrets: strong }).generatedSecrets).toEqual([]);
  });

  it('generates secrets in development and says so', () => {
    const config = parseStepGuardOptions({ environment: 'development' });
    expect(config.generatedSecrets).toEqual(['pepper', 'sessionSecret', 'encryptionKeys']);
    expect(config.secrets.pepper.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses a service name that would push the SMS past one segment', () => {
    expect(() => parseStepGuardOptions({ secrets, serviceName: 'x'.repeat(30), appOrigin: `https://${'a'.repeat(60)}.example.com` })).toThrow(/sms\.templates\.en\.code: .*segments.*serviceName/);
  });

  it('merges custom actions over the defaults', () => {
    const config = parseStepGuardOptions({ secrets, policy: { actions: { transfer: { maxAgeSeconds: 60 }, payroll: { level: 'aal2-phr' } } } });
    expect(config.actions.transfer).toMatchObject({ maxAgeSeconds: 60, bindTransaction: true });
    expect(config.actions.payroll).toMatchObject({ level: 'aal2-phr', maxAgeSeconds: 43_200 });
  });
});
