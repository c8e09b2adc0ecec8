import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * ops/prometheus/stepguard.rules.yml checked and unit-tested by promtool (Debian's `prometheus`
 * package). .ci/run installs it and sets STEPGUARD_REQUIRE_PROMTOOL=1, so there a missing
 * promtool fails instead of skipping.
 */
const DIR = join(__dirname, '..', '..', 'ops', 'prometheus');

function findPromtool(): string | null {
  for (const candidate of ['/usr/bin/promtool', '/usr/local/bin/promtool']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null;
}

const PROMTOOL = findPromtool();
if (!PROMTOOL) {
  const message = 'promtool was not found: the Prometheus rules suite is SKIPPED (apt-get install prometheus).';
  if (process.env.STEPGUARD_REQUIRE_PROMTOOL === '1') throw new Error(`STEPGUARD_REQUIRE_PROMTOOL=1 but ${message}`);
  console.warn(`!!!!!!!! ${message} !!!!!!!!`);
}
const suite = PROMTOOL ? describe : describe.skip;

const run = (args: string[]) => {
  const result = spawnSync(PROMTOOL as string, args, { cwd: DIR, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

suite('Prometheus rules (promtool)', () => {
  it('promtool check rules accepts stepguard.rules.yml', () => {
    const { status, output } = run(['check', 'rules', 'stepguard.rules.yml']);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    expect(status).toBe(0);
  });

  it('promtool test rules passes: each alert fires on the series that should trip it and not on the others', () => {
    const { status, output } = run(['test', 'rules', 'stepguard.rules.test.yml']);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('promtool test rules can fail: a rule file with a threshold moved fails its tests', () => {
    // Proves the tests above are not vacuous: the delivery alert at 60 s misses its firing case.
    const rules = readFileSync(join(DIR, 'stepguard.rules.yml'), 'utf8').replace('rate(stepguard_sms_delivery_latency_seconds_bucket[10m]))) > 15', 'rate(stepguard_sms_delivery_latency_seconds_bucket[10m]))) > 60');
    expect(rules).toContain('> 60');
    const dir = mkdtempSync(join(tmpdir(), 'stepguard-rules-'));
    try {
      writeFileSync(join(dir, 'stepguard.rules.yml'), rules);
      writeFileSync(join(dir, 'stepguard.rules.test.yml'), readFileSync(join(DIR, 'stepguard.rules.test.yml')));
      const result = spawnSync(PROMTOOL as string, ['test', 'rules', 'stepguard.rules.test.yml'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(result.status).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toContain('StepguardDeliveryLatencyHigh');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
