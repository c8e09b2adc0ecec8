import type { SecurityEvent } from '../config';
import { ALERT_ONLY_EVENTS, sendSecurityAlert, type AlertOptions } from './sendSecurityAlert';
import type { ServiceContext } from './ServiceContext';

/**
 * The one way a security event goes out: its alert first (sendSecurityAlert: rate limit per
 * user and kind, the user's language, the SMS through the notice budget), then the host's
 * `onSecurityEvent` hook with the alert's words on `event.alert`. A change is always told to the
 * hook (without `alert` when the alert was held back); an event that exists only to alert (a
 * sign-in from a new device or country, a lockout) is not told at all when held back or turned
 * off (`alerts.kinds`), so the host's e-mails cannot be turned into a flood either. The hook's failure is logged, never
 * thrown: what the event reports already happened. Resolves `true` when the hook was called and
 * returned without error (the event reached the host), `false` otherwise.
 */
export async function emitSecurityEvent(ctx: ServiceContext, event: SecurityEvent, options: AlertOptions = {}): Promise<boolean> {
  const alerted = await sendSecurityAlert(ctx, event, options);
  if (alerted.outcome !== 'alert' && ALERT_ONLY_EVENTS.includes(event.type)) return false;
  const hook = ctx.config.onSecurityEvent;
  if (!hook) return false;
  try {
    await hook(alerted.outcome === 'alert' ? { ...event, alert: alerted.alert } : event);
    return true;
  } catch (err) {
    ctx.logger?.error({ event: 'security_event_hook_failed', change: event.change, err: err instanceof Error ? err.message : String(err) }, 'onSecurityEvent threw');
    return false;
  }
}
