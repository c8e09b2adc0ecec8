import type { SecondFactorId } from '../core/assurance/types';

const LABELS: Record<SecondFactorId, string> = {
  sms: 'Text message code',
  otp: 'Authenticator app',
  hwk: 'Security key',
  swk: 'Passkey',
  backup: 'Backup code',
};

/** A factor's name as a user reads it. */
export function describeFactor(factor: SecondFactorId): string {
  return LABELS[factor];
}
