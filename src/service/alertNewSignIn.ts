import { emitSecurityEvent } from './emitSecurityEvent';
import type { ServiceContext } from './ServiceContext';

/**
 * A password sign-in from a device or a country new to an account that has signed in before:
 * its owner is alerted (SMS to the bound number, the host hook), one alert per sign-in (a new
 * country says more than a new device), rate-limited per user and kind like every alert.
 */
export async function alertNewSignIn(
  ctx: ServiceContext,
  input: { userId: string; newDevice: boolean; newCountry: boolean; country: string | null; userLocale?: string | undefined },
): Promise<void> {
  if (!input.newDevice && !input.newCountry) return;
  await emitSecurityEvent(
    ctx,
    { type: 'sign_in', userId: input.userId, change: input.newCountry ? 'new_country' : 'new_device', factor: null, atMs: ctx.config.clock.nowMs(), coolOffUntilMs: null, actor: 'user' },
    { userLocale: input.userLocale, country: input.newCountry ? input.country : null },
  );
}
