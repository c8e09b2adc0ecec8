import { noticeDate } from '../core/recovery/noticeDate';
import type { Recovery } from '../stores/RecoveryStore';
import { emitSecurityEvent } from './emitSecurityEvent';
import { sendSecurityNotice, type NoticeTemplate } from './sendSecurityNotice';
import type { ServiceContext } from './ServiceContext';

export type RecoveryNotice = 'started' | 'reminder' | 'cancelled' | 'shortened';

const TEMPLATE: Record<RecoveryNotice, NoticeTemplate> = {
  started: 'recoveryStarted',
  reminder: 'recoveryReminder',
  // A shortened wait is told as what it is for the owner: the end, and how to stop it.
  shortened: 'recoveryReminder',
  cancelled: 'recoveryCancelled',
};

/** The page where a signed-in session sees and cancels a recovery (what every notice links to). */
export function recoveryPageUrl(ctx: ServiceContext): string {
  return `${ctx.config.appOrigin}${ctx.config.http.basePath}/recovery`;
}

/**
 * Each recovery may send a start, a reminder (retried until delivered), a cancel or shortening:
 * the recovery notice budget is sized from `recovery.maxStartsPerDay` so that the recoveries
 * allowed in a day can never exhaust it.
 */
const RECOVERY_NOTICES_PER_START = 5;

/**
 * Tells every channel the user has about a recovery: an SMS to the bound number through the
 * anti-pumping guard (sendSecurityNotice: a refused or failed one is audited), then the host's
 * `onSecurityEvent` (e-mail, push). The SMS spends a budget of its own (`recoveryNotice:<userId>`),
 * never the factor-change notices' `notice:<userId>`, so an attacker looping recoveries cannot
 * silence the notices of a later factor change (and starts are limited, see startRecovery).
 * Never throws: what it reports already happened. Resolves whether it reached at least one
 * channel (the SMS accepted by the provider, or the hook called without error).
 */
export async function notifyRecovery(ctx: ServiceContext, input: { recovery: Recovery; notice: RecoveryNotice; actor: string }): Promise<boolean> {
  const { recovery, notice } = input;
  const link = recoveryPageUrl(ctx);
  const phone = await ctx.stores.phones.getActive(recovery.userId).catch((err: unknown) => {
    ctx.logger?.error({ event: 'recovery_notice_failed', notice, err: err instanceof Error ? err.message : String(err) }, 'The bound number could not be read for a recovery notice');
    return null;
  });
  let delivered = false;
  if (phone) {
    const sms = await sendSecurityNotice(ctx, {
      userId: recovery.userId,
      budgetKey: `recoveryNotice:${recovery.userId}`,
      budgetPerDay: ctx.config.recovery.maxStartsPerDay * RECOVERY_NOTICES_PER_START,
      to: phone.e164,
      country: phone.country,
      template: TEMPLATE[notice],
      values: { date: noticeDate(recovery.completesAtMs), link },
    });
    delivered = sms === 'sent';
  }
  const hooked = await emitSecurityEvent(ctx, {
    type: `recovery_${notice}`,
    userId: recovery.userId,
    change: `recovery_${notice}`,
    factor: null,
    atMs: ctx.config.clock.nowMs(),
    coolOffUntilMs: null,
    actor: input.actor,
    recovery: { completesAtMs: recovery.completesAtMs, cancelUrl: link },
  });
  return delivered || hooked;
}
