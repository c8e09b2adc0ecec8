import { randomBytes } from 'node:crypto';
import { cryptoRandom, newRandomId } from '../../src/core/random';

/**
 * Red team, session 8, second pass (8d9d160): cryptoRandom.bytes cuts requests of up to 256
 * bytes from a pooled 4 KiB block of CSPRNG output and wipes what it hands out. The attacker
 * wants two ids, tokens or secrets to share bytes (a repeat, an overlap across the block
 * boundary, a zero run from the wipe), or a value to change after it was handed out.
 */

/** Fails when any 8-byte window occurs twice in the concatenation of `outputs` (overlap or reuse). */
function expectNoRepeatedWindow(outputs: Buffer[]) {
  const seen = new Set<string>();
  const repeats: string[] = [];
  for (const out of outputs) {
    for (let i = 0; i + 8 <= out.length; i += 1) {
      const w = out.toString('latin1', i, i + 8);
      if (seen.has(w)) repeats.push(Buffer.from(w, 'latin1').toString('hex'));
      seen.add(w);
    }
  }
  expect(repeats).toEqual([]);
}

describe('held: pooled CSPRNG output', () => {
  it.each([0, 1, 8, 16, 255, 256, 257, 4095, 4096, 4097])('bytes(%i) has that length', (n) => {
    expect(cryptoRandom.bytes(n).length).toBe(n);
  });

  it('invalid sizes still go to randomBytes and fail as it does (negative, NaN, string)', () => {
    expect(() => cryptoRandom.bytes(-1)).toThrow();
    expect(() => cryptoRandom.bytes(Number.NaN)).toThrow();
    expect(() => cryptoRandom.bytes('16' as unknown as number)).toThrow();
    // A fraction is read as randomBytes reads it (truncated), outside the pool: same as before 8d9d160.
    expect(cryptoRandom.bytes(1.5).length).toBe(randomBytes(1.5).length);
  });

  it('no bytes are handed out twice: sizes that straddle the 4 KiB block boundary (1, 255, 256, 4000 then 200, ...)', () => {
    const sizes = [4000, 200, 1, 255, 256, 257, 95, 96, 97, 16, 24, 32, 12, 20];
    const outputs: Buffer[] = [];
    for (let round = 0; round < 20; round += 1) for (const n of sizes) outputs.push(Buffer.from(cryptoRandom.bytes(n)));
    expectNoRepeatedWindow(outputs.filter((o) => o.length >= 8));
  });

  it('a value does not change after it is handed out (the wipe touches the block, not the copy)', () => {
    const handed = Array.from({ length: 400 }, (_, i) => cryptoRandom.bytes(1 + (i % 256)));
    const snapshot = handed.map((b) => Buffer.from(b));
    for (let i = 0; i < 200; i += 1) cryptoRandom.bytes(256); // several refills
    handed.forEach((b, i) => expect(b.equals(snapshot[i]!)).toBe(true));
  });

  it('the wipe never leaks into output: no 16-byte id is all zeros, byte values are spread', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4000; i += 1) {
      const b = cryptoRandom.bytes(16);
      expect(b.equals(Buffer.alloc(16))).toBe(false);
      for (const x of b) counts[x]! += 1;
    }
    // 64,000 bytes: each value expected 250 times; a zero-filled run would push counts[0] far up.
    expect(counts[0]!).toBeLessThan(400);
    expect(Math.min(...counts)).toBeGreaterThan(150);
  });

  it('ids from newRandomId (challenge, binding ids) and 24-byte session ids never repeat over 20,000 draws', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) ids.add(newRandomId(cryptoRandom));
    for (let i = 0; i < 10_000; i += 1) ids.add(cryptoRandom.bytes(24).toString('base64url'));
    expect(ids.size).toBe(20_000);
  });
});
