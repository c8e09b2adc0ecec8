import { PAGE_LOCALES, pageErrorText, pageLocaleFor, pageText, pageTextVariant } from '../../src/core/messages/pageText';
import { PAGE_TEXT_EN, type PageTextKey } from '../../src/core/messages/pageTextEn';
import { PAGE_TEXT_TRANSLATIONS } from '../../src/core/messages/pageTextTranslations';

const keys = Object.keys(PAGE_TEXT_EN) as PageTextKey[];
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the page catalogue', () => {
  it.each(Object.entries(PAGE_TEXT_TRANSLATIONS))('%s has every key, with the same placeholders, and no English left over', (_locale, set) => {
    expect(Object.keys(set).sort()).toEqual([...keys].sort());
    for (const key of keys) {
      expect([key, placeholders(set[key])]).toEqual([key, placeholders(PAGE_TEXT_EN[key])]);
    }
    const untranslated = keys.filter((key) => set[key] === PAGE_TEXT_EN[key] && /[a-z]{4,} [a-z]{3,}/i.test(set[key]));
    expect(untranslated).toEqual([]);
  });

  it('speaks of payments only for a transfer, and of messages only for text messages', () => {
    for (const locale of PAGE_LOCALES) {
      for (const key of keys) {
        const text = pageText(locale, key);
        if (key !== 'choose.intro.transfer') expect([key, /\b(payments?|transfers?|bank|banking)\b|Überweisung|virement|transferencia|transferência/i.test(text)]).toEqual([key, false]);
      }
    }
    for (const key of keys.filter((k) => /\.(otp|backup)$|webauthn|passkey/.test(k))) {
      expect([key, /message|SMS|text/i.test(PAGE_TEXT_EN[key])]).toEqual([key, false]);
    }
  });

  it('picks the wording for the action, else the general one', () => {
    expect(pageTextVariant('en', 'choose.intro', 'transfer')).toBe('This needs a second step to approve your transfer.');
    expect(pageTextVariant('en', 'choose.intro', 'export_data')).toBe('This needs a second step.');
    expect(pageTextVariant('de', 'choose.intro', 'constructor')).toBe('Dafür ist ein zweiter Schritt nötig.');
  });

  it('words an error for the factor it happened with, with the tries left', () => {
    expect(pageErrorText('en', 'invalid_code', 'otp', { attemptsLeft: 2 })).toBe('That code is not right. Enter the code your authenticator app shows now. 2 tries left.');
    expect(pageErrorText('en', 'invalid_code', 'sms', { attemptsLeft: 1 })).toBe('That code is not right. Check the latest message. 1 try left.');
    expect(pageErrorText('de', 'expired', 'otp')).toBe('Dieser Code ist abgelaufen oder wurde schon verwendet. Fordern Sie einen neuen an.');
    expect(pageErrorText('fr', 'too_many_attempts', 'sms', { retryAfterSeconds: 90 })).toContain('90 secondes');
    // Without the seconds the SMS sentence cannot be written: the general one is used.
    expect(pageErrorText('en', 'too_many_attempts', 'sms')).toBe('Too many wrong codes. Wait a little, then ask for a new code.');
    expect(pageErrorText('en', 'unsigned_receipt', undefined)).toBeUndefined();
  });

  it('chooses the user’s language, then Accept-Language, then the default', () => {
    expect(pageLocaleFor({ userLocale: 'pt-BR', acceptLanguage: 'de', defaultLocale: 'en' })).toBe('pt');
    expect(pageLocaleFor({ userLocale: 'it', acceptLanguage: 'it, fr;q=0.8, de;q=0.9', defaultLocale: 'en' })).toBe('de');
    expect(pageLocaleFor({ acceptLanguage: 'ja', defaultLocale: 'es' })).toBe('es');
    // A default the pages lack (custom SMS templates in Italian) falls back to English.
    expect(pageLocaleFor({ acceptLanguage: 'ja', defaultLocale: 'it' })).toBe('en');
  });
});
