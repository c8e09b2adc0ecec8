import QRCode from 'qrcode';
import type { StepGuardConfig } from '../config';
import { openSecret } from '../core/crypto/secretBox';
import { totpUri } from '../core/totp/totp';

/** How long a TOTP setup waits in the session for its first code. */
export const TOTP_SETUP_TTL_MS = 15 * 60_000;

/** The account name an authenticator app shows for this user: the same as at the setup (the username when getIdentity gives one). */
export async function totpAccountNameOf(config: Pick<StepGuardConfig, 'getIdentity'>, userId: string): Promise<string> {
  return (await config.getIdentity?.(userId))?.username?.trim() || userId;
}

/**
 * The QR code and key of a TOTP setup still waiting in this session, shown again after a wrong
 * first code (or a reload) so the user can retry with the app they already scanned into, instead
 * of starting over with a new secret. Same URI and QR options as beginTotpEnrolment.
 */
export async function totpRevealOf(
  config: Pick<StepGuardConfig, 'keyring' | 'serviceName'>,
  sealedSecret: string,
  accountName: string,
): Promise<{ otpauthUri: string; qrCode: string; secret: string }> {
  const { plaintext: secret } = openSecret(config.keyring, sealedSecret);
  const otpauthUri = totpUri({ secret, issuer: config.serviceName, account: accountName });
  const qrCode = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 1, width: 220 });
  return { otpauthUri, qrCode, secret };
}
