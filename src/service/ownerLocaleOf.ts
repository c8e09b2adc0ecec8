import { resolveLocale } from '../core/messages/resolveLocale';
import type { ServiceContext } from './ServiceContext';

/**
 * The language to tell an account's owner something in: the host's record of it
 * (`alerts.localeOf`), then their own setting on the request when there is one, then
 * `sms.defaultLocale`; always one the SMS templates have. Never the requesting browser's
 * Accept-Language: the request may be an attacker's. Never throws.
 */
export async function ownerLocaleOf(ctx: ServiceContext, userId: string, userLocale?: string): Promise<string> {
  const { config } = ctx;
  let fromHost: string | null | undefined;
  try {
    fromHost = await config.alerts.localeOf?.(userId);
  } catch (err) {
    ctx.logger?.warn({ event: 'alert_locale_failed', err: err instanceof Error ? err.message : String(err) }, 'alerts.localeOf threw; using the default language');
  }
  const available = Object.keys(config.sms.templates);
  return resolveLocale({ userLocale: fromHost ?? undefined, available, defaultLocale: '' }) || resolveLocale({ userLocale, available, defaultLocale: config.sms.defaultLocale });
}
