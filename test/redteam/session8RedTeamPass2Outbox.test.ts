import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { scrypt } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleSmsProvider } from '../../src/sms/ConsoleSmsProvider';
import { releaseFifosAndRemove } from '../helpers/fifoCleanup';
import { ProviderTimeoutError, withTimeout } from '../../src/sms/withTimeout';

/**
 * Red team, session 8, second pass (a42069d): ConsoleSmsProvider appends to a regular outbox
 * synchronously and to anything else (a named pipe, a device) through the thread pool, so the
 * attempt's timeout and failover work. The attacker is anyone who can ask for SMS sends while
 * the outbox does not take writes (a FIFO whose reader has not started or has died).
 */
const message = (id: string) => ({ to: '+14155550100', body: 'Your code is 123456', channel: 'sms' as const, idempotencyKey: id });

describe('red team session 8, pass 2: the console outbox', () => {
  let dir: string;
  let reader: ChildProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sg-rt8p2-outbox-'));
    reader = undefined;
  });
  afterEach(async () => {
    await releaseFifosAndRemove(dir, reader);
    reader = undefined;
  });

  // HELD: a symlink to a FIFO is followed by the stat, so it is not appended to synchronously.
  it('an outbox that is a symlink to a FIFO with no reader yet ends the attempt (fails or times out) instead of freezing the event loop', async () => {
    const fifo = join(dir, 'real.fifo');
    execFileSync('mkfifo', [fifo]);
    const link = join(dir, 'outbox.jsonl');
    symlinkSync(fifo, link);
    reader = spawn('sh', ['-c', 'sleep 1; cat "$1" > /dev/null', 'sh', fifo], { stdio: 'ignore' });
    const provider = new ConsoleSmsProvider({ output: null, outboxFile: link, environment: 'test' });
    const outcome = await withTimeout(() => provider.send(message('l')), 200, 'console').then(
      () => 'sent',
      (err: unknown) => (err instanceof ProviderTimeoutError ? 'timed out' : `failed: ${(err as Error).message}`),
    );
    // A frozen event loop lets the write finish first ("sent"); a free one ends the attempt.
    expect(outcome).not.toBe('sent');
  });

  // HELD: an outbox that is a directory fails the attempt (a rejection the router fails over on), no throw out of send.
  it('an outbox that is a directory rejects the send, it does not crash', async () => {
    const outbox = join(dir, 'outbox.d');
    mkdirSync(outbox);
    const provider = new ConsoleSmsProvider({ output: null, outboxFile: outbox, environment: 'test' });
    await expect(provider.send(message('d'))).rejects.toThrow();
  });

  // FINDING (low; dev/demo provider, operator-chosen path; the same as before 3f0df7f, which used
  // the promise API for every outbox): each send to a FIFO with no reader parks a libuv pool thread
  // in open() until a reader comes, and the attempt's timeout does not free it. Four sends
  // (UV_THREADPOOL_SIZE, default 4), each timing out and failing over to the next provider so the
  // user sees nothing wrong, take the whole pool: every later scrypt (the demo's password check on
  // sign-in), async fs and zlib call waits, so sign-in hangs for everyone. Reproduction:
  // SMS_OUTBOX_FILE=/tmp/outbox.fifo (mkfifo, its `tail` not started or dead), SMS_PROVIDER=console,http;
  // POST /auth/2fa/sms/send four times; POST /login never answers. Fix idea: open a non-regular
  // outbox with O_NONBLOCK (a FIFO with no reader then fails at once with ENXIO), or write through
  // one long-lived stream opened at start-up, so at most one pool thread can ever wait on it.
  // FIXED in session 8: a non-regular outbox is opened with O_NONBLOCK, so a FIFO without a
  // reader fails the attempt at once and parks no pool thread. With no reader at all, a blocked
  // open would hold its pool thread for good and the scrypt below would never finish.
  it('sends to a reader-less FIFO outbox do not take the thread pool from password hashing', async () => {
    const fifo = join(dir, 'outbox.fifo');
    execFileSync('mkfifo', [fifo]);
    const provider = new ConsoleSmsProvider({ output: null, outboxFile: fifo, environment: 'test' });
    const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const attempts = Array.from({ length: poolSize + 2 }, (_, i) => withTimeout(() => provider.send(message(`f${i}`)), 100, 'console').then(() => 'sent', () => 'ended'));
    expect(await Promise.all(attempts)).toEqual(new Array(poolSize + 2).fill('ended'));
    await new Promise<void>((resolve, reject) => scrypt('password', 'salt', 32, { N: 1024 }, (err) => (err ? reject(err) : resolve())));
  });
});
