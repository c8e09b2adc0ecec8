import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoProcess, type DemoProcess } from '../helpers/demoProcess';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64');
/** What the demo needs to start under NODE_ENV=production without Mongo (see demoProduction.test.ts). */
const productionEnv = (): Record<string, string> => ({
  NODE_ENV: 'production',
  SESSION_SECRET: b64(48),
  STEPGUARD_PEPPER: b64(48),
  STEPGUARD_ENCRYPTION_KEY: b64(32),
  SMS_PROVIDER: 'http',
  SMS_HTTP_BASE_URL: 'http://127.0.0.1:9',
  SMS_HTTP_TOKEN: b64(24),
  STEPGUARD_ALLOW_MEMORY_STORES: 'true',
  METRICS_TOKEN: b64(32),
  TRUST_PROXY: 'loopback',
});

describe('the demo provider in production signs only with configured keys', () => {
  let demo: DemoProcess | undefined;
  afterEach(async () => {
    await demo?.stop();
    demo = undefined;
  });

  it('without OIDC_JWKS_FILE, /oidc and /rp are off and the log says which variable turns them on', async () => {
    demo = await startDemoProcess(productionEnv());
    const discovery = await fetch(`${demo.url.replace('localhost', '127.0.0.1')}/oidc/.well-known/openid-configuration`, { headers: { accept: 'application/json' } });
    expect(discovery.status).toBe(404);
    expect(demo.output()).toContain('OIDC_JWKS_FILE not set');
  });

  it('with OIDC_JWKS_FILE, discovery and the JWKS publish that key (public part only)', async () => {
    const jwk = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'prod-1', use: 'sig', alg: 'RS256' };
    const file = join(mkdtempSync(join(tmpdir(), 'stepguard-jwks-')), 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [jwk] }), { mode: 0o600 });
    demo = await startDemoProcess({ ...productionEnv(), OIDC_JWKS_FILE: file });
    const base = demo.url.replace('localhost', '127.0.0.1');
    const discovery = (await (await fetch(`${base}/oidc/.well-known/openid-configuration`, { headers: { 'x-forwarded-proto': 'https' } })).json()) as Record<string, unknown>;
    expect(discovery.acr_values_supported).toEqual(expect.arrayContaining(['aal1', 'aal2', 'aal2-phr']));
    const jwks = (await (await fetch(`${base}/oidc/jwks`, { headers: { 'x-forwarded-proto': 'https' } })).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(['prod-1']);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});
