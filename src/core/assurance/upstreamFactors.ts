import type { SecondFactorId } from './types';

/** An identity provider whose MFA counts here, and which of its RFC 8176 `amr` values count as which factor. */
export type TrustedIssuer = {
  /** Compared exactly, as OpenID Connect compares issuers. */
  issuer: string;
  /** e.g. `{ otp: 'otp', hwk: 'hwk', swk: 'swk', sms: 'sms' }`; values not listed count for nothing. */
  amr: Readonly<Partial<Record<string, SecondFactorId>>>;
};

/** What the upstream sign-in said about itself (ID token / SAML assertion claims). */
export type UpstreamClaims = {
  issuer: string;
  amr?: readonly string[];
  acr?: string;
  /** `auth_time`: epoch seconds of the user's authentication at the upstream. */
  authTimeSeconds?: number;
};

export type UpstreamFactors =
  | { ok: true; factors: SecondFactorId[]; atMs: number }
  | { ok: false; reason: 'malformed_claims' | 'untrusted_issuer' | 'no_auth_time' | 'auth_time_in_future' | 'no_factor' };

/** More `amr` values than any real token carries: such claims are not read at all. */
const MAX_AMR_VALUES = 32;

/**
 * Whether the claims have the shape a verified token gives (some identity providers and SAML
 * bridges send `amr` as one string): an issuer string, `amr` an array of at most 32 short
 * strings. Anything else counts as no upstream MFA, never as an error.
 */
export function wellFormedUpstreamClaims(claims: unknown): claims is UpstreamClaims {
  const c = claims as Partial<Record<keyof UpstreamClaims, unknown>> | null;
  if (typeof c !== 'object' || c === null || typeof c.issuer !== 'string' || c.issuer.length > 2048) return false;
  if (c.amr !== undefined && !(Array.isArray(c.amr) && c.amr.length <= MAX_AMR_VALUES && c.amr.every((v) => typeof v === 'string' && v.length <= 64))) return false;
  return c.authTimeSeconds === undefined || typeof c.authTimeSeconds === 'number';
}

/** How far an upstream's clock may run ahead of ours. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Which second factors an upstream sign-in proves, and since when. Only a trusted issuer's
 * mapped `amr` values count, dated at its `auth_time` (never later than now): the action's
 * `maxAgeSeconds` then judges them like factors verified here, so stale upstream MFA does not
 * satisfy a step-up. Anything else (untrusted issuer, no or future `auth_time`) proves nothing
 * beyond the sign-in itself.
 */
export function upstreamFactors(trusted: readonly TrustedIssuer[], claims: UpstreamClaims, nowMs: number): UpstreamFactors {
  if (!wellFormedUpstreamClaims(claims)) return { ok: false, reason: 'malformed_claims' };
  const entry = trusted.find((t) => t.issuer === claims.issuer);
  if (!entry) return { ok: false, reason: 'untrusted_issuer' };
  const authTime = claims.authTimeSeconds;
  if (typeof authTime !== 'number' || !Number.isFinite(authTime) || authTime <= 0) return { ok: false, reason: 'no_auth_time' };
  const atMs = authTime * 1000;
  if (atMs > nowMs + CLOCK_SKEW_MS) return { ok: false, reason: 'auth_time_in_future' };
  const factors = [...new Set((claims.amr ?? []).flatMap((value) => (Object.hasOwn(entry.amr, value) && entry.amr[value] ? [entry.amr[value]] : [])))];
  if (factors.length === 0) return { ok: false, reason: 'no_factor' };
  return { ok: true, factors, atMs: Math.min(atMs, nowMs) };
}
