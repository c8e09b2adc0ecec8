import { StepGuardConfigError } from '../../errors';
import type { IncomingReceipt, ReceiptCheck, SmsChannel, SmsDeliveryStatus, SmsMessage, SmsProvider, SmsSendOptions, SmsSendResult } from '../types';
import { SmsProviderError } from '../SmsProviderError';
import { providerRequest, trimSlash } from './providerRequest';
import { header, hmacSha256Hex, signaturesMatch } from './receiptSignatures';

export type HttpSmsProviderOptions = {
  /** The name receipts are posted under: `POST <basePath>/webhooks/<name>`. @default 'http' */
  name?: string;
  /** Messages are posted to `<baseUrl>/messages`. */
  baseUrl: string;
  bearerToken: string;
  /** The sender id or number. */
  from: string;
  /** Signs receipts: `X-Signature: hex(HMAC-SHA256(secret, raw body))`. Without it receipts are refused. */
  webhookSecret?: string;
  /** How far a receipt's `timestamp` may be from now. @default 300 */
  receiptToleranceSeconds?: number;
  /** @default 5000 */
  timeoutMs?: number;
  /** @default ['sms', 'voice'] */
  channels?: readonly SmsChannel[];
};

const STATUSES: readonly SmsDeliveryStatus[] = ['accepted', 'sent', 'delivered', 'undelivered', 'failed'];

/**
 * A provider-neutral HTTP gateway: `POST <baseUrl>/messages` with a bearer token and JSON
 * `{to, from, body, channel}`, answered by `201 {id, status}`. Receipts are JSON
 * `{id, status, timestamp}` signed over the raw body; the timestamp keeps old ones from being replayed.
 */
export class HttpSmsProvider implements SmsProvider {
  readonly name: string;
  readonly channels: readonly SmsChannel[];
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly toleranceMs: number;

  constructor(private readonly options: HttpSmsProviderOptions) {
    this.name = options.name ?? 'http';
    if (!/^https?:\/\//.test(options.baseUrl)) throw new StepGuardConfigError(`HttpSmsProvider.baseUrl: must be an http(s) URL, got "${options.baseUrl}".`);
    if (!options.bearerToken) throw new StepGuardConfigError('HttpSmsProvider.bearerToken: required.');
    if (options.webhookSecret !== undefined && options.webhookSecret.length < 16) {
      throw new StepGuardConfigError('HttpSmsProvider.webhookSecret: must be at least 16 characters.');
    }
    this.url = `${trimSlash(options.baseUrl)}/messages`;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.toleranceMs = (options.receiptToleranceSeconds ?? 300) * 1000;
    this.channels = options.channels ?? ['sms', 'voice'];
  }

  async send(message: SmsMessage, options: SmsSendOptions = {}): Promise<SmsSendResult> {
    const { json } = await providerRequest({
      provider: this.name,
      url: this.url,
      headers: { authorization: `Bearer ${this.options.bearerToken}`, 'idempotency-key': message.idempotencyKey },
      body: { to: message.to, from: this.options.from, body: message.body, channel: message.channel },
      timeoutMs: this.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const id = json.id;
    if (typeof id !== 'string' || !id) throw new SmsProviderError(`${this.name} answered without a message id`, 'permanent', { provider: this.name });
    const status = STATUSES.includes(json.status as SmsDeliveryStatus) ? (json.status as SmsDeliveryStatus) : 'accepted';
    const cost = typeof json.costMicros === 'number' && Number.isFinite(json.costMicros) ? { costMicros: json.costMicros } : {};
    return { providerMessageId: id, status, ...cost };
  }

  verifyReceipt(receipt: IncomingReceipt): ReceiptCheck {
    const secret = this.options.webhookSecret;
    if (!secret) return { ok: false, reason: 'bad_signature' };
    if (!signaturesMatch(hmacSha256Hex(secret, receipt.rawBody), header(receipt.headers, 'x-signature')?.toLowerCase())) {
      return { ok: false, reason: 'bad_signature' };
    }
    let body: unknown;
    try {
      body = JSON.parse(receipt.rawBody.toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const { id, status, timestamp, errorCode } = (body ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || !id || id.length > 128 || !STATUSES.includes(status as SmsDeliveryStatus)) return { ok: false, reason: 'malformed' };
    const atMs = typeof timestamp === 'number' ? timestamp * 1000 : typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
    if (!Number.isFinite(atMs) || Math.abs(receipt.nowMs - atMs) > this.toleranceMs) return { ok: false, reason: 'stale' };
    return {
      ok: true,
      receipts: [{ providerMessageId: id, status: status as SmsDeliveryStatus, providerStatus: String(status), ...(typeof errorCode === 'string' ? { errorCode } : {}) }],
    };
  }
}
