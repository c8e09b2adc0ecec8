import { emitSecurityEvent } from './emitSecurityEvent';
import type { ServiceContext } from './ServiceContext';

/**
 * Consecutive wrong codes just locked the account's second factor: the owner is told (SMS to the
 * bound number, the host hook), since whoever typed them knew the password. Rate-limited per
 * user like every alert, so a guesser cannot turn locks into a flood.
 */
export async function alertLockout(ctx: ServiceContext, userId: string, factor: 'sms' | 'otp' | 'backup'): Promise<void> {
  ctx.metrics.lockout({ factor });
  await emitSecurityEvent(ctx, { type: 'lockout', userId, change: 'second_factor_locked', factor, atMs: ctx.config.clock.nowMs(), coolOffUntilMs: null, actor: 'user' });
}
