import { createHmac } from 'node:crypto';

/**
 * The only form in which a code is stored: HMAC-SHA256(pepper, challengeId + ':' + code),
 * hex encoded. Binding the challenge id means a hash leaked from one challenge says nothing
 * about another, and the pepper (kept outside the store) makes a leaked store useless for
 * brute-forcing the 10^6 code space offline.
 */
export function hashOtpCode(pepper: string, challengeId: string, code: string): string {
  return createHmac('sha256', pepper).update(`${challengeId}:${code}`).digest('hex');
}
