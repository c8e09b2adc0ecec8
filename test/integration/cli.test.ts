import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toAuditLine } from '../../src/audit/auditEventLines';
import { createTestApp } from '../helpers/createTestApp';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'dist/src/cli/stepguard.js');
const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, STEPGUARD_PEPPER: PEPPER, ...env },
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the stepguard admin CLI (the real bin)', () => {
  let exportFile: string;
  let lines: string[];

  beforeAll(async () => {
    if (!existsSync(BIN)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
    // Record real events through the demo, then export them as the CLI would.
    const t = await createTestApp();
    const c = await t.client();
    await c.stepUp();
    await c.post('/auth/2fa/phone', { phone: '+16505550100' }).expect(202);
    await c.post('/auth/2fa/phone/verify', { code: t.sms.lastCode() }).expect(200);
    await c.login('alice', 'wrong-password-here').expect(401);
    // A failure for a name that is no account goes to the system chain (a second chain).
    await c.login('nobody-here', 'wrong-password-here').expect(401);
    lines = [];
    for await (const e of t.stores.audit.list({})) lines.push(toAuditLine(e));
    exportFile = join(mkdtempSync(join(tmpdir(), 'stepguard-cli-')), 'audit.jsonl');
    writeFileSync(exportFile, `${lines.join('\n')}\n`);
  });

  it('verifies an intact export', () => {
    const r = cli(['audit', 'verify', '--file', exportFile]);
    expect(r.stdout).toMatch(/^OK: 2 chains, \d+ events, 0 broken$/m);
    expect(r.code).toBe(0);
  });

  it('fails on an edited event and names it', () => {
    const u1Start = lines.findIndex((l) => JSON.parse(l).chainId === 'u1');
    const edited = lines.map((l, i) => (i === u1Start + 2 ? l.replace('"outcome":"success"', '"outcome":"failure"') : l));
    expect(edited).not.toEqual(lines);
    const file = `${exportFile}.edited`;
    writeFileSync(file, edited.join('\n'));
    const r = cli(['audit', 'verify', '--file', file]);
    const id = JSON.parse(lines[u1Start + 2] as string).id as string;
    expect(r.stdout).toContain(`BROKEN chain u1: event ${id} (seq 3): mac mismatch`);
    expect(r.code).toBe(1);
  });

  it('fails on a deleted event', () => {
    const file = `${exportFile}.deleted`;
    const u1Start = lines.findIndex((l) => JSON.parse(l).chainId === 'u1');
    writeFileSync(file, lines.filter((_, i) => i !== u1Start + 1).join('\n'));
    const r = cli(['audit', 'verify', '--file', file]);
    expect(r.stdout).toMatch(/BROKEN chain u1: .*sequence gap/);
    expect(r.code).toBe(1);
  });

  it('fails when a chain lost its first event (not explained by retention)', () => {
    const file = `${exportFile}.headless`;
    const u1Start = lines.findIndex((l) => JSON.parse(l).chainId === 'u1');
    writeFileSync(file, lines.filter((_, i) => i !== u1Start).join('\n'));
    const r = cli(['audit', 'verify', '--file', file]);
    expect(r.stdout).toMatch(/BROKEN chain u1: .*\(seq 2\): head missing/);
    expect(r.code).toBe(1);
  });

  it('verifies one user only with --user', () => {
    const r = cli(['audit', 'verify', '--file', exportFile, '--user', 'u1']);
    expect(r.stdout).toMatch(/^OK: 1 chains/m);
    expect(r.code).toBe(0);
  });

  it('refuses to verify without the pepper (exit 2)', () => {
    const r = cli(['audit', 'verify', '--file', exportFile], { STEPGUARD_PEPPER: undefined });
    expect(r.stderr).toContain('STEPGUARD_PEPPER is not set');
    expect(r.code).toBe(2);
  });

  it('treats a wrong pepper as tampering', () => {
    const r = cli(['audit', 'verify', '--file', exportFile], { STEPGUARD_PEPPER: 'x'.repeat(40) });
    expect(r.code).toBe(1);
  });

  it.each([
    [['--help'], 0, /stepguard audit verify/],
    [['audit', 'verify', '--help'], 0, /first broken link/],
    [['audit', 'export', '--help'], 0, /JSON lines/],
    [['factors', 'list', '--help'], 0, /enrolled factors/],
    [['factors', 'reset', '--help'], 0, /admin action/],
  ])('prints help for %j', (args, code, text) => {
    const r = cli(args as string[]);
    expect(r.stdout).toMatch(text as RegExp);
    expect(r.code).toBe(code);
  });

  it.each([
    [[], /Usage/],
    [['audit', 'frobnicate'], /unknown command "audit frobnicate"/],
    [['audit', 'verify', '--usr', 'u1'], /unknown option --usr/],
    [['audit', 'verify', '--user'], /--user needs a value/],
    [['audit', 'export', '--since', 'yesterday'], /--since must be an ISO 8601 date/],
    [['factors', 'list'], /--user is required/],
    [['factors', 'reset', '--user', 'u1', '--factor', 'retina', '--reason', 'lost'], /--factor must be one of/],
    [['factors', 'reset', '--user', 'u1', '--factor', 'sms'], /--reason is required/],
    [['factors', 'list', '--user', 'u1'], /no store for factors: MONGODB_URI and REDIS_URL are not set/],
  ])('exits 2 with a clear message for %j', (args, message) => {
    const r = cli(args as string[]);
    expect(`${r.stdout}${r.stderr}`).toMatch(message as RegExp);
    expect(r.code).toBe(2);
  });

  it('reads back what it exported line for line (export format)', () => {
    const first = JSON.parse(readFileSync(exportFile, 'utf8').split('\n')[0] as string);
    expect(first).toMatchObject({ chainId: expect.any(String), seq: 1, ts: expect.stringMatching(/Z$/), mac: expect.any(String) });
  });
});
