import type { SecurityEvent } from '../config';
import { alertKindOf, UNLIMITED_ALERT_KINDS, type AlertKind } from '../core/alerts/alertKindOf';
import { renderSecurityAlert } from '../core/messages/renderSecurityAlert';
import { newRandomId } from '../core/random';
import type { SecurityAlert } from '../options/alertOptions';
import { ownerLocaleOf } from './ownerLocaleOf';
import { sendSecurityNotice, type NoticeTemplate } from './sendSecurityNotice';
import type { ServiceContext } from './ServiceContext';

/** Where an alert's SMS goes, when its producer says (a factor change: the number the account had). */
export type AlertSms = {
  to: string;
  country: string | null;
  /** Placeholders for the notice template (`last2` of a new number). */
  values?: Record<string, string>;
  /** The notice template this change always used, so a host's rewording keeps working. */
  template?: NoticeTemplate;
};

export type AlertOptions = {
  /**
   * The SMS: to this number; `null` for none. Left out, events that exist only to alert (a
   * sign-in, a lockout) go to the bound number, and other events' producers text the user
   * themselves (a recovery's notices carry its date and link).
   */
  sms?: AlertSms | null;
  /** The user's own language setting, when a request knows it (never the browser's Accept-Language). */
  userLocale?: string | undefined;
  /** For a new-country sign-in: where from. */
  country?: string | null;
};

/** Events that exist only to alert: when one is rate-limited, the host hook does not hear of it either. */
export const ALERT_ONLY_EVENTS: readonly string[] = ['sign_in', 'lockout'];
/** Alerts an attacker with only the password can cause: they spend their own SMS budget, never the one factor-change notices need. */
const SIGN_IN_ALERTS: readonly AlertKind[] = ['new_device', 'new_country', 'lockout'];

/**
 * The alert a security event calls for: its kind (any event: recovery ones included), the
 * per-user per-kind rate limit (`alerts.perKindLimit` per `alerts.windowSeconds`; recovery
 * starts and reminders are never held back), its words in the user's language, and the SMS
 * through the budgeted notice path. Returns what the host hook should be told: the alert, or
 * `suppressed` (audited as `notice_blocked` with `alert_rate_limit`), or `none`. Never throws:
 * what it reports already happened.
 */
export async function sendSecurityAlert(
  ctx: ServiceContext,
  event: SecurityEvent,
  options: AlertOptions = {},
): Promise<{ outcome: 'alert'; alert: SecurityAlert } | { outcome: 'suppressed' | 'none' }> {
  const { config, stores } = ctx;
  const kind = alertKindOf(event);
  if (!kind || !config.alerts.kinds.includes(kind)) return { outcome: 'none' };
  try {
    const nowMs = config.clock.nowMs();
    if (!UNLIMITED_ALERT_KINDS.includes(kind)) {
      const windowMs = config.alerts.windowSeconds * 1000;
      const slot = await stores.rateLimits.add(`alert:${kind}:${event.userId}`, newRandomId(config.random), config.alerts.perKindLimit, windowMs, nowMs);
      if (!slot.allowed) {
        await ctx.audit.record({ type: 'notice_blocked', outcome: 'blocked', userId: event.userId, reasons: [kind, 'alert_rate_limit'] });
        return { outcome: 'suppressed' };
      }
    }
    const locale = await ownerLocaleOf(ctx, event.userId, options.userLocale);
    const words = renderSecurityAlert({
      kind,
      locale,
      serviceName: config.serviceName,
      alertTemplates: config.alerts.templates,
      smsTemplates: config.sms.templates,
      country: options.country ?? null,
      factor: event.factor,
      values: options.sms?.values ?? {},
      ...(options.sms?.template ? { noticeTemplate: options.sms.template } : {}),
    });
    const alert: SecurityAlert = { kind, locale, text: words.text, ...(options.country ? { country: options.country } : {}) };
    const to = options.sms !== undefined ? options.sms : ALERT_ONLY_EVENTS.includes(event.type) ? await boundNumber(ctx, event.userId) : null;
    if (to && config.alerts.sms) {
      await sendSecurityNotice(ctx, {
        userId: event.userId,
        to: to.to,
        country: to.country,
        template: kind,
        body: words.sms,
        locale,
        ...(SIGN_IN_ALERTS.includes(kind) ? { budgetKey: `notice:alerts:${event.userId}` } : {}),
      });
    }
    return { outcome: 'alert', alert };
  } catch (err) {
    ctx.logger?.error({ event: 'security_alert_failed', kind, err: err instanceof Error ? err.message : String(err) }, 'A security alert could not be prepared');
    return { outcome: 'none' };
  }
}

async function boundNumber(ctx: ServiceContext, userId: string): Promise<AlertSms | null> {
  const binding = await ctx.stores.phones.getActive(userId);
  return binding ? { to: binding.e164, country: binding.country } : null;
}
