import { foldToGsm7 } from './foldToGsm7';
import { renderVerbatim } from './renderVerbatim';
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

/**
 * The text of a verification SMS: the code first (lock screens show the start), what it is
 * for, a warning not to share it, the optional Android app hash, and the WebOTP origin line
 * last as the spec requires. Letters GSM-7 lacks are folded (ó -> o) in the template's words
 * and the service name, so a plain code message stays in one 160-character GSM-7 segment.
 *
 * A transaction's amount and payee are never folded or shortened (PSD2 dynamic linking: the
 * payer must see exactly what the code approves, and the code is bound to the exact strings):
 * they are rendered verbatim (`renderVerbatim`), so distinct payees give distinct messages.
 * A payee GSM-7 lacks switches the message to UCS-2, and a long one may take more segments.
 */
export function renderSmsCodeMessage(input: SmsCodeMessageInput): string {
  const { code, serviceName, webOtpHost, transaction } = input;
  const templates = input.templates ?? (BUILT_IN_TEMPLATES.en as SmsTemplateSet);
  const tail = `${input.androidAppHash ? `\n${input.androidAppHash}` : ''}\n\n@${webOtpHost} #${code}`;
  const service = foldToGsm7(serviceName, false);
  if (!transaction) return `${foldToGsm7(fillTemplate(templates.code, { code, service }))}${tail}`;
  // Fold the template's own words before filling in (one pass), so no value is ever folded.
  return `${fillTemplate(foldToGsm7(templates.transaction), { code, service, ...verbatim(transaction) })}${tail}`;
}

/**
 * The words read out on a voice call: the code digit by digit, twice; for a transaction also
 * the amount and the payee (verbatim, as in the SMS), which the call must name as the SMS does.
 */
export function renderVoiceCodeMessage(input: {
  code: string;
  serviceName: string;
  templates?: SmsTemplateSet;
  transaction?: { amount: string; payee: string } | undefined;
}): string {
  const templates = input.templates ?? (BUILT_IN_TEMPLATES.en as SmsTemplateSet);
  const values = { service: input.serviceName, digits: input.code.split('').join(', ') };
  if (!input.transaction) return fillTemplate(templates.voice, values);
  return fillTemplate(templates.voiceTransaction, { ...values, ...verbatim(input.transaction) });
}

function verbatim(transaction: { amount: string; payee: string }): { amount: string; payee: string } {
  return { amount: renderVerbatim(transaction.amount, { keepNoBreakSpaces: true }), payee: renderVerbatim(transaction.payee) };
}

/** A notice (not a code): folded to GSM-7 so it stays cheap; it may take two segments. */
export function renderSmsNotice(template: string, values: Readonly<Record<string, string>>): string {
  return foldToGsm7(fillTemplate(template, values));
}
