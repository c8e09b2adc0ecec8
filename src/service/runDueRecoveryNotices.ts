import { remindRecoveryIfDue } from './remindRecoveryIfDue';
import type { ServiceContext } from './ServiceContext';

/**
 * The sweep: sends every reminder due at `nowMs` (at most `limit` accounts per call). Run it
 * from a timer or a job (e.g. every 15 minutes); without it reminders still go out when a
 * request of the user notices them, and a recovery never completes before its reminder.
 */
export async function runDueRecoveryNotices(ctx: ServiceContext, nowMs = ctx.config.clock.nowMs(), limit = 100): Promise<{ reminded: number }> {
  let reminded = 0;
  for (const userId of await ctx.stores.recoveries.due(nowMs, limit)) {
    if (await remindRecoveryIfDue(ctx, userId, nowMs)) reminded += 1;
  }
  return { reminded };
}
