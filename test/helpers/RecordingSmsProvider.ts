import type { SmsMessage, SmsProvider, SmsSendResult } from '../../src/sms/types';

/** An SMS provider for tests: keeps every message, can be told to fail. */
export class RecordingSmsProvider implements SmsProvider {
  readonly name = 'recording';
  readonly messages: SmsMessage[] = [];
  failNext = false;
  hangNext = false;

  async send(message: SmsMessage): Promise<SmsSendResult> {
    if (this.hangNext) {
      this.hangNext = false;
      return new Promise<SmsSendResult>(() => undefined);
    }
    if (this.failNext) {
      this.failNext = false;
      throw new Error('provider down');
    }
    this.messages.push(message);
    return { providerMessageId: `m${this.messages.length}`, status: 'accepted' };
  }

  /** The code in the newest message, read from its WebOTP line `@host #code`. */
  lastCode(): string {
    const body = this.messages.at(-1)?.body ?? '';
    const match = /#(\d+)\s*$/.exec(body);
    if (!match?.[1]) throw new Error(`no code in the last SMS: ${JSON.stringify(body)}`);
    return match[1];
  }
}
