import type { Request } from 'express';
import { z } from 'zod';
import { LEVELS, type AssuranceLevel } from '../../core/assurance/types';
import { StepGuardConfigError } from '../../errors';

export type AdminRouterOptions = {
  /** The host decides who is an operator: `req => req.user?.isAdmin === true`. Anything but `true` is a 403. */
  authorize: (req: Request) => boolean | Promise<boolean>;
  /**
   * What the operator's own step-up must reach: `'aal2-phr'` (a passkey) or `'aal2'` (any second factor but backup codes).
   * @default 'aal2-phr'
   */
  requireAssurance?: Extract<AssuranceLevel, 'aal2' | 'aal2-phr'>;
  /** How old the operator's step-up may be. @default policy.actions.admin_console.maxAgeSeconds (900) */
  maxAgeSeconds?: number;
  /**
   * A second factor the operator's account bound while it had no other (the password alone was
   * enough to bind it) opens the console only this long after it was bound: otherwise whoever
   * knows an operator's password binds a passkey of their own and steps up with it, and the
   * passkey requirement adds nothing. The owner gets the factor-added alert meanwhile. Factors
   * added while another existed are held by the account cool-off instead. `0` turns the wait off
   * (only where operator accounts are provisioned with their factor by someone else).
   * @default 259200 (72 hours, like a self-service recovery's delay)
   */
  firstFactorWaitSeconds?: number;
  /** The operator's id in audit records. @default the signed-in user's id (getUserId) */
  operatorIdOf?: (req: Request) => string | undefined;
  /** Finds an account by what the support desk types (a username): its user id, or null. Without it, a search is by user id. */
  findUserId?: (query: string) => string | null | undefined | Promise<string | null | undefined>;
};

export type ParsedAdminRouterOptions = Required<Pick<AdminRouterOptions, 'authorize' | 'requireAssurance'>> &
  Pick<AdminRouterOptions, 'operatorIdOf' | 'findUserId'> & { maxAgeSeconds: number; firstFactorWaitSeconds: number };

/** 72 hours: the order of a self-service recovery's delay, long enough for the owner to see the alert. */
export const DEFAULT_FIRST_FACTOR_WAIT_SECONDS = 72 * 3600;

const fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: `must be a function (${what})` });

const schema = z.strictObject({
  authorize: fn('req => boolean: who is an operator'),
  requireAssurance: z.enum(LEVELS.filter((l) => l !== 'aal1') as ['aal2', 'aal2-phr']).optional(),
  maxAgeSeconds: z.number().int().positive().max(12 * 3600).optional(),
  firstFactorWaitSeconds: z
    .number({ error: 'must be a number of seconds (e.g. 259200 for 72 h; 0 turns the wait off)' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 or more seconds')
    .max(30 * 86_400, 'must be at most 30 days (2592000 seconds)')
    .optional(),
  operatorIdOf: fn('req => the operator id').optional(),
  findUserId: fn('query => user id or null').optional(),
});

/** Checked once when the router is built: a mistake is an error naming the option, not a console anyone can open. */
export function parseAdminRouterOptions(options: unknown, defaultMaxAgeSeconds: number): ParsedAdminRouterOptions {
  if (options === undefined || options === null) {
    throw new StepGuardConfigError('guard.adminRouter(options): `authorize` is required: adminRouter({ authorize: req => req.user?.isAdmin === true })');
  }
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(options)';
    const hint = issue?.code === 'unrecognized_keys' ? ` (known: ${Object.keys(schema.shape).join(', ')})` : '';
    throw new StepGuardConfigError(`guard.adminRouter: ${where}: ${issue?.message ?? 'invalid'}${hint}`);
  }
  const o = parsed.data as AdminRouterOptions;
  return {
    authorize: o.authorize,
    requireAssurance: o.requireAssurance ?? 'aal2-phr',
    maxAgeSeconds: o.maxAgeSeconds ?? defaultMaxAgeSeconds,
    firstFactorWaitSeconds: o.firstFactorWaitSeconds ?? DEFAULT_FIRST_FACTOR_WAIT_SECONDS,
    ...(o.operatorIdOf ? { operatorIdOf: o.operatorIdOf } : {}),
    ...(o.findUserId ? { findUserId: o.findUserId } : {}),
  };
}
