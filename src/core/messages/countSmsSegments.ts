// GSM 03.38 basic character set, and the extension table whose characters cost two septets.
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENDED = '^{}\\[~]|€\f';
const basic = new Set(GSM7_BASIC);
const extended = new Set(GSM7_EXTENDED);

/** Whether GSM-7 can carry this one character (code point), from its basic or extension table. */
export function isGsm7Character(ch: string): boolean {
  return basic.has(ch) || extended.has(ch);
}

export type SmsSegmentCount = { encoding: 'GSM-7' | 'UCS-2'; units: number; segments: number };

/**
 * How many SMS segments `text` needs: GSM-7 when every character is in the GSM 03.38 set
 * (160 septets in one segment, 153 per part when concatenated), otherwise UCS-2 (70 UTF-16
 * units, 67 per part).
 */
export function countSmsSegments(text: string): SmsSegmentCount {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (basic.has(ch)) septets += 1;
    else if (extended.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) {
    return { encoding: 'GSM-7', units: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  }
  const units = text.length; // UTF-16 code units, which is what UCS-2 counts
  return { encoding: 'UCS-2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}
