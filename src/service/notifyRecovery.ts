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
 * Tells every channel the user has about a recovery: an SMS to the bound number through the
 * notice budget and the anti-pumping guard (sendSecurityNotice: a refused or failed one is
 * audited), then the host's `onSecurityEvent` (e-mail, push), which no budget limits. Never
 * throws: what it reports already happened.
 */
export async function notifyRecovery(ctx: ServiceContext, input: { recovery: Recovery; notice: RecoveryNotice; actor: string }): Promise<void> {
  const { recovery, notice } = input;
  const link = recoveryPageUrl(ctx);
  const phone = await ctx.stores.phones.getActive(recovery.userId).catch((err: unknown) => {
    ctx.logger?.error({ event: 'recovery_notice_failed', notice, err: err instanceof Error ? err.message : String(err) }, 'The bound number could not be read for a recovery notice');
    return null;
  });
  if (phone) {
    await sendSecurityNotice(ctx, {
      userId: recovery.userId,
      to: phone.e164,
      country: phone.country,
      template: TEMPLATE[notice],
      values: { date: noticeDate(recovery.completesAtMs), link },
    });
  }
  await emitSecurityEvent(ctx, {
    type: `recovery_${notice}`,
    userId: recovery.userId,
    change: `recovery_${notice}`,
    factor: null,
    atMs: ctx.config.clock.nowMs(),
    coolOffUntilMs: null,
    actor: input.actor,
    recovery: { completesAtMs: recovery.completesAtMs, cancelUrl: link },
  });
}
