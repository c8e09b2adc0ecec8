import { createHmac, randomInt } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constantTimeEqual, generateOtpCode, hashOtpCode, resendDelaySeconds } from '../../src/core/otp';
import { cryptoRandom, type RandomSource } from '../../src/core/random';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual('node:crypto');
  return { ...actual, randomInt: jest.fn(actual.randomInt) };
});

describe('generateOtpCode', () => {
  it('draws every digit from crypto.randomInt, never Math.random', () => {
    const mathRandom = jest.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random must not be used for codes');
    });
    (randomInt as unknown as jest.Mock).mockClear();
    const code = generateOtpCode(cryptoRandom, 6);
    expect(code).toMatch(/^\d{6}$/);
    expect(randomInt).toHaveBeenCalledTimes(6);
    expect(randomInt).toHaveBeenCalledWith(0, 10);
    mathRandom.mockRestore();
  });

  it('keeps leading zeros and uses the injected source', () => {
    const zeros: RandomSource = { int: () => 0, bytes: (n) => Buffer.alloc(n) };
    expect(generateOtpCode(zeros, 6)).toBe('000000');
    expect(generateOtpCode(zeros, 8)).toBe('00000000');
  });

  it('spreads digits evenly (chi-square over 60,000 digits)', () => {
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i += 1) for (const d of generateOtpCode(cryptoRandom, 6)) counts[Number(d)] += 1;
    const expected = 6000;
    const chi = counts.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(33.7); // p = 0.0001 for 9 degrees of freedom
  });

  it('refuses absurd lengths', () => {
    expect(() => generateOtpCode(cryptoRandom, 3)).toThrow(RangeError);
    expect(() => generateOtpCode(cryptoRandom, 11)).toThrow(RangeError);
  });

  it('has no Math.random anywhere in production code', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts') && /Math\.random\s*\(/.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    walk(join(__dirname, '../../src'));
    walk(join(__dirname, '../../strategies'));
    expect(offenders).toEqual([]);
  });
});

describe('hashOtpCode', () => {
  it('is HMAC-SHA256(pepper, challengeId:code) in hex', () => {
    expect(hashOtpCode('pepper', 'ch1', '123456')).toBe(createHmac('sha256', 'pepper').update('ch1:123456').digest('hex'));
  });

  it('binds the code to its challenge and to the pepper', () => {
    const base = hashOtpCode('pepper', 'ch1', '123456');
    expect(hashOtpCode('pepper', 'ch2', '123456')).not.toBe(base);
    expect(hashOtpCode('other', 'ch1', '123456')).not.toBe(base);
    expect(hashOtpCode('pepper', 'ch1', '123457')).not.toBe(base);
  });
});

describe('constantTimeEqual', () => {
  it('tells equal from different strings of any length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('resendDelaySeconds', () => {
  it('waits 30 s, then doubles, never more than 15 minutes', () => {
    const opts = { initialSeconds: 30, maxSeconds: 900 };
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => resendDelaySeconds(n, opts))).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
  });
});
