import { cryptoRandom, newRandomId } from '../../src/core/random';

/**
 * cryptoRandom.bytes cuts small requests from a pooled block of CSPRNG output (issue 12). Every
 * value must still be fresh: never repeated, never zeros from the wiped part of the block, never
 * shared with a later value, across refills, for every size.
 */
describe('cryptoRandom.bytes (pooled)', () => {
  it('never hands out the same bytes twice, across many refills and sizes', () => {
    const seen = new Set<string>();
    const sizes = [12, 16, 24, 32, 1, 7, 255, 256];
    for (let i = 0; i < 20_000; i += 1) {
      const length = sizes[i % sizes.length] as number;
      const value = cryptoRandom.bytes(length);
      expect(value.length).toBe(length);
      if (length >= 12) {
        const hex = value.toString('hex');
        expect(seen.has(hex)).toBe(false);
        seen.add(hex);
      }
    }
  });

  it('gives bytes that look uniform (no wiped zeros, no stuck values)', () => {
    const counts = new Array<number>(256).fill(0);
    const draws = 4000;
    for (let i = 0; i < draws; i += 1) for (const byte of cryptoRandom.bytes(32)) counts[byte] = (counts[byte] as number) + 1;
    const expected = (draws * 32) / 256; // 500 per value
    // Chi-square with 255 degrees of freedom: about 255 on average, above 400 with probability ~1e-9.
    const chiSquare = counts.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(400);
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });

  it('hands out values that do not change afterwards (each is its own copy)', () => {
    const first = cryptoRandom.bytes(16);
    const copy = Buffer.from(first);
    for (let i = 0; i < 1000; i += 1) cryptoRandom.bytes(16); // several refills of the block
    expect(first.equals(copy)).toBe(true);
  });

  it('serves large and odd sizes, and reports invalid ones as randomBytes does', () => {
    expect(cryptoRandom.bytes(0).length).toBe(0);
    expect(cryptoRandom.bytes(10_000).length).toBe(10_000);
    expect(() => cryptoRandom.bytes(-1)).toThrow(/out of range/);
    expect(newRandomId(cryptoRandom)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
