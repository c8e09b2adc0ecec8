import { randomBytes, randomInt } from 'node:crypto';

/**
 * The random source, injected so tests can make it predictable. Production code only ever
 * uses {@link cryptoRandom}: codes and ids must come from a CSPRNG (crypto), never a PRNG.
 */
export interface RandomSource {
  /** A uniform integer in [minInclusive, maxExclusive). */
  int(minInclusive: number, maxExclusive: number): number;
  /** `length` uniformly random bytes. */
  bytes(length: number): Buffer;
}

/** The CSPRNG-backed random source (`crypto.randomInt`, `crypto.randomBytes`). */
export const cryptoRandom: RandomSource = {
  int: (minInclusive, maxExclusive) => randomInt(minInclusive, maxExclusive),
  bytes: (length) => randomBytes(length),
};

/** A 128-bit random identifier, base64url encoded (22 characters). */
export function newRandomId(random: RandomSource): string {
  return random.bytes(16).toString('base64url');
}
