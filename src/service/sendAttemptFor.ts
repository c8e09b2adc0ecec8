import { hashPhone } from '../core/phone/hashPhone';
import type { SendAttempt } from '../sms/createPumpingGuard';
import type { ServiceContext } from './ServiceContext';

/**
 * One intended send as the anti-pumping guard judges it: the number's and its prefix's keyed
 * hashes (budgets never hold numbers) and the policy lists. Codes and notices both use it.
 */
export function sendAttemptFor(
  ctx: ServiceContext,
  input: Pick<SendAttempt, 'sendId' | 'e164' | 'country' | 'lineType' | 'userId' | 'sessionId' | 'ip' | 'boundNumber' | 'notice'>,
): SendAttempt {
  const { config } = ctx;
  const prefix = input.e164.slice(0, Math.max(4, input.e164.length - config.sms.pumping.prefix.dropDigits));
  return {
    ...input,
    phoneHash: hashPhone(config.secrets.pepper, input.e164),
    prefixHash: hashPhone(config.secrets.pepper, `prefix:${prefix}`),
    allowedCountries: config.phone.allowedCountries,
    blockedLineTypes: config.phone.blockedLineTypes,
  };
}
