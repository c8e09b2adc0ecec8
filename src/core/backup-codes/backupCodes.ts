import { createHmac } from 'node:crypto';
import type { RandomSource } from '../random';

// Crockford base32: no I, L, O, U, so codes read aloud and typed back without confusion.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARS = 16; // 16 x 5 bits = 80 bits per code

/** `count` backup codes of 80 bits each, formatted `XXXX-XXXX-XXXX-XXXX`. */
export function generateBackupCodes(random: RandomSource, count = 10): string[] {
  return Array.from({ length: count }, () => {
    let raw = '';
    for (let i = 0; i < CODE_CHARS; i += 1) raw += ALPHABET[random.int(0, 32)];
    return raw.match(/.{4}/g)!.join('-');
  });
}

/**
 * A typed code in canonical form, forgiving what people do (spaces, dashes, lower case, I/L for
 * 1, O for 0), or `null` when it cannot be a backup code.
 */
export function normalizeBackupCode(input: string): string | null {
  if (typeof input !== 'string' || input.length > 40) return null;
  const canonical = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  return canonical.length === CODE_CHARS && [...canonical].every((c) => ALPHABET.includes(c)) ? canonical : null;
}

/** What is stored of a backup code: a keyed hash of its canonical form. */
export function hashBackupCode(pepper: string, canonical: string): string {
  return createHmac('sha256', pepper).update(`backup:${canonical}`).digest('base64url');
}
