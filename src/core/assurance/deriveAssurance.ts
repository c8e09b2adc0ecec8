import { LEVELS, PHISHING_RESISTANT_FACTORS, SECOND_FACTORS, type AssuranceLevel, type FactorTimes } from './types';

export type Assurance = {
  /** RFC 8176 authentication method references, plus `mfa` when two or more were used. */
  amr: string[];
  /** `aal1`, `aal2` or `aal2-phr`; `undefined` before any first factor. */
  acr: AssuranceLevel | undefined;
  /** Epoch ms of the most recent verification of any factor. */
  authTimeMs: number | undefined;
};

// RFC 8176 has no value for recovery codes; they are one-time codes the user holds.
const AMR_VALUE: Record<string, string> = { pwd: 'pwd', sms: 'sms', otp: 'otp', hwk: 'hwk', swk: 'swk', backup: 'otp' };

/** Derives `amr`, `acr` and `auth_time` from the factors a session has verified. */
export function deriveAssurance(factors: FactorTimes): Assurance {
  const used = Object.keys(factors).filter((f) => typeof factors[f as keyof FactorTimes] === 'number');
  const amr = [...new Set(used.map((f) => AMR_VALUE[f]).filter((v): v is string => Boolean(v)))];
  if (used.length >= 2) amr.push('mfa');
  const times = used.map((f) => factors[f as keyof FactorTimes] as number);
  const authTimeMs = times.length ? Math.max(...times) : undefined;
  if (factors.pwd === undefined) return { amr, acr: undefined, authTimeMs };
  const seconds = SECOND_FACTORS.filter((f) => factors[f] !== undefined);
  let acr: AssuranceLevel = 'aal1';
  if (seconds.some((f) => PHISHING_RESISTANT_FACTORS.includes(f))) acr = 'aal2-phr';
  else if (seconds.length > 0) acr = 'aal2';
  return { amr, acr, authTimeMs };
}

/** Whether `actual` meets or exceeds `required`. */
export function levelSatisfies(actual: AssuranceLevel | undefined, required: AssuranceLevel): boolean {
  if (actual === undefined) return false;
  return LEVELS.indexOf(actual) >= LEVELS.indexOf(required);
}
