import { countSmsSegments } from './countSmsSegments';
import { foldToGsm7 } from './foldToGsm7';
import { BUILT_IN_TEMPLATES, fillTemplate, type SmsTemplateSet } from './smsTemplates';

export type SmsCodeMessageInput = {
  code: string;
  serviceName: string;
  /** Host of the origin the code is for; becomes the WebOTP line `@host #code`. */
  webOtpHost: string;
  /** When the code approves a transaction, the words that name it (amount, payee). */
  transaction?: { amount: string; payee: string };
  /** @default the English templates */
  templates?: SmsTemplateSet;
  /** Android SMS Retriever app hash (11 characters), put on the line before the WebOTP line. */
  androidAppHash?: string;
};

const MIN_PAYEE_CHARS = 6;

/**
 * The text of a verification SMS: the code first (lock screens show the start), what it is
 * for, a warning not to share it, the optional Android app hash, and the WebOTP origin line
 * last as the spec requires. Letters GSM-7 lacks are folded (ó -> o) so the message stays in
 * one 160-character segment; a transaction's payee is shortened, never dropped, to fit.
 */
export function renderSmsCodeMessage(input: SmsCodeMessageInput): string {
  const { code, serviceName, webOtpHost, transaction } = input;
  const templates = input.templates ?? (BUILT_IN_TEMPLATES.en as SmsTemplateSet);
  const tail = `${input.androidAppHash ? `\n${input.androidAppHash}` : ''}\n\n@${webOtpHost} #${code}`;
  const service = foldToGsm7(serviceName, false);
  if (!transaction) return `${foldToGsm7(fillTemplate(templates.code, { code, service }))}${tail}`;
  const build = (payee: string) =>
    `${foldToGsm7(fillTemplate(templates.transaction, { code, service, amount: foldToGsm7(transaction.amount, false), payee }))}${tail}`;
  let payee = foldToGsm7(transaction.payee, false);
  let text = build(payee);
  while (countSmsSegments(text).segments > 1 && payee.length > MIN_PAYEE_CHARS) {
    payee = `${payee.slice(0, Math.max(MIN_PAYEE_CHARS, payee.length - 4)).trimEnd()}..`;
    text = build(payee);
  }
  return text;
}

/** The words read out on a voice call: the code digit by digit, twice. */
export function renderVoiceCodeMessage(input: { code: string; serviceName: string; templates?: SmsTemplateSet }): string {
  const templates = input.templates ?? (BUILT_IN_TEMPLATES.en as SmsTemplateSet);
  return fillTemplate(templates.voice, { service: input.serviceName, digits: input.code.split('').join(', ') });
}

/** A notice (not a code): folded to GSM-7 so it stays cheap; it may take two segments. */
export function renderSmsNotice(template: string, values: Readonly<Record<string, string>>): string {
  return foldToGsm7(fillTemplate(template, values));
}
