import { normalizePhone } from '../../src/core/phone/normalizePhone';
import { parseE164Once } from '../../src/core/phone/parseE164Once';

describe('parseE164Once', () => {
  it('answers as normalizePhone does, valid and invalid numbers alike', () => {
    for (const n of ['+14155550123', '+447700900123', '+4915112345678', '+1415', 'nope']) {
      expect(parseE164Once(n)).toEqual(normalizePhone(n));
    }
  });

  it('parses a number once: the same frozen answer on every later use', () => {
    const first = parseE164Once('+33612345678');
    expect(parseE164Once('+33612345678')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('stays bounded: after many other numbers the first is parsed again, with the same answer', () => {
    const first = parseE164Once('+14155551999');
    for (let i = 0; i < 1100; i += 1) parseE164Once(`+1415555${String(i).padStart(4, '0')}`);
    const again = parseE164Once('+14155551999');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
