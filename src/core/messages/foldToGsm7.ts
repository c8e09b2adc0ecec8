import { countSmsSegments, isGsm7Character as isGsm } from './countSmsSegments';

/**
 * Replaces each character GSM-7 cannot carry with its base letter when that one can (ó -> o,
 * ç -> c, ã -> a), and with `?` otherwise, so one accented letter does not switch the whole SMS
 * to UCS-2 and halve its length. Line breaks are kept only when `keepNewlines` is set.
 */
export function foldToGsm7(text: string, keepNewlines = true): string {
  const nfc = text.normalize('NFC');
  // Every message is folded on every send, and nearly all are GSM-7 already: then the fold is
  // the text itself, found in one pass without building a string character by character.
  if (countSmsSegments(nfc).encoding === 'GSM-7' && (keepNewlines || !/[\n\r]/.test(nfc))) return nfc;
  let out = '';
  for (const ch of nfc) {
    if ((ch === '\n' || ch === '\r') && !keepNewlines) out += ' ';
    else if (isGsm(ch)) out += ch;
    else {
      const base = ch.normalize('NFD').replace(/\p{M}+/gu, '');
      out += base.length > 0 && [...base].every(isGsm) ? base : '?';
    }
  }
  return out;
}
