import { normalizePhone, type NormalizePhoneResult } from './normalizePhone';

const MAX_ENTRIES = 1000;
const parsed = new Map<string, NormalizePhoneResult>();

/**
 * `normalizePhone(e164)` for numbers already stored in E.164 (a binding, a challenge), parsed
 * once per number rather than once per use: risk, send and verify each needed the country or
 * line type of the same bound number, and libphonenumber's parse cost ~3 % of a step-up (issue
 * 12). Same answer as normalizePhone (a pure function of its input), frozen because it is shared;
 * the oldest entry goes when the cache is full, so memory stays bounded.
 */
export function parseE164Once(e164: string): NormalizePhoneResult {
  const known = parsed.get(e164);
  if (known) return known;
  const result = Object.freeze(normalizePhone(e164));
  if (parsed.size >= MAX_ENTRIES) parsed.delete(parsed.keys().next().value as string);
  parsed.set(e164, result);
  return result;
}
