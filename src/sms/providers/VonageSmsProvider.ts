import { StepGuardConfigError } from '../../errors';
import { countSmsSegments } from '../../core/messages/countSmsSegments';
import type { IncomingReceipt, ReceiptCheck, SmsChannel, SmsDeliveryStatus, SmsMessage, SmsProvider, SmsSendOptions, SmsSendResult } from '../types';
import { SmsProviderError } from '../SmsProviderError';
import { providerRequest, trimSlash } from './providerRequest';
import { signaturesMatch, vonageSignature } from './receiptSignatures';

export type VonageSmsProviderOptions = {
  /** @default 'vonage' */
  name?: string;
  apiKey: string;
  apiSecret: string;
  from: string;
  /** Signs delivery receipts (SHA-256 HMAC); without it receipts are refused. */
  signatureSecret?: string;
  /** The public receipts URL, sent as `callback`. */
  statusCallbackUrl?: string;
  /** @default 'https://rest.nexmo.com' */
  baseUrl?: string;
  /** @default 5000 */
  timeoutMs?: number;
  /** How far a receipt's `timestamp` may be from now. @default 300 */
  receiptToleranceSeconds?: number;
};

// Vonage SMS API statuses that mean "try again later"; every other non-zero status is final.
const TRANSIENT_STATUSES = new Set(['1', '5']);

/** Vonage (Nexmo) SMS API: form-encoded `POST /sms/json`, one answer per message part. */
export class VonageSmsProvider implements SmsProvider {
  readonly name: string;
  readonly channels: readonly SmsChannel[] = ['sms'];
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private statusCallbackUrl: string | undefined;

  constructor(private readonly options: VonageSmsProviderOptions) {
    this.name = options.name ?? 'vonage';
    if (!options.apiKey || !options.apiSecret) throw new StepGuardConfigError('VonageSmsProvider: apiKey and apiSecret are required.');
    if (!options.from) throw new StepGuardConfigError('VonageSmsProvider.from: required.');
    this.baseUrl = trimSlash(options.baseUrl ?? 'https://rest.nexmo.com');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.statusCallbackUrl = options.statusCallbackUrl;
  }

  setDefaultStatusCallbackUrl(url: string): void {
    this.statusCallbackUrl ??= url;
  }

  async send(message: SmsMessage, options: SmsSendOptions = {}): Promise<SmsSendResult> {
    if (message.channel !== 'sms') throw new SmsProviderError(`${this.name} only sends SMS`, 'permanent', { provider: this.name });
    const form = new URLSearchParams({
      api_key: this.options.apiKey,
      api_secret: this.options.apiSecret,
      from: this.options.from,
      to: message.to.replace(/^\+/, ''),
      text: message.body,
      'client-ref': message.idempotencyKey.slice(0, 40),
    });
    if (countSmsSegments(message.body).encoding === 'UCS-2') form.set('type', 'unicode');
    if (this.statusCallbackUrl) form.set('callback', this.statusCallbackUrl);
    const { json } = await providerRequest({
      provider: this.name,
      url: `${this.baseUrl}/sms/json`,
      headers: {},
      body: form,
      timeoutMs: this.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const parts = Array.isArray(json.messages) ? (json.messages as Record<string, unknown>[]) : [];
    const first = parts[0];
    if (!first) throw new SmsProviderError(`${this.name} answered without messages`, 'transient', { provider: this.name });
    const failed = parts.find((part) => String(part.status) !== '0');
    if (failed) {
      const status = String(failed.status);
      throw new SmsProviderError(`${this.name} refused the message (status ${status})`, TRANSIENT_STATUSES.has(status) ? 'transient' : 'permanent', {
        provider: this.name,
      });
    }
    const price = parts.reduce((sum, part) => sum + (Number(part['message-price']) || 0), 0);
    return { providerMessageId: String(first['message-id']), status: 'accepted', ...(price > 0 ? { costMicros: Math.round(price * 1e6) } : {}) };
  }

  verifyReceipt(receipt: IncomingReceipt): ReceiptCheck {
    const secret = this.options.signatureSecret;
    if (!secret) return { ok: false, reason: 'bad_signature' };
    let params: Record<string, string>;
    try {
      params = receipt.contentType.startsWith('application/json')
        ? Object.fromEntries(Object.entries(JSON.parse(receipt.rawBody.toString('utf8')) as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
        : Object.fromEntries(new URLSearchParams(receipt.rawBody.toString('utf8')));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (!signaturesMatch(vonageSignature(secret, params), params.sig?.toUpperCase())) return { ok: false, reason: 'bad_signature' };
    const atMs = Number(params.timestamp) * 1000;
    if (!Number.isFinite(atMs) || Math.abs(receipt.nowMs - atMs) > (this.options.receiptToleranceSeconds ?? 300) * 1000) return { ok: false, reason: 'stale' };
    const id = params.messageId;
    const providerStatus = params.status ?? '';
    const status = vonageStatus(providerStatus);
    if (!id || !status) return { ok: false, reason: 'malformed' };
    return { ok: true, receipts: [{ providerMessageId: id, status, providerStatus, ...(params['err-code'] ? { errorCode: params['err-code'] } : {}) }] };
  }
}

function vonageStatus(status: string): SmsDeliveryStatus | null {
  switch (status) {
    case 'accepted':
    case 'buffered':
      return 'accepted';
    case 'delivered':
      return 'delivered';
    case 'expired':
    case 'unknown':
      return 'undelivered';
    case 'failed':
    case 'rejected':
      return 'failed';
    default:
      return null;
  }
}
