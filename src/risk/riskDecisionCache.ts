import { SECOND_FACTORS, type SecondFactorId } from '../core/assurance/types';
import type { RiskSignals } from '../core/policy/types';

/**
 * What the session keeps of one action's risk evaluation: when its signals were read, the
 * signals, and the enrolled factors. The decision itself is not kept: it is re-derived from
 * these by the (pure, sub-microsecond) policy, so a cached and a fresh decision over the same
 * signals are the same by construction, and `recordSuccess` can re-derive it with what a
 * success changed.
 */
export type CachedRiskEntry = { atMs: number; signals: RiskSignals; enrolledFactors: SecondFactorId[] };

/**
 * The session's cached risk evaluations (issue 12), valid only in the context they were made in:
 * the client IP and the exact device cookie value that was verified (HMAC) when they were made,
 * so a guarded read can reuse them without computing the HMAC again.
 */
export type RiskDecisionCache = { ip: string; deviceCookie: string; entries: Map<string, CachedRiskEntry> };

/*
 * The format, one string (version 1):
 *
 *   1|<ip>|<device cookie>|<entry>|<entry>...
 *   entry = <action>,<signals read at, epoch seconds, base 36>,<signals>,<enrolled factors>
 *   signals = tokens joined by "~": a flag letter, f<failures>, l<line type letter>, L<line type>
 *   enrolled factors = one letter each
 *
 * Free text (the IP, the cookie, an unknown line type) is percent-escaped down to [A-Za-z0-9_.-],
 * so no separator can occur inside a field. The time is kept in whole seconds, rounded down: a
 * cached entry can only look older than it is. Decoding is strict (exactly canonical input,
 * every field checked): anything else, an older format included, is "no cache".
 *
 * The letter tables below are part of the format: never reuse a letter for another meaning
 * without raising the version.
 */
const VERSION = '1';

const FLAG_LETTERS = {
  newDevice: 'd',
  newCountry: 'c',
  impossibleTravel: 'i',
  ipDenied: 'x',
  torExit: 't',
  datacenterIp: 'h',
  recentLockout: 'k',
  phoneChangedRecently: 'p',
  simSwapRecent: 's',
  backupCodeUsedRecently: 'b',
} as const satisfies Partial<Record<keyof RiskSignals, string>>;
type FlagSignal = keyof typeof FLAG_LETTERS;
const FLAGS = Object.keys(FLAG_LETTERS) as FlagSignal[];
const FLAG_OF_LETTER = new Map<string, FlagSignal>(FLAGS.map((f) => [FLAG_LETTERS[f], f]));

/** libphonenumber's line types (src/core/phone/lineTypes.ts), one letter each; others are spelled out. */
const LINE_TYPE_LETTERS: Readonly<Record<string, string>> = {
  MOBILE: 'M',
  FIXED_LINE_OR_MOBILE: 'B',
  FIXED_LINE: 'F',
  TOLL_FREE: 'T',
  PREMIUM_RATE: 'P',
  SHARED_COST: 'S',
  VOIP: 'V',
  PERSONAL_NUMBER: 'N',
  PAGER: 'G',
  UAN: 'U',
  VOICEMAIL: 'O',
  UNKNOWN: 'K',
};
const LINE_TYPE_OF_LETTER = new Map(Object.entries(LINE_TYPE_LETTERS).map(([type, letter]) => [letter, type]));

const FACTOR_LETTERS: Readonly<Record<SecondFactorId, string>> = { sms: 's', otp: 'o', hwk: 'h', swk: 'w', backup: 'b' };
const FACTOR_OF_LETTER = new Map(SECOND_FACTORS.map((f) => [FACTOR_LETTERS[f], f]));

/** Action names as the options allow them (config.ts); a name outside this is never cached. */
const ACTION_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const BASE36_SECONDS = /^(0|[1-9a-z][0-9a-z]{0,10})$/;
const FAILURES = /^[1-9][0-9]{0,8}$/;

/** The text percent-escaped down to [A-Za-z0-9_.-]; `undefined` for text that is not well-formed Unicode. */
function escapeField(text: string): string | undefined {
  try {
    return encodeURIComponent(text).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    return undefined; // a lone surrogate
  }
}

/** The text of an escaped field, or `undefined` when it is not exactly what escapeField writes. */
function unescapeField(field: string): string | undefined {
  let text: string;
  try {
    text = decodeURIComponent(field);
  } catch {
    return undefined;
  }
  return escapeField(text) === field ? text : undefined;
}

/** Every signal this format writes; a signal outside it makes the entry unrepresentable. */
const ENCODED_SIGNALS = new Set<string>([...FLAGS, 'consecutiveFailures', 'lineType', 'transactionAmount']);

function encodeSignals(signals: RiskSignals): string | undefined {
  // A signal added to RiskSignals but not to this format would otherwise be dropped silently and
  // the re-derived decision be looser than the one made: no cache instead (fail closed).
  for (const key of Object.keys(signals)) if (!ENCODED_SIGNALS.has(key)) return undefined;
  const tokens: string[] = [];
  for (const flag of FLAGS) {
    const value = signals[flag];
    if (value === true) tokens.push(FLAG_LETTERS[flag]);
    else if (value !== undefined && value !== false) return undefined;
  }
  const failures = signals.consecutiveFailures;
  if (failures !== undefined && failures !== 0) {
    if (!Number.isSafeInteger(failures) || failures < 0 || !FAILURES.test(String(failures))) return undefined;
    tokens.push(`f${failures}`);
  }
  const lineType = signals.lineType;
  if (lineType !== undefined && lineType !== '') {
    if (typeof lineType !== 'string') return undefined;
    const letter = LINE_TYPE_LETTERS[lineType];
    if (letter !== undefined && Object.hasOwn(LINE_TYPE_LETTERS, lineType)) tokens.push(`l${letter}`);
    else {
      const spelled = escapeField(lineType);
      if (spelled === undefined) return undefined;
      tokens.push(`L${spelled}`);
    }
  }
  // A transaction amount only comes with transaction details, whose decisions are never cached.
  if (signals.transactionAmount !== undefined) return undefined;
  return tokens.join('~');
}

function decodeSignals(field: string): RiskSignals | undefined {
  const signals: RiskSignals = {};
  if (field === '') return signals;
  let lastFlag = -1;
  let sawFailures = false;
  let sawLineType = false;
  for (const token of field.split('~')) {
    const kind = token.charAt(0);
    const rest = token.slice(1);
    const flag = FLAG_OF_LETTER.get(kind);
    if (flag !== undefined && rest === '') {
      const index = FLAGS.indexOf(flag);
      // Flags in table order, before the valued tokens: one canonical spelling per value.
      if (index <= lastFlag || sawFailures || sawLineType) return undefined;
      lastFlag = index;
      signals[flag] = true;
    } else if (kind === 'f' && !sawFailures && !sawLineType && FAILURES.test(rest)) {
      sawFailures = true;
      signals.consecutiveFailures = Number(rest);
    } else if (kind === 'l' && !sawLineType && LINE_TYPE_OF_LETTER.has(rest)) {
      sawLineType = true;
      signals.lineType = LINE_TYPE_OF_LETTER.get(rest);
    } else if (kind === 'L' && !sawLineType && rest !== '') {
      const lineType = unescapeField(rest);
      // A known type has its letter: the spelled-out form of one is not canonical.
      if (lineType === undefined || Object.hasOwn(LINE_TYPE_LETTERS, lineType)) return undefined;
      sawLineType = true;
      signals.lineType = lineType;
    } else {
      return undefined;
    }
  }
  return signals;
}

function encodeFactors(factors: readonly SecondFactorId[]): string | undefined {
  let out = '';
  for (const factor of factors) {
    const letter = Object.hasOwn(FACTOR_LETTERS, factor) ? FACTOR_LETTERS[factor] : undefined;
    if (letter === undefined) return undefined;
    if (!out.includes(letter)) out += letter;
  }
  return out;
}

function decodeFactors(field: string): SecondFactorId[] | undefined {
  const factors: SecondFactorId[] = [];
  for (const letter of field) {
    const factor = FACTOR_OF_LETTER.get(letter);
    if (factor === undefined || factors.includes(factor)) return undefined;
    factors.push(factor);
  }
  return factors;
}

function encodeEntry(action: string, entry: CachedRiskEntry): string | undefined {
  if (!ACTION_NAME.test(action)) return undefined;
  if (!Number.isSafeInteger(entry.atMs) || entry.atMs < 0) return undefined;
  const signals = encodeSignals(entry.signals);
  const factors = encodeFactors(entry.enrolledFactors);
  if (signals === undefined || factors === undefined) return undefined;
  return `${action},${Math.floor(entry.atMs / 1000).toString(36)},${signals},${factors}`;
}

/**
 * The one string the session keeps. An entry the format cannot represent (an action name outside
 * the options' pattern, a transaction amount, a malformed signal) is left out: a cache miss
 * later, never a wrong hit. `undefined` when no entry is left.
 */
export function encodeRiskDecisionCache(cache: RiskDecisionCache): string | undefined {
  const ip = escapeField(cache.ip);
  const deviceCookie = escapeField(cache.deviceCookie);
  if (ip === undefined || deviceCookie === undefined || cache.deviceCookie === '') return undefined;
  const parts = [VERSION, ip, deviceCookie];
  for (const [action, entry] of cache.entries) {
    const encoded = encodeEntry(action, entry);
    if (encoded !== undefined) parts.push(encoded);
  }
  return parts.length > 3 ? parts.join('|') : undefined;
}

/**
 * The cache from what the session holds, or `undefined` for anything that is not exactly a value
 * `encodeRiskDecisionCache` writes: absent, garbage, tampered, an older format (the object one
 * before issue 12). The caller then evaluates afresh. Never throws.
 */
export function decodeRiskDecisionCache(value: unknown): RiskDecisionCache | undefined {
  if (typeof value !== 'string' || value.length > 4096) return undefined;
  const parts = value.split('|');
  if (parts.length < 4 || parts[0] !== VERSION) return undefined;
  const ip = unescapeField(parts[1] as string);
  const deviceCookie = unescapeField(parts[2] as string);
  if (ip === undefined || deviceCookie === undefined || deviceCookie === '') return undefined;
  const entries = new Map<string, CachedRiskEntry>();
  for (const part of parts.slice(3)) {
    const fields = part.split(',');
    if (fields.length !== 4) return undefined;
    const [action, at, signalsField, factorsField] = fields as [string, string, string, string];
    if (!ACTION_NAME.test(action) || entries.has(action) || !BASE36_SECONDS.test(at)) return undefined;
    const atSeconds = parseInt(at, 36);
    if (!Number.isSafeInteger(atSeconds * 1000)) return undefined;
    const signals = decodeSignals(signalsField);
    const enrolledFactors = decodeFactors(factorsField);
    if (signals === undefined || enrolledFactors === undefined) return undefined;
    entries.set(action, { atMs: atSeconds * 1000, signals, enrolledFactors });
  }
  return { ip, deviceCookie, entries };
}
