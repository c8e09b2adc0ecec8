export type SmsChannel = 'sms' | 'voice' | 'whatsapp';
export const SMS_CHANNELS: readonly SmsChannel[] = ['sms', 'voice', 'whatsapp'];

export type SmsMessage = {
  /** E.164 number. */
  to: string;
  /** The text (for `voice`, what is read out). */
  body: string;
  channel: SmsChannel;
  /** The same key for the same logical message, so a retried send is not delivered twice. */
  idempotencyKey: string;
  /** BCP 47 language of `body` (voice providers pick a voice with it). */
  locale?: string;
};

export type SmsDeliveryStatus = 'accepted' | 'sent' | 'delivered' | 'undelivered' | 'failed';

/** Status order: a receipt may only move a message to a later rank. */
export const DELIVERY_STATUS_RANK: Readonly<Record<SmsDeliveryStatus, number>> = {
  accepted: 0,
  sent: 1,
  delivered: 2,
  undelivered: 2,
  failed: 2,
};

export type SmsSendResult = { providerMessageId: string; status: SmsDeliveryStatus; costMicros?: number };

export type SmsSendOptions = {
  /** Aborted when the attempt's timeout passes; providers pass it to their HTTP request. */
  signal?: AbortSignal;
};

/** A delivery receipt as the webhook received it: the raw bytes (signatures cover them). */
export type IncomingReceipt = {
  rawBody: Buffer;
  contentType: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The public URL the provider posted to (Twilio signs it). */
  url: string;
  nowMs: number;
};

export type ParsedReceipt = { providerMessageId: string; status: SmsDeliveryStatus; providerStatus: string; errorCode?: string };

export type ReceiptCheck = { ok: true; receipts: ParsedReceipt[] } | { ok: false; reason: 'bad_signature' | 'stale' | 'malformed' };

/**
 * Anything that can deliver a text message. `send` resolves when the provider accepted the
 * message and throws an `SmsProviderError` (transient or permanent) when it did not.
 */
export interface SmsProvider {
  readonly name: string;
  /** The channels it can deliver on. @default ['sms'] */
  readonly channels?: readonly SmsChannel[];
  send(message: SmsMessage, options?: SmsSendOptions): Promise<SmsSendResult>;
  /** Verifies and reads a delivery receipt; providers without one never get receipts. */
  verifyReceipt?(receipt: IncomingReceipt): ReceiptCheck;
}

/**
 * A provider that owns the code (Twilio Verify): it generates, sends and checks it; stepguard
 * still binds the challenge, counts the attempts and enforces the lockout.
 */
export interface CodeOwningSmsProvider {
  readonly name: string;
  readonly channels: readonly SmsChannel[];
  start(input: { to: string; channel: SmsChannel; locale?: string }, options?: SmsSendOptions): Promise<SmsSendResult>;
  /** `valid: false` for a wrong code and for a verification the provider no longer knows. */
  check(input: { to: string; code: string }, options?: SmsSendOptions): Promise<{ valid: boolean }>;
}
