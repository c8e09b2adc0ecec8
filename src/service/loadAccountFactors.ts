import type { FactorInstance } from '../core/assurance/usableFactorTimes';
import type { CoolOff, EnrolledFactor, PhoneBinding } from '../stores/types';
import type { ServiceContext } from './ServiceContext';

/** What the account has now: its number, its factors as instances, and the running cool-off. */
export type AccountFactors = {
  phone: PhoneBinding | null;
  factors: EnrolledFactor[];
  coolOff: CoolOff | null;
  instances: FactorInstance[];
  /** Phone, authenticator apps and passkeys: what keeps an account protected (backup codes recover it). */
  realFactorCount: number;
};

/** Reads the account's factors and cool-off at once (one round trip per store). */
export async function loadAccountFactors(ctx: ServiceContext, userId: string, nowMs: number): Promise<AccountFactors> {
  const [phone, factors, coolOff] = await Promise.all([
    ctx.stores.phones.getActive(userId),
    ctx.stores.factors.list(userId),
    ctx.stores.coolOffs.get(userId, nowMs),
  ]);
  const instances: FactorInstance[] = [];
  if (phone) instances.push({ factor: 'sms', ref: phone.phoneHash });
  for (const f of factors) {
    if (f.type === 'totp') instances.push({ factor: 'otp', ref: f.id });
    else if (f.type === 'webauthn') instances.push({ factor: f.data.backedUp ? 'swk' : 'hwk', ref: f.id });
    else if (f.type === 'backup_codes') instances.push({ factor: 'backup', ref: f.id });
  }
  return { phone, factors, coolOff, instances, realFactorCount: instances.filter((i) => i.factor !== 'backup').length };
}
