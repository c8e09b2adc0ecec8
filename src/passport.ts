// stepguard/passport: the step-up strategies. Each finishes a step-up through the same function
// as stepguard's own routes; use them with `{ session: false }` over an existing login.
export { SmsOtpStrategy } from '../strategies/SmsOtpStrategy';
export type { SmsOtpStrategyOptions } from '../strategies/SmsOtpStrategy';
export { TotpStrategy } from '../strategies/TotpStrategy';
export { WebAuthnStrategy } from '../strategies/WebAuthnStrategy';
export { BackupCodeStrategy } from '../strategies/BackupCodeStrategy';
