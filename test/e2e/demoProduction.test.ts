import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoProcess, type DemoProcess } from '../helpers/demoProcess';
import { freePort } from '../helpers/redisServer';

const SERVER = join(__dirname, '../../dist/src/demo/server.js');
const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

/** Strong production settings: what the demo needs to start under NODE_ENV=production without Mongo. */
const strongEnv = (): Record<string, string> => ({
  NODE_ENV: 'production',
  SESSION_SECRET: b64(48),
  STEPGUARD_PEPPER: b64(48),
  STEPGUARD_ENCRYPTION_KEY: b64(32),
  // Never reached: nobody here is sent a code.
  SMS_PROVIDER: 'http',
  SMS_HTTP_BASE_URL: 'http://127.0.0.1:9',
  SMS_HTTP_TOKEN: b64(24),
  STEPGUARD_ALLOW_MEMORY_STORES: 'true',
  METRICS_TOKEN: b64(32),
  // Production cookies are Secure: the tests below speak as a TLS-terminating proxy on loopback would.
  TRUST_PROXY: 'loopback',
});

/** JSON client behind a pretend TLS proxy (X-Forwarded-Proto: https), keeping cookies whatever their flags. */
function httpsProxiedClient(baseUrl: string) {
  const cookies = new Map<string, string>();
  let csrfToken = '';
  const call = async (method: 'GET' | 'POST', path: string, body?: object) => {
    const res = await fetch(`${baseUrl.replace('localhost', '127.0.0.1')}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        'x-forwarded-proto': 'https',
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}),
        ...(cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  return {
    call,
    async csrf() {
      csrfToken = String((await call('GET', '/auth/csrf')).body.csrfToken ?? '');
    },
  };
}

/** Runs the built demo until it exits (it must refuse to start), with all it printed. */
async function refusedStart(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  if (!existsSync(SERVER)) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], {
    env: Object.fromEntries(Object.entries({ PATH: process.env.PATH, PORT: String(port), APP_ORIGIN: `http://localhost:${port}`, ...env }).filter(([, v]) => v !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), 10_000);
  // 'close', not 'exit': all of stderr has arrived by then.
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

describe('the demo under NODE_ENV=production', () => {
  it.each([
    ['the pepper equal to the session secret', { SESSION_SECRET: 'a'.repeat(32), STEPGUARD_PEPPER: 'a'.repeat(32) }, /secrets\.sessionSecret: must differ from secrets\.pepper[^]*SESSION_SECRET/],
    ["a pepper of 'a' × 32", { STEPGUARD_PEPPER: 'a'.repeat(32) }, /secrets\.pepper: too weak[^]*STEPGUARD_PEPPER/],
    ['an all-zero AES key', { STEPGUARD_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }, /secrets\.encryptionKeys\.k1: not a random key[^]*STEPGUARD_ENCRYPTION_KEY/],
    ['memory stores for durable data', { STEPGUARD_ALLOW_MEMORY_STORES: undefined }, /stores: 'memory'[^]*MONGODB_URI/],
    ['the console SMS provider', { SMS_PROVIDER: undefined }, /console SMS provider[^]*SMS_PROVIDER/],
    ['an open /metrics', { METRICS_TOKEN: undefined }, /metricsHandler\(\{ bearerToken \}\): required[^]*METRICS_TOKEN, or METRICS_PUBLIC=true/],
  ])('refuses to start with %s, naming the option and the environment variable', async (_what, weak, message) => {
    const { code, output } = await refusedStart({ ...strongEnv(), ...weak });
    expect(code).toBe(1);
    expect(output).toMatch(/stepguard demo could not start/);
    expect(output).toMatch(message);
  });

  describe('with strong settings', () => {
    let demo: DemoProcess;
    beforeAll(async () => {
      demo = await startDemoProcess(strongEnv());
    });
    afterAll(async () => {
      await demo?.stop();
    });

    it('starts, and has no alice: her published password does not sign in', async () => {
      const client = httpsProxiedClient(demo.url);
      await client.csrf();
      const alice = await client.call('POST', '/auth/login', { username: 'alice', password: 'alice-demo-password' });
      expect(alice.status).toBe(401);
      expect(alice.body).toMatchObject({ error: { code: 'invalid_credentials' } });
      // The same path signs in an account that does exist (so the 401 above is alice's absence).
      expect((await client.call('POST', '/auth/signup', { username: 'carol', password: 'carol-password-123' })).status).toBe(201);
      expect((await client.call('POST', '/auth/login', { username: 'carol', password: 'carol-password-123' })).status).toBe(200);
      expect(demo.output()).toMatch(/no demo accounts in production/);
      expect(demo.output()).not.toMatch(/alice-demo-password/);
    });

    it('has no bench users either, even when asked for', async () => {
      const seeded = await startDemoProcess({ ...strongEnv(), DEMO_BENCH_USERS: '2' });
      try {
        const client = httpsProxiedClient(seeded.url);
        await client.csrf();
        expect((await client.call('POST', '/auth/login', { username: 'bench-1', password: 'bench-password-123' })).status).toBe(401);
      } finally {
        await seeded.stop();
      }
    });

    it('serves /metrics only with the bearer token', async () => {
      const res = await fetch(`${demo.url.replace('localhost', '127.0.0.1')}/metrics`);
      expect(res.status).toBe(401);
    });
  });
});
