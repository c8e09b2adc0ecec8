import { SmsProviderError } from '../../src/sms/SmsProviderError';
import type { SmsChannel, SmsMessage, SmsProvider, SmsSendResult } from '../../src/sms/types';

/** An SMS provider for tests: keeps every message, can be told to fail or hang. */
export class RecordingSmsProvider implements SmsProvider {
  readonly messages: SmsMessage[] = [];
  /** Every call, including failed ones. */
  calls = 0;
  /** The next call fails permanently (a 4xx: not retried). */
  failNext = false;
  hangNext = false;

  constructor(
    readonly name = 'recording',
    readonly channels: readonly SmsChannel[] = ['sms', 'voice'],
  ) {}

  async send(message: SmsMessage): Promise<SmsSendResult> {
    this.calls += 1;
    if (this.hangNext) {
      this.hangNext = false;
      return new Promise<SmsSendResult>(() => undefined);
    }
    if (this.failNext) {
      this.failNext = false;
      throw new SmsProviderError('provider refused', 'permanent', { provider: this.name, httpStatus: 400 });
    }
    this.messages.push(message);
    return { providerMessageId: `${this.name}-m${this.messages.length}`, status: 'accepted' };
  }

  /** The code in the newest message, read from its WebOTP line `@host #code`. */
  lastCode(): string {
    const body = this.messages.at(-1)?.body ?? '';
    const match = /#(\d+)\s*$/.exec(body);
    if (!match?.[1]) throw new Error(`no code in the last SMS: ${JSON.stringify(body)}`);
    return match[1];
  }
}
