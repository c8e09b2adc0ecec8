import { randomBytes } from 'node:crypto';
import { createStepGuard, StepGuardConfigError, type StepGuardOptions } from '../../src';
import { parseStepGuardOptions } from '../../src/config';
import { createMemoryStores } from '../../src/stores/memory/createMemoryStores';
import { RecordingSmsProvider } from '../helpers/RecordingSmsProvider';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64');
const strongSecrets = () => ({ pepper: b64(48), sessionSecret: b64(48), encryptionKeys: { k1: b64(32) } });
/** A production configuration that must start: strong secrets, durable stores, a real provider. */
const strong = (): StepGuardOptions => ({
  environment: 'production',
  secrets: strongSecrets(),
  stores: { custom: createMemoryStores() },
  sms: { provider: new RecordingSmsProvider() },
});
const withSecrets = (secrets: Record<string, unknown>): StepGuardOptions => ({ ...strong(), secrets: { ...strongSecrets(), ...secrets } });

/** The error parseStepGuardOptions throws, or a failure when it throws none. */
function refusal(options: StepGuardOptions): StepGuardConfigError {
  try {
    parseStepGuardOptions(options);
  } catch (err) {
    expect(err).toBeInstanceOf(StepGuardConfigError);
    return err as StepGuardConfigError;
  }
  throw new Error('expected a StepGuardConfigError, the options were accepted');
}

describe('NODE_ENV=production refuses weak configuration at start-up', () => {
  it('starts with strong secrets, durable stores and a real provider', () => {
    const guard = createStepGuard(strong());
    expect(guard.config.environment).toBe('production');
    expect(guard.config.generatedSecrets).toEqual([]);
    expect(() => guard.metricsHandler({ bearerToken: b64(32) })).not.toThrow();
  });

  it('refuses a session secret equal to the pepper', () => {
    const same = b64(48);
    expect(refusal(withSecrets({ pepper: same, sessionSecret: same })).message).toMatch(/^secrets\.sessionSecret: must differ from secrets\.pepper.*openssl rand/);
  });

  it('refuses an encryption key equal to the pepper or the session secret', () => {
    const key = b64(32);
    expect(refusal(withSecrets({ pepper: key, encryptionKeys: { k1: key } })).message).toMatch(/^secrets\.encryptionKeys\.k1: must differ from secrets\.pepper/);
    expect(refusal(withSecrets({ sessionSecret: key, encryptionKeys: { k1: b64(32), k2: key } })).message).toMatch(
      /^secrets\.encryptionKeys\.k2: must differ from secrets\.sessionSecret/,
    );
  });

  it("refuses the demo's weak values: 'a' × 32 as pepper", () => {
    expect(refusal(withSecrets({ pepper: 'a'.repeat(32) })).message).toMatch(/^secrets\.pepper: too weak for production: it is one character.*openssl rand -base64 48/);
  });

  it('refuses a session secret that is a short pattern repeated', () => {
    expect(refusal(withSecrets({ sessionSecret: 'abc'.repeat(12) })).message).toMatch(/^secrets\.sessionSecret: too weak for production: it is a short pattern repeated/);
  });

  it('refuses a secret of too few different characters', () => {
    expect(refusal(withSecrets({ pepper: 'aabbabbbaababaaabbbababbaabbabab' })).message).toMatch(/^secrets\.pepper: too weak for production: .*too few different characters/);
  });

  it('refuses an all-zero encryption key', () => {
    expect(refusal(withSecrets({ encryptionKeys: { k1: Buffer.alloc(32).toString('base64') } })).message).toMatch(
      /^secrets\.encryptionKeys\.k1: not a random key: .*openssl rand -base64 32/,
    );
  });

  it('refuses a repeated-byte encryption key, also as a retired key', () => {
    const options = withSecrets({ encryptionKeys: { old: Buffer.alloc(32, 7).toString('base64'), k2: b64(32) } });
    expect(refusal(options).message).toMatch(/^secrets\.encryptionKeys\.old: not a random key/);
  });

  it("refuses stores: 'memory' for phone bindings, factors and the audit trail", () => {
    expect(refusal({ ...strong(), stores: 'memory' }).message).toMatch(/^stores: 'memory' keeps phone bindings.*allowMemoryDurableStores: true/);
    expect(refusal({ ...strong(), stores: undefined }).message).toMatch(/^stores: 'memory'/);
  });

  it('refuses Redis without MongoDB (durable data would live in memory)', () => {
    const redis = { defineCommand() {} } as never;
    expect(refusal({ ...strong(), stores: { redis } }).message).toMatch(/^stores\.mongo: required when NODE_ENV=production: .*\(and the audit trail\).*allowMemoryDurableStores/);
  });

  it('lets stores.allowMemoryDurableStores open the escape hatch (tests and demos)', () => {
    expect(parseStepGuardOptions({ ...strong(), stores: { allowMemoryDurableStores: true } }).environment).toBe('production');
  });

  it('refuses to fall back to the console SMS provider', () => {
    expect(refusal({ ...strong(), sms: {} }).message).toMatch(/^sms\.providers: required when NODE_ENV=production.*console provider/);
  });

  it('refuses an unprotected /metrics unless it is declared public', () => {
    const guard = createStepGuard(strong());
    expect(() => guard.metricsHandler()).toThrow(StepGuardConfigError);
    expect(() => guard.metricsHandler()).toThrow(/^metricsHandler\(\{ bearerToken \}\): required when NODE_ENV=production.*metricsHandler\(\{ public: true \}\)/);
    expect(() => guard.metricsHandler({ public: true })).not.toThrow();
  });

  it('refuses a weak /metrics bearer token', () => {
    const guard = createStepGuard(strong());
    expect(() => guard.metricsHandler({ bearerToken: 'metrics' })).toThrow(/^metricsHandler\(\{ bearerToken \}\): too weak for production/);
    expect(() => guard.metricsHandler({ bearerToken: 'x'.repeat(40) })).toThrow(/too weak/);
  });

  it('leaves development and test as they were: generated or weak secrets, memory, console, open /metrics', () => {
    const dev = createStepGuard({ environment: 'development' });
    expect(dev.config.generatedSecrets).toEqual(['pepper', 'sessionSecret', 'encryptionKeys']);
    expect(() => dev.metricsHandler()).not.toThrow();
    const weak = { pepper: 'a'.repeat(32), sessionSecret: 'a'.repeat(32), encryptionKeys: { k1: Buffer.alloc(32).toString('base64') } };
    const test = createStepGuard({ environment: 'test', secrets: weak, stores: 'memory' });
    expect(() => test.metricsHandler()).not.toThrow();
  });
});
