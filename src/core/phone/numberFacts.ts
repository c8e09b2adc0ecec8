import { NUMBERING_PLAN, type NormalizePhoneResult } from './normalizePhone';
import { parseE164Once } from './parseE164Once';

/** What the flows need to know about a number: its E.164 form, country and line type (null: unknown). */
export type NumberFacts = { e164: string; country: string | null; lineType: string | null };

/** The facts of a parse, or null for a number that did not parse. */
export function factsOf(parsed: NormalizePhoneResult): NumberFacts | null {
  return parsed.ok ? { e164: parsed.e164, country: parsed.country ?? null, lineType: parsed.lineType ?? null } : null;
}

/**
 * A bound number's facts as its binding keeps them: read once, when the number was bound, so a
 * send and the risk policy need no libphonenumber parse per step-up (issue 12: ~60 µs each, the
 * largest single cost of stepguard's own in a send). Facts read under another numbering plan
 * (another libphonenumber release: a range it now calls VoIP, red team session 9), and bindings
 * from before the line type was kept, are read from the number (once per number per process).
 */
export function boundNumberFacts(binding: { e164: string; country: string | null; lineType?: string | null; numberingPlan?: string }): NumberFacts | null {
  if (binding.lineType !== undefined && binding.numberingPlan === NUMBERING_PLAN) return { e164: binding.e164, country: binding.country, lineType: binding.lineType };
  return factsOf(parseE164Once(binding.e164));
}

/** The country of a challenge's number: as the send stored it, else read from the number. */
export function challengeCountry(challenge: { phone: string; country?: string | null }): string | null {
  if (challenge.country !== undefined) return challenge.country;
  return factsOf(parseE164Once(challenge.phone))?.country ?? null;
}
