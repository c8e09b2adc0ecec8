import fc from 'fast-check';
import { countSmsSegments, foldToGsm7 } from '../../src/core/messages';

/**
 * foldToGsm7 answers the all-GSM-7 text at once (the usual case, on every send); for every text
 * it must still equal the character-by-character definition below.
 */
function byDefinition(text: string, keepNewlines: boolean): string {
  const isGsm = (ch: string) => countSmsSegments(ch).encoding === 'GSM-7';
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if ((ch === '\n' || ch === '\r') && !keepNewlines) out += ' ';
    else if (isGsm(ch)) out += ch;
    else {
      const base = ch.normalize('NFD').replace(/\p{M}+/gu, '');
      out += base.length > 0 && [...base].every(isGsm) ? base : '?';
    }
  }
  return out;
}

// GSM-7 basic and extension characters, line breaks, letters GSM-7 lacks (with and without a
// base letter it has), combining marks, and characters outside the BMP.
const alphabet = [...'aZ09 @£$èÉ\n\r{}[]~|€^\\\fóçãÀĀ', '\u0301', '\u0308', 'ŉ', '中', '😀', 'ﬁ', 'Å'];
const text = fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((chars) => chars.join(''));

describe('foldToGsm7', () => {
  it('equals the per-character definition for every text, with and without line breaks kept', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 })), fc.boolean(), (t, keep) => {
        expect(foldToGsm7(t, keep)).toBe(byDefinition(t, keep));
      }),
      { numRuns: 2000 },
    );
  });

  it('always yields GSM-7, and a GSM-7 text (after NFC) unchanged when line breaks are kept', () => {
    fc.assert(
      fc.property(text, fc.boolean(), (t, keep) => {
        expect(countSmsSegments(foldToGsm7(t, keep)).encoding).toBe('GSM-7');
        if (countSmsSegments(t.normalize('NFC')).encoding === 'GSM-7') expect(foldToGsm7(t)).toBe(t.normalize('NFC'));
      }),
      { numRuns: 1000 },
    );
  });
});
