import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { maskPhone } from './maskPhone';

/**
 * The numbering plan this process reads numbers with: facts kept from another plan (a binding's
 * line type) are read again (see numberFacts.ts).
 */
export const NUMBERING_PLAN = `libphonenumber-js@${(require('libphonenumber-js/package.json') as { version: string }).version}`;

export type NormalizedPhone = {
  ok: true;
  e164: string;
  country: string | undefined;
  countryCallingCode: string;
  /** From libphonenumber's metadata; `undefined` when it cannot tell. */
  lineType: string | undefined;
  masked: string;
};

export type NormalizePhoneResult =
  | NormalizedPhone
  | { ok: false; reason: 'invalid_phone'; detail: 'not_a_number' | 'too_short' | 'too_long' | 'invalid' };

/**
 * Parses E.164 input, or a national number when `defaultCountry` is given, into E.164 with
 * its country and line type. Anything that is not a valid, dialable number is refused.
 */
export function normalizePhone(input: string, defaultCountry?: string): NormalizePhoneResult {
  if (typeof input !== 'string' || input.length > 32 || !/^[+\d\s().-]+$/.test(input)) {
    return { ok: false, reason: 'invalid_phone', detail: 'not_a_number' };
  }
  const digits = input.replace(/\D/g, '');
  if (digits.length < 5) return { ok: false, reason: 'invalid_phone', detail: 'too_short' };
  if (digits.length > 15) return { ok: false, reason: 'invalid_phone', detail: 'too_long' };
  const parsed = parsePhoneNumberFromString(input, defaultCountry as CountryCode | undefined);
  if (!parsed || !parsed.isValid()) return { ok: false, reason: 'invalid_phone', detail: 'invalid' };
  const e164 = parsed.number;
  return {
    ok: true,
    e164,
    country: parsed.country,
    countryCallingCode: parsed.countryCallingCode,
    lineType: parsed.getType(),
    masked: maskPhone(e164, parsed.countryCallingCode),
  };
}
