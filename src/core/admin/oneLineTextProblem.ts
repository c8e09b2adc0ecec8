/**
 * Characters a one-line free text (an operator's reason) may not hold, because a reviewer reading
 * the audit trail would not see what was stored: control characters (\p{Cc}: newlines, ESC),
 * format characters (\p{Cf}: right-to-left overrides U+202E, zero-width spaces U+200B, joiners,
 * BOM), line and paragraph separators (U+2028, U+2029), private-use, unassigned code points and lone
 * surrogates (with the u flag \p{Cs} matches only those). Letters, marks, digits, punctuation, symbols and ordinary spaces stay.
 */
const NOT_PLAIN_TEXT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Cn}]/u;

/**
 * Why `text` is not one line of plain text, or null when it is. Refused rather than cleaned:
 * an operator's words are stored as typed or not at all, so what the audit record shows is what
 * the operator saw in the form.
 */
export function oneLineTextProblem(text: string): string | null {
  const found = NOT_PLAIN_TEXT.exec(text);
  if (!found) return null;
  const codePoint = (found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return `must be one line of plain text (it holds U+${codePoint}: a line break, control, invisible or direction character)`;
}
