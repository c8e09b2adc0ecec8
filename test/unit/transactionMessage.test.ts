import fc from 'fast-check';
import { BUILT_IN_TEMPLATES, countSmsSegments, renderSmsCodeMessage, renderVoiceCodeMessage, type SmsTemplateSet } from '../../src/core/messages';
import { parseStepGuardOptions } from '../../src/config';

// PSD2 dynamic linking: the payer must see which payee and amount a code approves. The code is
// bound to the exact transaction (hashTransaction over the exact strings), so two payees the
// hash tells apart must never render to the same message.

const LOCALES = Object.keys(BUILT_IN_TEMPLATES);
const base = { code: '123456', serviceName: 'stepguard', webOtpHost: 'bank.example.com' };
const smsFor = (locale: string, amount: string, payee: string) =>
  renderSmsCodeMessage({ ...base, templates: BUILT_IN_TEMPLATES[locale] as SmsTemplateSet, transaction: { amount, payee } });
const voiceFor = (locale: string, amount: string, payee: string) =>
  renderVoiceCodeMessage({ code: '123456', serviceName: 'stepguard', templates: BUILT_IN_TEMPLATES[locale] as SmsTemplateSet, transaction: { amount, payee } });

// Characters that fold, hide, reorder or look alike: the raw material of colliding payees.
const TRICKY = [
  'o', 'ó', 'o\u0301', 'O', 'Ó', 'B', 'b', ' ', '  ', '\u00A0', '\u202F', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF',
  '\u200E', '\u200F', '\u202A', '\u202E', '\u2066', '\u2069', '\u061C', '\uFE0F', '\u00AD', '\u034F', '\u2800', '\u3164',
  '\n', '\r', '\t', '\u0000', '\u001B', '\u2028', '\u2029', '\uD800', '\uDC00', '\uE000', '\u0378',
  'Å', '\u212B', 'A\u030A', 'ﬁ', 'fi', 'Ａ', 'A', '<', '>', 'U', '+', '0', '2', '8', 'F', '?', '.', '..', '-', '😀', 'ż', 'z',
];
const trickyPayee = fc.array(fc.constantFrom(...TRICKY), { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''));
const anyPayee = fc.oneof(
  trickyPayee,
  fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 80 }),
);

// A second payee derived from the first the ways real collisions happen.
const stripMarks = (s: string) => s.normalize('NFD').replace(/\p{M}+/gu, '');
const MUTATIONS: ((s: string, extra: string, at: number) => string)[] = [
  (s) => stripMarks(s),
  (s) => s.toUpperCase(),
  (s) => s.toLowerCase(),
  (s) => s.normalize('NFD'),
  (s) => s.normalize('NFC'),
  (s) => s.normalize('NFKC'),
  (s, extra) => s + extra,
  (s, extra, at) => s.slice(0, at % (s.length + 1)) + extra + s.slice(at % (s.length + 1)),
  (s, extra) => s.slice(0, -1) + extra,
  (s) => `${s} `,
  (s) => s.replace(/ /g, '\u00A0'),
  (s) => s.replace(/ /g, '  '),
  // A payee that spells out, in the escape notation, what another payee holds.
  (s) => [...s].map((c) => (c > '\u007F' || c < ' ' ? `<U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}>` : c)).join(''),
];
const payeePair = fc
  .tuple(anyPayee, fc.nat(MUTATIONS.length - 1), fc.constantFrom(...TRICKY), fc.nat(100))
  .map(([a, m, extra, at]) => [a, (MUTATIONS[m] as (typeof MUTATIONS)[number])(a, extra, at)] as const)
  .filter(([a, b]) => a !== b && b.length > 0);

// Amounts as a host formats them: digits with group and decimal marks, a currency sign or code.
const amount = fc
  .tuple(
    fc.constantFrom('', '€', '$', 'EUR ', 'CHF\u00A0', '£'),
    fc.integer({ min: 0, max: 9_999_999 }),
    fc.nat(99),
    fc.constantFrom(',', '.', '\u00A0', '\u202F', "'", ''),
    fc.constantFrom('.', ','),
    fc.constantFrom('', ' €', '\u00A0€', ' EUR'),
  )
  .map(([pre, units, cents, group, decimal, post]) => `${pre}${String(units).replace(/\B(?=(\d{3})+(?!\d))/g, group)}${decimal}${String(cents).padStart(2, '0')}${post}`);

const RUNS = { numRuns: 100 };

describe('transaction SMS: distinct payees and amounts render to distinct texts', () => {
  it.each(LOCALES)('%s: the classic collisions differ', (locale) => {
    const long = 'Handelsgesellschaft Mustermann und Partner Grundstuecksverwa';
    expect(long).toHaveLength(60);
    const pairs: [string, string][] = [
      ['Bób Smith', 'Bob Smith'],
      [`${long.slice(0, 59)}A`, `${long.slice(0, 59)}B`],
      ['Bób Smith', 'Bo\u0301b Smith'],
      ['Bob Smith', 'Bob\u200BSmith'],
      ['Bob Smith', 'Bob\u200B Smith'],
      ['Bob Smith', '\u202EhtimS boB'],
      ['Bob Smith', 'Bob Smith\u200E'],
      ['Bob Smith', 'Bob\u00A0Smith'],
      ['Bob Smith', 'Bob  Smith'],
      ['Bob Smith', 'Bob Smith '],
      ['Bob Smith', 'bob smith'],
      ['Łódź', '?odz'],
      ['Ångström', '\u212Bngström'],
    ];
    for (const [a, b] of pairs) expect(smsFor(locale, '250.00', a)).not.toBe(smsFor(locale, '250.00', b));
  });

  it.each(LOCALES)('%s: any two distinct payees (property)', (locale) => {
    fc.assert(
      fc.property(fc.oneof(payeePair, fc.tuple(anyPayee, anyPayee)), amount, ([a, b], sum) => {
        fc.pre(a !== b);
        expect(smsFor(locale, sum, a)).not.toBe(smsFor(locale, sum, b));
      }),
      RUNS,
    );
  });

  // What a phone shows: composed text, nothing for hidden characters, any run of spaces as one.
  const asSeen = (text: string) =>
    text.normalize('NFC').replace(/[\p{C}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu, '').replace(/\p{Zs}+/gu, ' ');

  it.each(LOCALES)('%s: any two distinct payees still differ as a phone shows them (property)', (locale) => {
    fc.assert(
      fc.property(fc.oneof(payeePair, fc.tuple(anyPayee, anyPayee)), amount, ([a, b], sum) => {
        fc.pre(a !== b);
        expect(asSeen(smsFor(locale, sum, a))).not.toBe(asSeen(smsFor(locale, sum, b)));
      }),
      RUNS,
    );
  });

  it.each(LOCALES)('%s: any two distinct (amount, payee) pairs (property)', (locale) => {
    fc.assert(
      fc.property(amount, anyPayee, amount, anyPayee, (sumA, a, sumB, b) => {
        fc.pre(sumA !== sumB || a !== b);
        expect(smsFor(locale, sumA, a)).not.toBe(smsFor(locale, sumB, b));
      }),
      RUNS,
    );
  });

  it.each(LOCALES)('%s: a plain payee is shown exactly, however long, code first and WebOTP line last', (locale) => {
    const plain = fc.stringMatching(/^[\p{L}\p{N}.,'&-]+( [\p{L}\p{N}.,'&-]+)*$/u).filter((s) => s.length <= 64 && s === s.normalize('NFC') && !/\p{Default_Ignorable_Code_Point}/u.test(s));
    fc.assert(
      fc.property(plain, amount, (payee, sum) => {
        const text = smsFor(locale, sum, payee);
        expect(text).toContain(` ${payee}`);
        expect(text).toContain(sum);
        expect(text.startsWith('123456 ')).toBe(true);
        expect(text.split('\n').at(-1)).toBe('@bank.example.com #123456');
      }),
      RUNS,
    );
  });

  it('switches to UCS-2 for a payee GSM-7 lacks rather than folding it, and takes two segments when needed', () => {
    const folded = smsFor('en', '250.00', 'Bób Smith');
    expect(folded).toContain('to Bób Smith.');
    expect(countSmsSegments(folded).encoding).toBe('UCS-2');
    const long = smsFor('en', '250.00', 'x'.repeat(64));
    expect(long).toContain(`to ${'x'.repeat(64)}.`);
    expect(countSmsSegments(long)).toMatchObject({ encoding: 'GSM-7', segments: 2 });
  });

  it('spells out characters a phone would not show, so they cannot hide', () => {
    expect(smsFor('en', '1.00', 'Bob\u200BSmith')).toContain('to Bob<U+200B>Smith.');
    expect(smsFor('en', '1.00', '\u202EBob')).toContain('to <U+202E>Bob.');
    expect(smsFor('en', '1.00', 'Bo\u0301b')).toContain('to Bo<U+0301>b.');
    expect(smsFor('en', '1.00', 'Bob\u00A0 <Smith>')).toContain('to Bob<U+00A0> <U+003C>Smith>.');
    expect(smsFor('en', '1.00', 'a\uD800')).toContain('to a<U+D800>.');
    expect(smsFor('en', '1.00', ' Bob  Smith ')).toContain('to <U+0020>Bob<U+0020><U+0020>Smith<U+0020>.');
  });
});

describe('voice fallback for a transaction', () => {
  it.each(LOCALES)('%s: reads the amount and the payee with the code', (locale) => {
    const text = voiceFor(locale, '250.00', 'ACME Ltd');
    expect(text).toContain('250.00');
    expect(text).toContain('ACME Ltd');
    expect(text).toContain('1, 2, 3, 4, 5, 6');
  });

  it.each(LOCALES)('%s: distinct payees are read differently (property)', (locale) => {
    fc.assert(
      fc.property(fc.oneof(payeePair, fc.tuple(anyPayee, anyPayee)), amount, ([a, b], sum) => {
        fc.pre(a !== b);
        expect(voiceFor(locale, sum, a)).not.toBe(voiceFor(locale, sum, b));
      }),
      RUNS,
    );
  });
});

describe('template checks at start-up', () => {
  const secrets = { pepper: 'k3P9-zq7V!mR2x#Lw8T@bN5c$Yh1Fd6Gs', sessionSecret: 'Q4w!eR7t#Yu2Io9P$aS5dF8gH1jK3lZx', encryptionKeys: { k1: Buffer.from('0123456789abcdefghijklmnopqrstuv').toString('base64') } };

  it('refuses a transaction template that does not show the amount and the payee', () => {
    expect(() => parseStepGuardOptions({ secrets, sms: { templates: { en: { transaction: '{code} approves your transfer.' } } } })).toThrow(/sms\.templates\.en\.transaction: must contain \{amount\}/);
    expect(() => parseStepGuardOptions({ secrets, sms: { templates: { en: { transaction: '{code} approves {amount}.' } } } })).toThrow(/sms\.templates\.en\.transaction: must contain \{payee\}/);
  });

  it('refuses a voice transaction template that does not read the amount, the payee and the code', () => {
    expect(() => parseStepGuardOptions({ secrets, sms: { templates: { de: { voiceTransaction: 'Code {digits}.' } } } })).toThrow(/sms\.templates\.de\.voiceTransaction: must contain \{amount\}/);
    expect(() => parseStepGuardOptions({ secrets, sms: { templates: { de: { voiceTransaction: '{amount} an {payee}.' } } } })).toThrow(/sms\.templates\.de\.voiceTransaction: must contain \{digits\}/);
  });

  it('accepts every built-in locale: a transaction message with a short payee still fits one segment', () => {
    const config = parseStepGuardOptions({ secrets, environment: 'test' });
    for (const locale of LOCALES) {
      const text = renderSmsCodeMessage({ ...base, webOtpHost: config.webOtpHost, templates: config.sms.templates[locale] as SmsTemplateSet, transaction: { amount: '1,000,000.00', payee: 'ABCDEF' } });
      expect(countSmsSegments(text).segments).toBe(1);
    }
  });
});
