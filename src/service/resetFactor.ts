import type { RequestContext } from '../audit/createAuditWriter';
import type { FactorType } from '../stores/types';
import { oneLineTextProblem } from '../core/admin/oneLineTextProblem';
import { changeFactors } from './changeFactors';
import type { ServiceContext } from './ServiceContext';

export type ResettableFactor = FactorType | 'sms';

const FACTOR_OF = { sms: 'sms', totp: 'otp', webauthn: 'webauthn', backup_codes: 'backup' } as const;

/**
 * An operator removes a user's factor (lost phone, lost authenticator). It goes through
 * changeFactors like any change — audited with the operator and the reason, the account
 * cool-off, trusted devices and sessions revoked, every channel told — only the user's
 * step-up is replaced by the operator's authority.
 *
 * A reset of a factor the user does not have (a misclick, the second operator on one ticket)
 * is a clean no-op, `{ removed: 0 }`: no factor_changed record, no cool-off, no revoked sessions,
 * no "a sign-in method was removed" notice. Checked here, the one function the console, the CLI
 * and the node's command channel share. `context` (the operator's IP, user agent, request id)
 * goes into the audit records like any other console action's.
 */
export async function resetFactor(
  ctx: ServiceContext,
  input: { userId: string; factor: ResettableFactor; reason: string; admin: string; context?: RequestContext },
): Promise<{ removed: number }> {
  const nowMs = ctx.config.clock.nowMs();
  const factor = FACTOR_OF[input.factor];
  // The console and the command channel refuse such a reason with a 400 / a refusal; a direct caller (the CLI on a store) gets an error.
  const problem = oneLineTextProblem(input.reason);
  if (problem) throw new TypeError(`resetFactor: reason ${problem}`);
  const nameProblem = oneLineTextProblem(input.admin);
  if (nameProblem) throw new TypeError(`resetFactor: admin ${nameProblem}`);
  if (!(await hasFactor(ctx, input.userId, input.factor))) return { removed: 0 };
  const outcome = await changeFactors(
    ctx,
    {
      userId: input.userId,
      actor: { admin: input.admin, reason: input.reason },
      // The ref only names what goes; for the operator path no last-factor rule applies.
      change: factor === 'backup' ? { op: 'replace', factor: 'backup' } : { op: 'remove', factor, ref: `reset:${input.factor}` },
      kind: 'factor_reset',
      ...(input.context ? { context: input.context } : {}),
    },
    async () => {
      if (input.factor === 'sms') return { ok: true as const, value: (await ctx.stores.phones.remove(input.userId, nowMs)) ? 1 : 0 };
      return { ok: true as const, value: await ctx.stores.factors.removeAll(input.userId, input.factor) };
    },
  );
  if (!outcome.ok) throw new Error(`resetFactor: refused (${outcome.reason})`);
  return { removed: outcome.value };
}

/** Whether there is anything to reset (a race with another removal still ends in changeFactors, which counts what went). */
async function hasFactor(ctx: ServiceContext, userId: string, factor: ResettableFactor): Promise<boolean> {
  if (factor === 'sms') return (await ctx.stores.phones.getActive(userId)) !== null;
  return (await ctx.stores.factors.list(userId)).some((f) => f.type === factor);
}
