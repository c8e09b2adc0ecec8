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

  /**
   * The code in the newest message that carries one, read from its WebOTP line `@host #code`
   * (security alerts, which carry none, may come after it: a lockout's, a sign-in's).
   */
  lastCode(): string {
    for (const message of [...this.messages].reverse()) {
      const match = /#(\d+)\s*$/.exec(message.body);
      if (match?.[1]) return match[1];
    }
    throw new Error(`no code in any SMS; the last: ${JSON.stringify(this.messages.at(-1)?.body ?? '')}`);
  }
}
