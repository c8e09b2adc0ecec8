import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as root from '../../src';

const packageJson = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  dependencies: Record<string, string>;
};

describe('the public API', () => {
  it('the root exports what mounting needs: at most 12 runtime values', () => {
    const values = Object.keys(root).sort();
    expect(values.length).toBeLessThanOrEqual(12);
    expect(values).toEqual(
      ['ERRORS', 'StepGuardConfigError', 'StoreUnavailableError', 'answerEveryRequest', 'createRedisClient', 'createStepGuard', 'ensureMongoIndexes', 'ioredisSessionClient', 'safeReturnTo', 'trustProxyWarning'].sort(),
    );
  });

  it('the rest is behind subpaths, each built with its types (npm test builds before jest)', () => {
    const subpaths = Object.keys(packageJson.exports).filter((p) => p !== './package.json');
    expect(subpaths).toEqual(['.', './passport', './stores', './policy', './sms', './audit', './oidc']);
    for (const subpath of subpaths) {
      const target = packageJson.exports[subpath] as { types: string; default: string };
      expect(existsSync(join(__dirname, '../..', target.default))).toBe(true);
      expect(existsSync(join(__dirname, '../..', target.types))).toBe(true);
    }
  });

  it('each subpath exports what its name says', () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    expect(Object.keys(require('../../src/passport'))).toEqual(expect.arrayContaining(['SmsOtpStrategy', 'TotpStrategy', 'WebAuthnStrategy', 'BackupCodeStrategy']));
    expect(Object.keys(require('../../src/stores'))).toEqual(expect.arrayContaining(['createMemoryStores', 'createRedisStores', 'createMongoStores', 'FileAuditStore', 'describeStoreContract']));
    expect(Object.keys(require('../../src/policy'))).toEqual(expect.arrayContaining(['evaluatePolicy', 'defaultRules', 'csvGeoLookup']));
    expect(Object.keys(require('../../src/sms'))).toEqual(expect.arrayContaining(['ConsoleSmsProvider', 'TwilioSmsProvider', 'createSmsRouter', 'BUILT_IN_TEMPLATES']));
    expect(Object.keys(require('../../src/audit'))).toEqual(expect.arrayContaining(['verifyAuditChain', 'deriveAuditKey']));
    expect(Object.keys(require('../../src/oidc'))).toEqual(expect.arrayContaining(['createOidcStepUp', 'readAcrRequest', 'assessOidcLogin']));
    /* eslint-enable @typescript-eslint/no-require-imports */
  });

  it('express, express-session and passport are the host\'s (peer dependencies), the types it needs come with it', () => {
    expect(Object.keys(packageJson.peerDependencies).sort()).toEqual(['express', 'express-session', 'oidc-provider', 'passport']);
    for (const peer of ['express', 'express-session', 'oidc-provider', 'passport']) expect(packageJson.dependencies[peer]).toBeUndefined();
    expect(packageJson.dependencies).toHaveProperty('@types/express-session');
    expect(packageJson.dependencies).toHaveProperty('@types/passport-strategy');
  });

  it('oidc-provider is an optional peer: only stepguard/oidc needs it, and loads it when called', () => {
    expect(packageJson.peerDependencies['oidc-provider']).toBe('^9');
    expect(packageJson.peerDependenciesMeta['oidc-provider']).toEqual({ optional: true });
    expect(packageJson.dependencies['openid-client']).toBeUndefined();
  });
});
