import { BUILT_IN_TEMPLATES, countSmsSegments, foldToGsm7, renderSmsCodeMessage, renderVoiceCodeMessage, resolveLocale, type SmsTemplateSet } from '../../src/core/messages';

describe('countSmsSegments', () => {
  it('counts GSM-7 septets, with extension characters as two', () => {
    expect(countSmsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSmsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(countSmsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSmsSegments('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(countSmsSegments('a'.repeat(307))).toMatchObject({ segments: 3 });
  });

  it('switches to UCS-2 for characters outside GSM 03.38', () => {
    expect(countSmsSegments('ż'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(countSmsSegments('ż'.repeat(71))).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(countSmsSegments('😀')).toEqual({ encoding: 'UCS-2', units: 2, segments: 1 });
  });
});

describe('renderSmsCodeMessage', () => {
  it('puts the code first and the WebOTP origin line last, in one GSM-7 segment', () => {
    const text = renderSmsCodeMessage({ code: '123456', serviceName: 'stepguard', webOtpHost: 'example.com' });
    expect(text).toBe('123456 is your stepguard verification code. Do not share it.\n\n@example.com #123456');
    expect(countSmsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('names the amount and payee of a transaction', () => {
    const text = renderSmsCodeMessage({ code: '123456', serviceName: 'bank', webOtpHost: 'bank.example', transaction: { amount: '250.00', payee: 'ACME Ltd' } });
    expect(text).toContain('approve a transfer of 250.00 to ACME Ltd.');
    expect(text.split('\n').at(-1)).toBe('@bank.example #123456');
  });

  it('shows a long or non-GSM payee whole, switching to UCS-2 and more segments rather than folding or cutting it', () => {
    const payee = 'Żabka Polska Spółka z ograniczoną odpowiedzialnością Oddział Warszawa';
    const text = renderSmsCodeMessage({ code: '123456', serviceName: 'bank', webOtpHost: 'bank.example', transaction: { amount: '999999.99', payee } });
    expect(countSmsSegments(text)).toMatchObject({ encoding: 'UCS-2', segments: 3 });
    expect(text).toContain(`to ${payee}.`);
    expect(text.split('\n').at(-1)).toBe('@bank.example #123456');
  });
});

describe('templates per locale', () => {
  const locales = Object.keys(BUILT_IN_TEMPLATES);

  it('ships English, German, French, Spanish and Portuguese', () => {
    expect(locales.sort()).toEqual(['de', 'en', 'es', 'fr', 'pt']);
  });

  it.each(locales)('%s: the code message, and a transaction message with a short payee, fit one GSM-7 segment, WebOTP line last', (locale) => {
    const templates = BUILT_IN_TEMPLATES[locale] as SmsTemplateSet;
    const base = { code: '123456', serviceName: 'stepguard', webOtpHost: 'bank.example.com', templates, androidAppHash: 'FA+9qCX9VSu' };
    const code = renderSmsCodeMessage(base);
    const transfer = renderSmsCodeMessage({ ...base, transaction: { amount: '1,000,000.00', payee: 'Société Générale' } });
    for (const text of [code, transfer]) {
      expect(countSmsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      expect(text.startsWith('123456')).toBe(true);
      expect(text.split('\n').slice(-3)).toEqual(['FA+9qCX9VSu', '', '@bank.example.com #123456']);
    }
    expect(transfer).toContain('1,000,000.00');
    expect(renderVoiceCodeMessage({ code: '123456', serviceName: 'stepguard', templates })).toContain('1, 2, 3, 4, 5, 6');
  });

  it('folds letters GSM-7 lacks instead of switching the whole message to UCS-2', () => {
    expect(foldToGsm7('código de verificação')).toBe('codigo de verificacao');
    expect(foldToGsm7('Überweisung für Müller')).toBe('Überweisung für Müller');
    expect(foldToGsm7('Łódź 😀')).toBe('?odz ?');
    expect(renderSmsCodeMessage({ code: '123456', serviceName: 'stepguard', webOtpHost: 'x.example', templates: BUILT_IN_TEMPLATES.pt })).toBe(
      '123456 é o seu codigo de verificacao stepguard. Nao o partilhe.\n\n@x.example #123456',
    );
  });
});

describe('resolveLocale', () => {
  const available = ['en', 'de', 'fr', 'es', 'pt'];
  it('prefers the user setting, then Accept-Language by q-value, then the default', () => {
    expect(resolveLocale({ userLocale: 'fr-CA', acceptLanguage: 'de', available, defaultLocale: 'en' })).toBe('fr');
    expect(resolveLocale({ userLocale: 'xx', acceptLanguage: 'it;q=0.9, pt-BR;q=0.8, de;q=0.7', available, defaultLocale: 'en' })).toBe('pt');
    expect(resolveLocale({ acceptLanguage: 'de;q=0.1, es;q=0.5', available, defaultLocale: 'en' })).toBe('es');
    expect(resolveLocale({ acceptLanguage: '*, zh', available, defaultLocale: 'en' })).toBe('en');
    expect(resolveLocale({ acceptLanguage: 'de;q=0', available, defaultLocale: 'en' })).toBe('en');
    expect(resolveLocale({ acceptLanguage: ';;;,,q=;', available, defaultLocale: 'en' })).toBe('en');
  });
});
