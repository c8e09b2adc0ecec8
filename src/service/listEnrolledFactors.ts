import type { SecondFactorId } from '../core/assurance/types';
import type { StepGuardStores } from '../stores/types';

/**
 * The user's second factors as the session and the policy name them. A WebAuthn credential
 * that is backed up (synced passkey) counts as `swk`, a device-bound one as `hwk`.
 */
export async function listEnrolledFactors(stores: Pick<StepGuardStores, 'phones' | 'factors'>, userId: string): Promise<SecondFactorId[]> {
  const [phone, factors] = await Promise.all([stores.phones.getActive(userId), stores.factors.list(userId)]);
  const enrolled = new Set<SecondFactorId>();
  if (phone) enrolled.add('sms');
  for (const f of factors) {
    if (f.type === 'totp') enrolled.add('otp');
    else if (f.type === 'backup_codes') enrolled.add('backup');
    else if (f.type === 'webauthn') enrolled.add(f.data.backedUp ? 'swk' : 'hwk');
  }
  return [...enrolled];
}
