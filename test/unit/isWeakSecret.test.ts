import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { isWeakSecret, MIN_SECRET_ESTIMATED_BITS } from '../../src/core/crypto/isWeakSecret';

// Uniform bytes (noBias): fast-check's default bias towards small values would hand us all-zero
// arrays, which are weak on purpose.
const randomKey = fc.noBias(fc.uint8Array({ minLength: 32, maxLength: 32 }));

describe('isWeakSecret', () => {
  it.each([
    ['all one character', 'a'.repeat(32), 'one_symbol'],
    ['a short repeated pattern', 'abc'.repeat(11), 'repeated_pattern'],
    ['a 16-character value typed twice', 'Zq8vN3kLp0Xw7RtY'.repeat(2), 'repeated_pattern'],
    ['a pattern with a partial tail', `${'pass1234'.repeat(4)}pa`, 'repeated_pattern'],
    ['the alphabet', 'abcdefghijklmnopqrstuvwxyzABCDEF', 'sequence'],
    ['one odd character in a run', `${'a'.repeat(31)}b`, 'sequence'],
    ['two symbols', 'aabbabbbaababaaabbbababbaabbabab', 'low_entropy'],
    ['five symbols', 'aebdcbeacdaebcdeabcedbaecdbacedb', 'low_entropy'],
  ])('refuses %s', (_what, secret, reason) => {
    expect(isWeakSecret(secret)).toMatchObject({ weak: true, reason });
  });

  it.each([
    ['an all-zero key', Buffer.alloc(32), 'one_symbol'],
    ['a repeated-byte key', Buffer.alloc(32, 7), 'one_symbol'],
    ['a key of a repeated 4-byte word', Buffer.from('deadbeef'.repeat(8), 'hex'), 'repeated_pattern'],
    ['a counting key', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 'sequence'],
  ])('refuses %s', (_what, key, reason) => {
    expect(isWeakSecret(key)).toMatchObject({ weak: true, reason });
  });

  it('accepts the secrets `openssl rand` makes', () => {
    for (const secret of [randomBytes(48).toString('base64'), randomBytes(32).toString('hex'), randomBytes(16).toString('hex'), randomBytes(32)]) {
      expect(isWeakSecret(secret)).toMatchObject({ weak: false });
    }
  });

  it('never refuses a random 32-byte secret, as base64 or as key bytes', () => {
    fc.assert(
      fc.property(randomKey, (bytes) => {
        const key = Buffer.from(bytes);
        expect(isWeakSecret(key.toString('base64')).weak).toBe(false);
        expect(isWeakSecret(key.toString('base64url')).weak).toBe(false);
        expect(isWeakSecret(key).weak).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('always refuses a repeated pattern, however random the pattern', () => {
    const pattern = fc.string({ unit: 'binary', minLength: 1, maxLength: 16 });
    fc.assert(
      fc.property(pattern, fc.nat(15), (unit, extra) => {
        const units = Array.from(unit);
        const repeated = Array.from({ length: Math.ceil(32 / units.length) + 1 }, () => units).flat();
        const secret = repeated.slice(0, Math.max(32, units.length * 2) + (extra % units.length)).join('');
        expect(isWeakSecret(secret).weak).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('takes its threshold from the caller', () => {
    const secret = randomBytes(32).toString('base64');
    expect(isWeakSecret(secret).estimatedBits).toBeGreaterThan(MIN_SECRET_ESTIMATED_BITS);
    expect(isWeakSecret(secret, 1000)).toMatchObject({ weak: true, reason: 'low_entropy' });
  });
});
