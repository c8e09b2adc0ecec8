import { countSmsSegments } from './countSmsSegments';

export type SmsCodeMessageInput = {
  code: string;
  serviceName: string;
  /** Host of the origin the code is for; becomes the WebOTP line `@host #code`. */
  webOtpHost: string;
  /** When the code approves a transaction, the words that name it (amount, payee). */
  transaction?: { amount: string; payee: string };
};

const MIN_PAYEE_CHARS = 6;

/**
 * The text of a verification SMS: the code first (lock screens show the start), what it is
 * for, a warning not to share it, and the WebOTP origin line last as the spec requires. A
 * transaction's payee is shortened, never dropped, until the message fits one segment.
 */
export function renderSmsCodeMessage(input: SmsCodeMessageInput): string {
  const { code, serviceName, webOtpHost, transaction } = input;
  const originLine = `@${webOtpHost} #${code}`;
  if (!transaction) {
    return `${code} is your ${serviceName} verification code. Do not share it.\n\n${originLine}`;
  }
  const build = (payee: string) =>
    `${code} is your ${serviceName} code to approve a transfer of ${transaction.amount} to ${payee}. ` +
    `Do not share it.\n\n${originLine}`;
  let payee = toGsmSafe(transaction.payee);
  let text = build(payee);
  while (countSmsSegments(text).segments > 1 && payee.length > MIN_PAYEE_CHARS) {
    payee = `${payee.slice(0, Math.max(MIN_PAYEE_CHARS, payee.length - 4)).trimEnd()}..`;
    text = build(payee);
  }
  return text;
}

// A payee name in another script would switch the whole SMS to UCS-2 (70 characters); keep
// what GSM-7 can carry so the message stays one segment, and show the rest as '?'.
function toGsmSafe(value: string): string {
  return Array.from(value.normalize('NFC'))
    .map((ch) => (countSmsSegments(ch).encoding === 'GSM-7' && ch !== '\n' && ch !== '\r' ? ch : '?'))
    .join('');
}
