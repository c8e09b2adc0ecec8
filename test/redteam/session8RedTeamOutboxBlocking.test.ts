import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleSmsProvider } from '../../src/sms/ConsoleSmsProvider';
import { releaseFifosAndRemove } from '../helpers/fifoCleanup';
import { ProviderTimeoutError, withTimeout } from '../../src/sms/withTimeout';

/**
 * Red team, session 8 (commit 3f0df7f): ConsoleSmsProvider writes its outbox with appendFileSync.
 * The open and write now run on the main thread, so an outbox that does not take the write at
 * once (a named pipe with no reader yet, a hung network mount, a full pipe) stops the whole
 * process: the provider's attempt timeout (createSmsRouter's withTimeout) cannot fire, so the
 * router cannot fail over to the next provider (`SMS_PROVIDER=console,http`), and every other
 * request waits too. With the promise API (before 3f0df7f) the open waited on a pool thread and
 * the attempt timed out.
 */
describe('red team session 8: the console outbox written synchronously', () => {
  let dir: string;
  let reader: ChildProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sg-rt8-outbox-'));
  });
  afterEach(async () => {
    await releaseFifosAndRemove(dir, reader);
    reader = undefined;
  });

  // FIXED in session 8 (non-regular outboxes go through the thread pool). Was a FINDING (low; dev/demo provider, operator-chosen path): reproduction: SMS_OUTBOX_FILE=/tmp/outbox.fifo
  // (mkfifo, the reader a tool started later) or an outbox on a stalled NFS mount; POST /auth/2fa/sms/send
  // freezes the event loop until the file takes the write: no timeout, no failover, no other request served.
  // Fix: keep the synchronous append for regular files only (fstat once at start-up and refuse, or fall back
  // to fs.promises.appendFile, for anything else), or append through a long-lived fs.WriteStream.
  it('an outbox that does not take the write at once leaves the event loop free, and the attempt ends', async () => {
    const fifo = join(dir, 'outbox.fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader that comes along 1.5 s later (a `tail` started after the server), then drains the pipe.
    reader = spawn('sh', ['-c', 'sleep 1.5; cat "$1" > /dev/null', 'sh', fifo], { stdio: 'ignore' });
    const provider = new ConsoleSmsProvider({ output: null, outboxFile: fifo, environment: 'test' });
    const message = { to: '+14155550100', body: 'Your code is 123456', channel: 'sms' as const, idempotencyKey: 'rt8' };

    const attempt = withTimeout(() => provider.send(message), 200, 'console');
    const outcome = await attempt.then(
      () => 'sent',
      (err: unknown) => (err instanceof ProviderTimeoutError ? 'timed out' : `failed: ${(err as Error).message}`),
    );

    // With the write on the main thread the event loop stops until the reader comes (1.5 s), the
    // timer cannot fire first, and the send "succeeds": a free event loop ends the attempt (since
    // the non-blocking open, at once: the pipe has no reader yet).
    expect(outcome).not.toBe('sent');
  });

  it('a regular outbox file still gets one JSON line per message (control)', async () => {
    const file = join(dir, 'outbox.jsonl');
    const provider = new ConsoleSmsProvider({ output: null, outboxFile: file, environment: 'test' });
    await provider.send({ to: '+14155550100', body: 'Your code is 123456', channel: 'sms', idempotencyKey: 'rt8-a' });
    await provider.send({ to: '+14155550101', body: 'Your code is 654321', channel: 'sms', idempotencyKey: 'rt8-b' });
    const lines = execFileSync('cat', [file], { encoding: 'utf8' }).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { to: string }).to)).toEqual(['+14155550100', '+14155550101']);
  });
});
