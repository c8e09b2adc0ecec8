import type { RandomSource } from '../random';

/**
 * A numeric one-time code of `digits` digits, each drawn uniformly (leading zeros kept).
 *
 * @param digits number of digits; 6 by default (DESIGN.md §8)
 */
export function generateOtpCode(random: RandomSource, digits = 6): string {
  if (!Number.isInteger(digits) || digits < 4 || digits > 10) {
    throw new RangeError(`generateOtpCode: digits must be an integer from 4 to 10, got ${digits}`);
  }
  let code = '';
  for (let i = 0; i < digits; i += 1) code += String(random.int(0, 10));
  return code;
}
