import { ALERT_KINDS, alertKindOf } from '../../src/core/alerts/alertKindOf';
import { countSmsSegments } from '../../src/core/messages/countSmsSegments';
import { ALERT_TEMPLATES } from '../../src/core/messages/alertTemplates';
import { renderSecurityAlert } from '../../src/core/messages/renderSecurityAlert';

const LOCALES = ['en', 'de', 'fr', 'es', 'pt'];

describe('security alert words', () => {
  it.each(LOCALES)('every alert in %s fits one GSM-7 segment with a 20-character service name', (locale) => {
    const tooLong = ALERT_KINDS.map((kind) => renderSecurityAlert({ kind, locale, serviceName: 'S'.repeat(20), country: 'GB', factor: 'backup', values: { last2: '23' } }))
      .map((r) => ({ sms: r.sms, ...countSmsSegments(r.sms) }))
      .filter((r) => r.segments > 1 || r.encoding !== 'GSM-7');
    expect(tooLong).toEqual([]);
  });

  it('has every alert kind in every locale, with the same placeholders as English', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const en = ALERT_TEMPLATES.en as Record<string, string>;
    for (const locale of LOCALES) {
      const set = ALERT_TEMPLATES[locale] as Record<string, string>;
      expect(Object.keys(set).sort()).toEqual(Object.keys(en).sort());
      for (const key of Object.keys(en)) expect([locale, key, placeholders(set[key] as string)]).toEqual([locale, key, placeholders(en[key] as string)]);
    }
  });

  it('names the country and the method in the user\'s language, and says what to do', () => {
    const de = renderSecurityAlert({ kind: 'new_country', locale: 'de', serviceName: 'Bank', country: 'FR' });
    expect(de.text).toBe('Neue Anmeldung bei Bank (Land: Frankreich). Waren Sie das nicht, ändern Sie sofort Ihr Passwort.');
    expect(de.sms).toBe('Neue Anmeldung bei Bank (Land: Frankreich). Waren Sie das nicht, ändern Sie sofort Ihr Passwort.');
    const fr = renderSecurityAlert({ kind: 'factor_added', locale: 'fr', serviceName: 'Banque', factor: 'otp' });
    expect(fr.text).toContain('application d\'authentification');
    expect(fr.text).toContain('contactez le support');
    // The SMS of a changed number is the host's phoneChanged template, in the user's language.
    const pt = renderSecurityAlert({ kind: 'phone_changed', locale: 'pt', serviceName: 'Banco', values: { last2: '42' } });
    expect(pt.text).toContain('terminado em 42');
  });
});

describe('alertKindOf', () => {
  it.each([
    [{ type: 'sign_in', change: 'new_country' }, 'new_country'],
    [{ type: 'sign_in', change: 'new_device' }, 'new_device'],
    [{ type: 'lockout', change: 'second_factor_locked' }, 'lockout'],
    [{ type: 'factor_changed', change: 'totp_added' }, 'factor_added'],
    [{ type: 'factor_changed', change: 'phone_bound' }, 'factor_added'],
    [{ type: 'factor_changed', change: 'passkey_removed' }, 'factor_removed'],
    [{ type: 'factor_changed', change: 'factor_reset' }, 'factor_removed'],
    [{ type: 'factor_changed', change: 'phone_changed' }, 'phone_changed'],
    [{ type: 'factor_changed', change: 'device_trusted' }, null],
    [{ type: 'sessions_revoked', change: 'sign_out_everywhere' }, null],
    [{ type: 'recovery_started', change: 'recovery_started' }, 'recovery_started'],
    [{ type: 'recovery', change: 'cancelled' }, 'recovery_cancelled'],
    [{ type: 'recovery_completed', change: 'factors_removed' }, 'recovery_completed'],
    [{ type: 'recovery', change: 'reminder' }, 'recovery_reminder'],
    [{ type: 'something_else', change: 'x' }, null],
  ])('%j -> %s', (event, kind) => {
    expect(alertKindOf(event)).toBe(kind);
  });
});
