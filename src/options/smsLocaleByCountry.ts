import { z } from 'zod';
import { DEFAULT_LOCALE_BY_COUNTRY } from '../core/messages/localeForCountry';
import { StepGuardConfigError } from '../errors';

/**
 * `sms.localeByCountry`: `{ "IT": "it", "CH": "fr" }`, merged over DEFAULT_LOCALE_BY_COUNTRY.
 * Used only when the user has no language setting and the request sent no Accept-Language.
 */
export const smsLocaleByCountrySchema = z.record(
  // Keys are checked in buildSmsLocaleByCountry: zod's own key error does not say what is wanted.
  z.string(),
  z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a locale such as "de" or "pt-BR"'),
);

/** The merged map; every locale in it must have templates (built in, or in sms.templates). */
export function buildSmsLocaleByCountry(given: Record<string, string> | undefined, templateLocales: readonly string[]): Readonly<Record<string, string>> {
  // No prototype: a country from a parsed number never finds an inherited value.
  const merged: Record<string, string> = Object.assign(Object.create(null), DEFAULT_LOCALE_BY_COUNTRY);
  for (const [country, locale] of Object.entries(given ?? {})) {
    if (!/^[A-Z]{2}$/.test(country)) {
      throw new StepGuardConfigError(`sms.localeByCountry.${country}: the key must be an ISO 3166-1 alpha-2 country code such as "CH" (upper case).`);
    }
    if (!templateLocales.includes(locale)) {
      throw new StepGuardConfigError(
        `sms.localeByCountry.${country}: no SMS templates for "${locale}"; add them under sms.templates.${locale} or use one of ${templateLocales.join(', ')}.`,
      );
    }
    merged[country] = locale;
  }
  return merged;
}
