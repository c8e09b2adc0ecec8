import type { ServiceContext } from './ServiceContext';

/**
 * The user's answer to an offer of another sign-in method: `snooze` ("Not now") keeps optional
 * offers away for `enrolment.snoozeDays`, `decline` ("Don't ask again") for good. Neither
 * touches a requirement (`enrolment.require`): its grace period runs on. Kept in the enrolment
 * store, per user, never only in a cookie. Audited.
 */
export async function answerEnrolmentNudge(ctx: ServiceContext, input: { userId: string; answer: 'snooze' | 'decline' }): Promise<{ snoozedUntilMs: number | null }> {
  const { config, stores } = ctx;
  const nowMs = config.clock.nowMs();
  let snoozedUntilMs: number | null = null;
  if (input.answer === 'snooze') {
    snoozedUntilMs = nowMs + config.enrolment.snoozeDays * 86_400_000;
    await stores.enrolment.snooze(input.userId, snoozedUntilMs);
  } else {
    await stores.enrolment.decline(input.userId, nowMs);
  }
  await ctx.audit.record({ type: 'enrolment_nudge_answered', outcome: 'info', userId: input.userId, reasons: [input.answer] });
  return { snoozedUntilMs };
}
