/**
 * The default `sms.localeByCountry`: where the built-in languages (en, de, fr, es, pt) are the
 * one most people read. Countries with several official languages get the one most numbers'
 * owners use (CH → de, BE → fr, LU → fr); anything not listed gets `sms.defaultLocale`.
 */
export const DEFAULT_LOCALE_BY_COUNTRY: Readonly<Record<string, string>> = Object.freeze({
  DE: 'de', AT: 'de', CH: 'de', LI: 'de',
  FR: 'fr', BE: 'fr', LU: 'fr', MC: 'fr',
  ES: 'es', MX: 'es', AR: 'es', CO: 'es', CL: 'es', PE: 'es', VE: 'es', EC: 'es', GT: 'es', CU: 'es', BO: 'es',
  DO: 'es', HN: 'es', PY: 'es', SV: 'es', NI: 'es', CR: 'es', PA: 'es', UY: 'es',
  PT: 'pt', BR: 'pt', AO: 'pt', MZ: 'pt',
});

/**
 * The SMS language for a number's country (ISO 3166-1 alpha-2), when the user has no setting and
 * the request named none: localised text reads as less like spam to people and carrier filters.
 * `undefined` when the map has no entry or no template exists for it.
 */
export function localeForCountry(
  localeByCountry: Readonly<Record<string, string>>,
  country: string | null | undefined,
  available: readonly string[],
): string | undefined {
  if (!country || !Object.hasOwn(localeByCountry, country)) return undefined;
  const locale = localeByCountry[country] as string;
  return available.includes(locale) ? locale : undefined;
}
