import { appendFileSync, constants, statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { maskPhone } from '../core/phone/maskPhone';
import type { Clock } from '../core/clock';
import { systemClock } from '../systemClock';
import { StepGuardConfigError } from '../errors';
import type { SmsMessage, SmsProvider, SmsSendResult } from './types';

export type ConsoleSmsProviderOptions = {
  /** Where messages are printed; `null` prints nothing (with `outboxFile`: the file alone). @default process.stdout */
  output?: Writable | null;
  /** When set, each message is also appended as one JSON line `{to, body, channel, at}`. */
  outboxFile?: string;
  /** Refuse to start when this is `production`, unless `allowInProduction`. @default process.env.NODE_ENV */
  environment?: string;
  /** @default false */
  allowInProduction?: boolean;
  clock?: Clock;
};

/**
 * The development provider: messages go to the terminal (and optionally an outbox file that
 * tests and tools read) instead of a phone. It is a delivery channel, not a log, which is why
 * it may print codes; it therefore refuses to run in production unless told otherwise.
 */
export class ConsoleSmsProvider implements SmsProvider {
  readonly name = 'console';
  readonly channels = ['sms', 'voice'] as const;
  private readonly output: Writable | null;
  private readonly outboxFile: string | undefined;
  private readonly clock: Clock;
  private sent = 0;

  constructor(options: ConsoleSmsProviderOptions = {}) {
    const environment = options.environment ?? process.env.NODE_ENV;
    if (environment === 'production' && !options.allowInProduction) {
      throw new StepGuardConfigError(
        'sms.provider: the console SMS provider prints codes instead of sending them and is refused under ' +
          'NODE_ENV=production. Configure a real provider, or pass { allowInProduction: true } to ConsoleSmsProvider.',
      );
    }
    this.output = options.output === undefined ? process.stdout : options.output;
    this.outboxFile = options.outboxFile;
    this.clock = options.clock ?? systemClock;
  }

  async send(message: SmsMessage): Promise<SmsSendResult> {
    const at = new Date(this.clock.nowMs()).toISOString();
    this.output?.write(`\n[stepguard ${message.channel} -> ${maskPhone(message.to)}]\n${message.body}\n\n`);
    if (this.outboxFile) {
      const line = JSON.stringify({ to: message.to, body: message.body, channel: message.channel, at });
      // A regular file (or none yet) is appended to synchronously: a small append to the page
      // cache costs the event loop microseconds, where the promise API's open, write and close
      // through the thread pool cost about 0.3 ms of main-thread work per message. Anything else
      // (a named pipe a tool reads, a device) may not take the write at once: it is opened
      // non-blocking through the thread pool, so a pipe without a reader fails the attempt at
      // once (failover works) instead of parking a pool thread that password hashing needs
      // (red team, session 8).
      // Opened per message, so a file moved or removed by a tool is simply created again.
      if (isRegularFileOrAbsent(this.outboxFile)) appendFileSync(this.outboxFile, `${line}\n`, 'utf8');
      else await appendFile(this.outboxFile, `${line}\n`, { encoding: 'utf8', flag: NON_BLOCKING_APPEND });
    }
    this.sent += 1;
    return { providerMessageId: `console-${this.sent}-${message.idempotencyKey}`, status: 'delivered' };
  }
}

const NON_BLOCKING_APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK;

function isRegularFileOrAbsent(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return true; // Absent: appendFileSync creates a regular file (and reports any other error).
  }
}
