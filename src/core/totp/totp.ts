import { generate, generateSecret, generateURI, verify } from 'otplib';

/** DESIGN.md §8: SHA-1, 6 digits, 30 s, ±1 step, 20-byte secrets. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
export const TOTP_SECRET_BYTES = 20;

/** A new base32 TOTP secret of 20 random bytes. */
export function newTotpSecret(): string {
  return generateSecret({ length: TOTP_SECRET_BYTES });
}

/** The `otpauth://` URI an authenticator app scans. */
export function totpUri(options: { secret: string; issuer: string; account: string }): string {
  return generateURI({
    issuer: options.issuer,
    label: options.account,
    secret: options.secret,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/** The code for `nowMs` (tests and tools). */
export function totpCodeAt(secret: string, nowMs: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(nowMs / 1000), period: TOTP_PERIOD_SECONDS, digits: TOTP_DIGITS, algorithm: 'sha1' });
}

/**
 * Checks a code at `nowMs` within one step either side, refusing any time step at or before
 * `lastTimeStep` (a used step is never accepted again). Returns the matched step, or `null`.
 */
export async function matchTotp(secret: string, code: string, nowMs: number, lastTimeStep: number | null): Promise<number | null> {
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(nowMs / 1000),
    period: TOTP_PERIOD_SECONDS,
    digits: TOTP_DIGITS,
    algorithm: 'sha1',
    epochTolerance: TOTP_PERIOD_SECONDS,
    ...(lastTimeStep !== null ? { afterTimeStep: lastTimeStep } : {}),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
