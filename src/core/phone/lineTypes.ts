/**
 * Every line type libphonenumber-js reports (`getType()`), plus `UNKNOWN` for a number whose type
 * neither the numbering plan nor a lookup provider could tell. `phone.blockedLineTypes` speaks
 * these names.
 */
export const LINE_TYPES = [
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
  'FIXED_LINE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
  'UNKNOWN',
] as const;

export type LineType = (typeof LINE_TYPES)[number];

/**
 * Why each type is sent codes or not by default; README's line-type table says the same.
 * Allowed: MOBILE, and FIXED_LINE_OR_MOBILE, the type of numbers in plans that do not tell
 * mobiles from landlines (all of +1: the US, Canada, the Caribbean; ranges in IN, MX, DK, ZA, …):
 * refusing it would refuse every US number; a lookup provider (`risk.phoneIntel`) tells them
 * apart for new numbers.
 */
export const LINE_TYPE_DECISIONS: Readonly<Record<LineType, { blocked: boolean; why: string }>> = {
  MOBILE: { blocked: false, why: 'receives SMS and belongs to a person' },
  FIXED_LINE_OR_MOBILE: { blocked: false, why: 'the plan cannot tell (all of +1, some ranges elsewhere); a lookup provider can' },
  FIXED_LINE: { blocked: true, why: 'most cannot receive SMS; voice is only a fallback for a number already bound' },
  TOLL_FREE: { blocked: true, why: 'a business line, not a handset; toll-free texting is a paid business service' },
  PREMIUM_RATE: { blocked: true, why: 'revenue share: the classic toll-fraud range' },
  SHARED_COST: { blocked: true, why: 'revenue share' },
  VOIP: { blocked: true, why: 'bought in bulk, often revenue-share; weak tie to a person' },
  PERSONAL_NUMBER: { blocked: true, why: 'UK 070 and similar follow-me numbers: revenue share, look like mobiles' },
  PAGER: { blocked: true, why: 'one-way legacy ranges, no person to answer; priced like special services' },
  UAN: { blocked: true, why: 'company-wide access numbers: not a person, revenue share' },
  VOICEMAIL: { blocked: true, why: 'voicemail access numbers, not a handset' },
  UNKNOWN: { blocked: true, why: 'fail closed: nobody could classify it' },
};

/** The default `phone.blockedLineTypes`. */
export const DEFAULT_BLOCKED_LINE_TYPES: readonly LineType[] = LINE_TYPES.filter((type) => LINE_TYPE_DECISIONS[type].blocked);

/**
 * The type the line-type rule judges. With libphonenumber-js/max every valid number has a type
 * (validity is a match against a type's pattern), so `null`/`undefined` only reach here for a
 * number no source could classify: it is judged as `UNKNOWN`, never let through unjudged.
 */
export function lineTypeForPolicy(lineType: string | null | undefined): string {
  return lineType ?? 'UNKNOWN';
}
