// Characters a phone shows as nothing, as a blank, or as something else than they are: format
// and control characters (zero-width, bidi overrides), line and paragraph separators, unassigned
// and private-use code points, lone surrogates, and the default-ignorables (variation
// selectors, Hangul fillers, soft hyphen). U+2800 (braille blank) is not ignorable but blank.
const HIDDEN = /^[\p{C}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const NO_BREAK_SPACES = new Set(['\u00A0', '\u202F']);

export type RenderVerbatimOptions = {
  /**
   * Show U+00A0 and U+202F as they are: number formats (CLDR: `1 000,00 €`) put them between
   * digits and before the currency, where they cannot be mistaken for anything else.
   * @default false
   */
  keepNoBreakSpaces?: boolean;
};

/**
 * Renders `text` so that every distinct string looks distinct: what a phone would show as
 * nothing or as something else is spelt out as `<U+XXXX>`. Spelt out are the hidden characters
 * above, every space but a single U+0020 between two non-spaces, `<` itself (so an escape can
 * never be forged), and, when `text` is not in NFC, every non-ASCII character (a decomposed
 * `Bo\u0301b` would otherwise look exactly like `Bób`, which the transaction hash tells apart).
 *
 * Nothing is folded, dropped or shortened: reading each `<U+XXXX>` back gives `text` again, so
 * the rendering is injective (distinct inputs, distinct outputs). Homoglyphs from other scripts
 * (Cyrillic `о` for Latin `o`) stay as they are; telling those apart is the payee registry's job.
 */
export function renderVerbatim(text: string, options: RenderVerbatimOptions = {}): string {
  const nfc = text === text.normalize('NFC');
  const chars = [...text]; // code points; a lone surrogate is one element
  let out = '';
  chars.forEach((ch, i) => {
    const spellOut =
      ch === '<' ||
      HIDDEN.test(ch) ||
      (ch === ' ' ? i === 0 || i === chars.length - 1 || chars[i - 1] === ' ' || chars[i + 1] === ' ' : false) ||
      (ch !== ' ' && SPACE_SEPARATOR.test(ch) && !(options.keepNoBreakSpaces && NO_BREAK_SPACES.has(ch))) ||
      (!nfc && ch > '\u007F');
    out += spellOut ? `<U+${(ch.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}>` : ch;
  });
  return out;
}
