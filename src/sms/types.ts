export type SmsChannel = 'sms';

export type SmsMessage = {
  /** E.164 number. */
  to: string;
  body: string;
  channel: SmsChannel;
  /** The same key for the same logical message, so a retried send is not delivered twice. */
  idempotencyKey: string;
};

export type SmsDeliveryStatus = 'accepted' | 'sent' | 'delivered' | 'undelivered' | 'failed';

export type SmsSendResult = { providerMessageId: string; status: SmsDeliveryStatus; costMicros?: number };

/** Anything that can deliver a text message. Throws only when delivery could not be attempted. */
export interface SmsProvider {
  readonly name: string;
  send(message: SmsMessage): Promise<SmsSendResult>;
}
