/**
 * What the user is alerted about. Each kind has its own rate limit per user, so a flood of one
 * (an attacker with the password signing in again and again) cannot hide another.
 */
export const ALERT_KINDS = [
  'new_device',
  'new_country',
  'lockout',
  'factor_added',
  'factor_removed',
  'phone_changed',
  'backup_codes_regenerated',
  'factor_changed',
  'recovery_started',
  'recovery_reminder',
  'recovery_cancelled',
  'recovery_completed',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * Kinds that are never rate-limited: a recovery's start and its reminder are what give the owner
 * the chance to stop it, and the recovery itself bounds them (one pending at a time, each start
 * after an owner's cancel).
 */
export const UNLIMITED_ALERT_KINDS: readonly AlertKind[] = ['recovery_started', 'recovery_reminder'];

/** The part of a security event that says what happened. */
export type AlertableEvent = { type: string; change: string };

/**
 * The alert a security event calls for, or `null` when it calls for none (a remembered device,
 * sessions signed out at the user's own request, an event of a kind not known here). Recovery
 * events are recognised by their words (`recovery_started`, `{ type: 'recovery', change:
 * 'cancelled' }` ...) so that whichever way they are named, they alert.
 */
export function alertKindOf(event: AlertableEvent): AlertKind | null {
  const { type, change } = event;
  if (type === 'sign_in') return change === 'new_country' ? 'new_country' : change === 'new_device' ? 'new_device' : null;
  if (type === 'lockout') return 'lockout';
  if (type === 'factor_changed') {
    if (change === 'device_trusted') return null;
    if (change === 'phone_changed') return 'phone_changed';
    if (change === 'backup_codes_regenerated') return 'backup_codes_regenerated';
    if (/_(added|bound)$/.test(change)) return 'factor_added';
    if (/_removed$/.test(change) || change === 'factor_reset') return 'factor_removed';
    if (/recover/.test(change)) return recoveryKind(change);
    return 'factor_changed';
  }
  const words = `${type} ${change}`;
  return /recover/.test(words) ? recoveryKind(words) : null;
}

function recoveryKind(words: string): AlertKind | null {
  if (/cancel/.test(words)) return 'recovery_cancelled';
  if (/complet|finish/.test(words)) return 'recovery_completed';
  if (/remind|soon/.test(words)) return 'recovery_reminder';
  if (/start|request|begin/.test(words)) return 'recovery_started';
  return null;
}
