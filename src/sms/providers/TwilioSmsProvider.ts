import { StepGuardConfigError } from '../../errors';
import type { IncomingReceipt, ParsedReceipt, ReceiptCheck, SmsChannel, SmsMessage, SmsProvider, SmsSendOptions, SmsSendResult } from '../types';
import { SmsProviderError } from '../SmsProviderError';
import { providerRequest, trimSlash } from './providerRequest';
import { header, signaturesMatch, twilioSignature } from './receiptSignatures';
import { twilioAuthorization, twilioStatus, type TwilioCredentials } from './twilioShared';

export type TwilioSmsProviderOptions = TwilioCredentials & {
  /** @default 'twilio' (receipts arrive at `<basePath>/webhooks/twilio`) */
  name?: string;
  /** A sending number (E.164) or alphanumeric sender id; or give messagingServiceSid. */
  from?: string;
  messagingServiceSid?: string;
  /** A WhatsApp-enabled sender (E.164); enables the `whatsapp` channel. */
  whatsappFrom?: string;
  /** A voice-capable number (E.164); enables the `voice` channel. @default from, when it is a number */
  voiceFrom?: string;
  /**
   * The public URL of the receipts webhook, exactly as Twilio will call it (its signature covers
   * the URL). stepguard sets it from appOrigin and the router's base path when left out.
   */
  statusCallbackUrl?: string;
  /** @default 'https://api.twilio.com' */
  baseUrl?: string;
  /** @default 5000 */
  timeoutMs?: number;
};

/**
 * Twilio Programmable Messaging (and Programmable Voice for the `voice` channel): form-encoded
 * REST with basic auth, an idempotency token so a retried request is not sent twice, and a
 * status callback whose receipts carry `X-Twilio-Signature`.
 */
export class TwilioSmsProvider implements SmsProvider {
  readonly name: string;
  readonly channels: readonly SmsChannel[];
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private statusCallbackUrl: string | undefined;

  constructor(private readonly options: TwilioSmsProviderOptions) {
    this.name = options.name ?? 'twilio';
    if (!/^AC[0-9a-fA-F]{32}$/.test(options.accountSid)) throw new StepGuardConfigError('TwilioSmsProvider.accountSid: must look like AC followed by 32 hex digits.');
    if (!options.authToken) throw new StepGuardConfigError('TwilioSmsProvider.authToken: required (it also verifies receipts).');
    if (!options.from && !options.messagingServiceSid) throw new StepGuardConfigError('TwilioSmsProvider: give `from` or `messagingServiceSid`.');
    this.baseUrl = trimSlash(options.baseUrl ?? 'https://api.twilio.com');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.statusCallbackUrl = options.statusCallbackUrl;
    const voiceFrom = options.voiceFrom ?? (options.from && /^\+\d+$/.test(options.from) ? options.from : undefined);
    this.channels = ['sms', ...(voiceFrom ? (['voice'] as const) : []), ...(options.whatsappFrom ? (['whatsapp'] as const) : [])];
  }

  /** Called by createStepGuard with the webhook URL it serves, unless one was configured. */
  setDefaultStatusCallbackUrl(url: string): void {
    this.statusCallbackUrl ??= url;
  }

  async send(message: SmsMessage, options: SmsSendOptions = {}): Promise<SmsSendResult> {
    const account = `${this.baseUrl}/2010-04-01/Accounts/${this.options.accountSid}`;
    const form = new URLSearchParams();
    let url: string;
    if (message.channel === 'voice') {
      const from = this.options.voiceFrom ?? this.options.from;
      if (!from || !this.channels.includes('voice')) throw new SmsProviderError(`${this.name} has no voice number`, 'permanent', { provider: this.name });
      url = `${account}/Calls.json`;
      form.set('To', message.to);
      form.set('From', from);
      form.set('Twiml', voiceTwiml(message.body, message.locale));
      if (this.statusCallbackUrl) form.set('StatusCallback', this.statusCallbackUrl);
    } else {
      url = `${account}/Messages.json`;
      const whatsapp = message.channel === 'whatsapp';
      if (whatsapp && !this.options.whatsappFrom) throw new SmsProviderError(`${this.name} has no WhatsApp sender`, 'permanent', { provider: this.name });
      form.set('To', whatsapp ? `whatsapp:${message.to}` : message.to);
      if (whatsapp) form.set('From', `whatsapp:${this.options.whatsappFrom}`);
      else if (this.options.messagingServiceSid) form.set('MessagingServiceSid', this.options.messagingServiceSid);
      else form.set('From', this.options.from as string);
      form.set('Body', message.body);
      if (this.statusCallbackUrl) form.set('StatusCallback', this.statusCallbackUrl);
    }
    const { json } = await providerRequest({
      provider: this.name,
      url,
      headers: { authorization: twilioAuthorization(this.options), 'i-twilio-idempotency-token': message.idempotencyKey },
      body: form,
      timeoutMs: this.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const sid = json.sid;
    if (typeof sid !== 'string' || !sid) throw new SmsProviderError(`${this.name} answered without a sid`, 'permanent', { provider: this.name });
    return { providerMessageId: sid, status: twilioStatus(String(json.status ?? '')) ?? 'accepted' };
  }

  verifyReceipt(receipt: IncomingReceipt): ReceiptCheck {
    if (!receipt.contentType.startsWith('application/x-www-form-urlencoded')) return { ok: false, reason: 'malformed' };
    const params = new URLSearchParams(receipt.rawBody.toString('utf8'));
    const expected = twilioSignature(this.options.authToken, this.statusCallbackUrl ?? receipt.url, params);
    if (!signaturesMatch(expected, header(receipt.headers, 'x-twilio-signature'))) return { ok: false, reason: 'bad_signature' };
    const sid = params.get('MessageSid') ?? params.get('CallSid');
    const providerStatus = params.get('MessageStatus') ?? params.get('CallStatus') ?? '';
    const status = twilioStatus(providerStatus);
    if (!sid || !status) return { ok: false, reason: 'malformed' };
    const errorCode = params.get('ErrorCode');
    const parsed: ParsedReceipt = { providerMessageId: sid, status, providerStatus, ...(errorCode ? { errorCode } : {}) };
    return { ok: true, receipts: [parsed] };
  }
}

function voiceTwiml(text: string, locale: string | undefined): string {
  const escaped = text.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const language = locale ? ` language="${locale.replace(/[^a-zA-Z-]/g, '')}"` : '';
  // Said twice: a code heard once while picking up the phone is easily missed.
  return `<Response><Say${language}>${escaped}</Say><Pause length="1"/><Say${language}>${escaped}</Say></Response>`;
}
