import { parseStepGuardOptions } from '../../src/config';
import { StepGuardConfigError } from '../../src/errors';
import { createTestApp, type TestApp } from '../helpers/createTestApp';

/**
 * The SMS language when nobody chose one: the user's setting first, then Accept-Language, then
 * the number's country (`sms.localeByCountry`), then `sms.defaultLocale`.
 */
describe('SMS language by the number\'s country', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function bindNumber(app: TestApp, name: string, phone: string, acceptLanguage?: string) {
    const c = await app.client();
    await c.post('/auth/signup', { username: name, password: 'correct horse battery' }).expect(201);
    await c.login(name, 'correct horse battery').expect(200);
    const req = c.post('/auth/2fa/phone', { phone });
    if (acceptLanguage) req.set('accept-language', acceptLanguage);
    await req.expect(202);
    return app.sms.messages.at(-1)?.body ?? '';
  }

  it.each([
    ['a German number', '+4915123456789', /^\d{6} ist Ihr stepguard Bestätigungscode/],
    ['a French number', '+33612345678', /^\d{6} est votre code de vérification stepguard/],
    ['a Portuguese number', '+351912345678', /^\d{6} é o seu codigo de verificacao stepguard/],
    ['a British number (not in the map)', '+447400123456', /^\d{6} is your stepguard verification code/],
  ])('without a setting or Accept-Language, %s gets its country\'s language', async (_what, phone, text) => {
    t = await createTestApp();
    expect(await bindNumber(t, 'nina', phone)).toMatch(text);
  });

  it('Accept-Language beats the country', async () => {
    t = await createTestApp();
    expect(await bindNumber(t, 'nina', '+4915123456789', 'fr-FR,fr;q=0.9')).toMatch(/^\d{6} est votre code de vérification/);
  });

  it('a language someone chose (the user\'s setting, else Accept-Language, as the router resolves them) beats the country', async () => {
    t = await createTestApp({ guardOptions: { sms: { localeByCountry: { US: 'de' } } } });
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    expect(t.sms.messages.at(-1)?.body).toMatch(/ist Ihr stepguard Bestätigungscode/);
    // What the router passes when getUserLocale(req) names a language: the service uses it as is.
    const result = await t.guard.service.sendSmsChallenge({ userId: 'u1', bindingId: 'cli', action: 'login', locale: 'es' });
    expect(result.ok).toBe(true);
    expect(t.sms.messages.at(-1)?.body).toMatch(/^\d{6} es tu codigo de verificacion/);
  });

  it('sms.localeByCountry is merged over the built-in map, and sms.defaultLocale is the last resort', async () => {
    t = await createTestApp({ guardOptions: { sms: { localeByCountry: { GB: 'de' }, defaultLocale: 'es' } } });
    expect(await bindNumber(t, 'nina', '+447400123456')).toMatch(/ist Ihr stepguard Bestätigungscode/);
    // The built-in entries stay.
    expect(await bindNumber(t, 'otto', '+33612345678')).toMatch(/est votre code de vérification/);
    // Not in either map: the default language.
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    expect(t.sms.messages.at(-1)?.body).toMatch(/es tu codigo de verificacion/);
  });

  it('refuses a map entry without templates, naming the option and the fix', () => {
    expect(() => parseStepGuardOptions({ sms: { localeByCountry: { IT: 'it' } } })).toThrow(StepGuardConfigError);
    expect(() => parseStepGuardOptions({ sms: { localeByCountry: { IT: 'it' } } })).toThrow(/sms\.localeByCountry\.IT: no SMS templates for "it"; add them under sms\.templates\.it/);
    expect(() => parseStepGuardOptions({ sms: { localeByCountry: { Italy: 'en' } } })).toThrow(/sms\.localeByCountry\.Italy: the key must be an ISO 3166-1 alpha-2 country code/);
  });
});
