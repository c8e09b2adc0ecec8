import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createStepGuard } from '../../src/createStepGuard';
import { cliBinWith, runCli } from '../helpers/cliBin';
import { fakeClock } from '../helpers/fakeClock';

const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';

describe('stepguard audit verify --stream (the real bin)', () => {
  let cli: { bin: string; cleanup(): void };
  let dir: string;
  let lines: string[];
  beforeAll(async () => {
    cli = cliBinWith('checkpoint rounds from');
    dir = mkdtempSync(join(tmpdir(), 'stepguard-stream-'));
    // A stream as the stdout sink writes it (what a log shipper would store).
    const out = new PassThrough();
    lines = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    const guard = createStepGuard({ environment: 'test', secrets: { pepper: PEPPER, sessionSecret: PEPPER }, clock: fakeClock(), audit: { sinks: [{ type: 'stdout', stream: out }] } });
    for (const userId of ['u1', 'u2', 'u1', 'u1', 'u2']) await guard.service.audit({ type: 'login_failed', outcome: 'failure', userId });
    await guard.closeAuditSinks();
  }, 120_000);
  afterAll(() => {
    cli?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, content: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${content.join('\n')}\n`);
    return path;
  };

  it('proves a complete stream (duplicates and chains interleaved are fine)', async () => {
    const r = await runCli(cli.bin, ['audit', 'verify', '--stream', file('ok.jsonl', [...lines].reverse().concat(lines[0] as string))], { STEPGUARD_PEPPER: PEPPER });
    expect(r.stdout).toMatch(/^OK: 2 chains, 5 events, 2 checkpoints, 1 duplicates, 0 broken/m);
    // The one limit: what a node sent after its last round held. The operator sees when that was.
    expect(r.stdout).toMatch(/^node \S+: last round 1 at \d{4}-\d\d-\d\dT[\d:.]+Z \(nothing after it is provable\)$/m);
    expect(r.code).toBe(0);
  });

  it('exits 1 and names the chain when a line was edited', async () => {
    const edited = lines.map((l, i) => (i === 2 ? l.replace('"outcome":"failure"', '"outcome":"success"') : l));
    const r = await runCli(cli.bin, ['audit', 'verify', '--stream', file('edited.jsonl', edited)], { STEPGUARD_PEPPER: PEPPER });
    expect(r.stdout).toMatch(/^BROKEN chain u1 at seq 2 \([^)]+\): mac mismatch$/m);
    expect(r.stdout).toMatch(/^FAILED: /m);
    expect(r.code).toBe(1);
  });

  it('exits 1 when the last event before a checkpoint never arrived', async () => {
    const lastOfU1 = lines.findIndex((l) => l.includes('"kind":"audit_event"') && l.includes('"chainId":"u1"') && l.includes('"seq":3'));
    const r = await runCli(cli.bin, ['audit', 'verify', '--stream', file('tail.jsonl', lines.filter((_, i) => i !== lastOfU1))], { STEPGUARD_PEPPER: PEPPER });
    expect(r.stdout).toMatch(/^BROKEN chain u1 at seq 3 .*missing before checkpoint/m);
    expect(r.code).toBe(1);
  });

  it("exits 1 when a whole chain (its events and checkpoints) was taken out: its round is short of it", async () => {
    const r = await runCli(cli.bin, ['audit', 'verify', '--stream', file('no-u2.jsonl', lines.filter((l) => !l.includes('"chainId":"u2"')))], { STEPGUARD_PEPPER: PEPPER });
    expect(r.stdout).toMatch(/^BROKEN checkpoint rounds \(round\.[^)]+\.1\): round incomplete: node \S+ round 1 checkpointed 2 chains; 1 of them are in the stream$/m);
    expect(r.stdout).toMatch(/^FAILED: 1 chains, 3 events, 1 checkpoints, 0 duplicates, 1 broken, 1 checkpoint rounds from 1 nodes;/m);
    expect(r.code).toBe(1);
  });

  it('needs STEPGUARD_PEPPER (exit 2)', async () => {
    const r = await runCli(cli.bin, ['audit', 'verify', '--stream', file('ok2.jsonl', lines)], {});
    expect(r.stderr).toContain('STEPGUARD_PEPPER');
    expect(r.code).toBe(2);
  });
});
