import type { SmsDeliveryStatus } from '../types';

export type TwilioCredentials = {
  accountSid: string;
  /** The auth token: authenticates requests (unless an API key is given) and signs receipts. */
  authToken: string;
  /** An API key (SK...) and its secret, used for requests instead of the auth token when given. */
  apiKeySid?: string;
  apiKeySecret?: string;
};

export function twilioAuthorization(credentials: TwilioCredentials): string {
  const user = credentials.apiKeySid ?? credentials.accountSid;
  const password = credentials.apiKeySid ? (credentials.apiKeySecret ?? '') : credentials.authToken;
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Twilio message and call statuses mapped onto stepguard's forward-only status line. */
export function twilioStatus(status: string): SmsDeliveryStatus | null {
  switch (status) {
    case 'accepted':
    case 'queued':
    case 'scheduled':
    case 'initiated':
    case 'pending':
      return 'accepted';
    case 'sending':
    case 'sent':
    case 'ringing':
    case 'in-progress':
      return 'sent';
    case 'delivered':
    case 'read':
    case 'completed':
    case 'approved':
      return 'delivered';
    case 'undelivered':
    case 'busy':
    case 'no-answer':
      return 'undelivered';
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return null;
  }
}
