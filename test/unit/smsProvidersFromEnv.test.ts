import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smsProvidersFromEnv } from '../../src/demo/smsProvidersFromEnv';
import { StepGuardConfigError } from '../../src/errors';

describe("the demo's SMS_PROVIDER=outbox", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-outbox-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes each message to the outbox file and nothing to the terminal', async () => {
    const file = join(dir, 'outbox.jsonl');
    const [provider] = smsProvidersFromEnv({ SMS_PROVIDER: 'outbox', SMS_OUTBOX_FILE: file, NODE_ENV: 'test' });
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await provider!.send({ to: '+14155550123', body: 'Your code is 123456', channel: 'sms', idempotencyKey: 'k1' });
    } finally {
      process.stdout.write = write;
    }
    expect(printed.join('')).not.toContain('123456');
    expect(JSON.parse(readFileSync(file, 'utf8').trim())).toMatchObject({ to: '+14155550123', body: 'Your code is 123456', channel: 'sms' });
  });

  it('needs SMS_OUTBOX_FILE, and says so', () => {
    expect(() => smsProvidersFromEnv({ SMS_PROVIDER: 'outbox', NODE_ENV: 'test' })).toThrow(StepGuardConfigError);
    expect(() => smsProvidersFromEnv({ SMS_PROVIDER: 'outbox', NODE_ENV: 'test' })).toThrow(/SMS_OUTBOX_FILE/);
  });
});
