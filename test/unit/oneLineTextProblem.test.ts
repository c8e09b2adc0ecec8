import fc from 'fast-check';
import { oneLineTextProblem } from '../../src/core/admin/oneLineTextProblem';

/** A support reason is one line of plain text: what the audit record shows is what the operator typed and saw. */
describe('oneLineTextProblem', () => {
  it.each([
    ['ticket 1234: lost phone', null],
    ['Ticket #42 — perdió el teléfono, verificado por vídeo', null],
    ['工单 17 ✓', null],
  ])('accepts plain text (%s)', (text, expected) => {
    expect(oneLineTextProblem(text)).toBe(expected);
  });

  it.each([
    ['a newline', 'ticket 1\napproved', 'U+000A'],
    ['a line separator', 'ticket 1\u2028approved', 'U+2028'],
    ['a paragraph separator', 'ticket 1\u2029approved', 'U+2029'],
    ['a right-to-left override', 'ticket \u202e1 teg', 'U+202E'],
    ['a zero-width space', 'ticket\u200b 1', 'U+200B'],
    ['a byte order mark', 'ticket\ufeff 1', 'U+FEFF'],
    ['an escape', 'ticket \u001b[2J', 'U+001B'],
    ['a lone surrogate', 'ticket \ud800 1', 'U+D800'],
    ['a private-use character', 'ticket \ue000', 'U+E000'],
  ])('refuses %s and names it', (_what, text, codePoint) => {
    expect(oneLineTextProblem(text)).toContain(codePoint);
  });

  it('refuses any text holding an invisible, control or line-breaking character, wherever it sits', () => {
    const bad = fc.constantFrom('\n', '\r', '\t', '\u0000', '\u007f', '\u0085', '\u2028', '\u2029', '\u202a', '\u202e', '\u2066', '\u200b', '\u200d', '\u2060', '\ufeff', '\u00ad');
    fc.assert(
      fc.property(fc.string(), bad, fc.string(), (before, char, after) => {
        expect(oneLineTextProblem(before + char + after)).not.toBeNull();
      }),
    );
  });

  it('accepts exactly the texts made of letters, marks, digits, punctuation, symbols and spaces (the canonical form)', () => {
    const plain = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]*$/u;
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(oneLineTextProblem(text) === null).toBe(plain.test(text));
      }),
    );
  });
});
