import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeWithRedis, TEST_REDIS_URL } from '../helpers/withRedis';

/**
 * `stepguard recovery show|cancel|shorten` (issue 14 item 2), the real bin: what it refuses
 * without the stores it needs, and `show` reading the recovery the app keeps in Redis. Cancel
 * and shorten audit to MongoDB (not in this environment); their effects are tested through the
 * same service functions in recoveryOperator.test.ts.
 */
const ROOT = join(__dirname, '../..');
const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';
let bin = join(ROOT, 'dist/src/cli/stepguard.js');
let privateBuild: string | undefined;

beforeAll(() => {
  // `npm test` builds dist/ first; a dist/ older than these commands gets a private build, never a rewrite of the shared one.
  if (existsSync(bin) && readFileSync(bin, 'utf8').includes("'recovery shorten'")) return;
  privateBuild = mkdtempSync(join(tmpdir(), 'stepguard-cli-'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', privateBuild], { cwd: ROOT, stdio: 'ignore' });
  bin = join(privateBuild, 'src/cli/stepguard.js');
}, 120_000);
afterAll(() => {
  if (privateBuild) rmSync(privateBuild, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, NODE_PATH: join(ROOT, 'node_modules'), STEPGUARD_PEPPER: PEPPER, ...env },
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('stepguard recovery (the real bin)', () => {
  it('documents its commands', () => {
    const r = cli(['recovery', 'shorten', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('stepguard recovery shorten --user ID --hours N --reason TEXT');
    expect(cli(['--help']).stdout).toContain('stepguard recovery cancel --user ID --reason TEXT');
  });

  it('refuses bad arguments and missing stores with exit code 2, naming what is wrong', () => {
    const noHours = cli(['recovery', 'shorten', '--user', 'u1', '--reason', 'checked at the branch'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect([noHours.code, noHours.stderr]).toEqual([2, expect.stringContaining('--hours must be a number of hours >= 0')]);
    const noReason = cli(['recovery', 'cancel', '--user', 'u1']);
    expect([noReason.code, noReason.stderr]).toEqual([2, expect.stringContaining('--reason is required')]);
    const noRedis = cli(['recovery', 'cancel', '--user', 'u1', '--reason', 'owner called']);
    expect([noRedis.code, noRedis.stderr]).toEqual([2, expect.stringContaining('REDIS_URL is not set')]);
    const noMongo = cli(['recovery', 'cancel', '--user', 'u1', '--reason', 'owner called'], { REDIS_URL: TEST_REDIS_URL ?? 'redis://127.0.0.1:1' });
    expect([noMongo.code, noMongo.stderr]).toEqual([2, expect.stringContaining('MONGODB_URI is not set')]);
  }, 30_000);
});

describeWithRedis('stepguard recovery show', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redis: true });
  });
  afterAll(async () => {
    await t.close();
  });

  it('prints the recovery the app keeps, and nothing for an account without one', async () => {
    // The CLI reads with the real clock: the app's starts now too.
    t.clock.set(Date.now());
    const c = await t.client();
    await c.login().expect(200);
    const started = await c.post('/auth/2fa/recovery', {}).expect(202);
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: t.keyPrefix };
    const shown = cli(['recovery', 'show', '--user', 'u1'], env);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ userId: 'u1', status: 'pending', completesAtMs: Date.parse(started.body.recovery.completesAt) });
    const none = cli(['recovery', 'show', '--user', 'nobody'], env);
    expect([none.code, none.stdout]).toEqual([0, '']);
  }, 30_000);
});
