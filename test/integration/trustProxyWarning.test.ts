import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { trustProxyWarning } from '../../src';
import { freePort } from '../helpers/redisServer';

describe('trustProxyWarning', () => {
  it.each([[true], ['0.0.0.0/0'], ['::/0'], ['loopback, ::/0'], [['10.0.0.0/8', '0.0.0.0/0']]])('warns about %j in production', (value) => {
    const warning = trustProxyWarning(value, 'production', 'TRUST_PROXY');
    expect(warning).toMatch(/^TRUST_PROXY=.* trusts every proxy hop in production/);
    expect(warning).toMatch(/X-Forwarded-For/);
    expect(warning).toMatch(/TRUST_PROXY=1/);
  });

  it.each([[1], [2], ['loopback'], ['10.0.0.0/8'], [false], [undefined]])('says nothing about %j', (value) => {
    expect(trustProxyWarning(value, 'production')).toBeUndefined();
  });

  it('says nothing outside production', () => {
    expect(trustProxyWarning(true, 'development')).toBeUndefined();
    expect(trustProxyWarning(true, 'test')).toBeUndefined();
  });
});

describe('the demo server warns about TRUST_PROXY=true in production', () => {
  const server = join(__dirname, '../../dist/src/demo/server.js');
  if (!existsSync(server)) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');

  /** Runs the built demo until it listens or gives up, and returns everything it printed. */
  async function demoOutput(env: Record<string, string>): Promise<string> {
    const port = await freePort();
    const child = spawn(process.execPath, [server], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        NODE_ENV: 'production',
        SESSION_SECRET: 'demo-session-secret-for-the-trust-proxy-test-0123456789',
        STEPGUARD_PEPPER: 'demo-pepper-for-the-trust-proxy-test-9876543210-abcdefgh',
        STEPGUARD_ENCRYPTION_KEY: Buffer.from('0123456789abcdefghijklmnopqrstuv').toString('base64'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
        resolve(output);
      };
      const timer = setTimeout(done, 10_000);
      const read = (d: Buffer) => {
        output += d.toString();
        if (output.includes('"event":"listening"')) done();
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', () => setTimeout(done, 50));
    });
  }

  it('names TRUST_PROXY and the fix', async () => {
    const output = await demoOutput({ TRUST_PROXY: 'true' });
    expect(output).toMatch(/"event":"trust_proxy_every_hop"/);
    expect(output).toMatch(/TRUST_PROXY=true trusts every proxy hop in production.*TRUST_PROXY=1/);
  });

  it('stays quiet with a hop count', async () => {
    const output = await demoOutput({ TRUST_PROXY: '1' });
    expect(output.length).toBeGreaterThan(0);
    expect(output).not.toMatch(/trust_proxy_every_hop|trusts every proxy hop/);
  });
});
