import { countSmsSegments } from './countSmsSegments';

const isGsm = (ch: string) => countSmsSegments(ch).encoding === 'GSM-7';

/**
 * Replaces each character GSM-7 cannot carry with its base letter when that one can (ó -> o,
 * ç -> c, ã -> a), and with `?` otherwise, so one accented letter does not switch the whole SMS
 * to UCS-2 and halve its length. Line breaks are kept only when `keepNewlines` is set.
 */
export function foldToGsm7(text: string, keepNewlines = true): string {
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
