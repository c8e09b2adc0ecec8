import { hkdfSync } from 'node:crypto';
import type { EncryptionKeyring } from '../crypto/secretBox';
import type { FormStashBinding } from './types';

export const FORM_STASH_VERSION = 'fs1';

/**
 * The AES-256-GCM key for stashes sealed under `keyId`: derived (HKDF-SHA256) from that key of
 * the keyring, so the key that seals TOTP secrets is never used as is for another purpose, and
 * rotating `secrets.encryptionKeys` rotates this one too. `undefined` for an unknown key id.
 */
export function formStashKey(keyring: EncryptionKeyring, keyId: string): Buffer | undefined {
  const base = Object.hasOwn(keyring.keys, keyId) ? keyring.keys[keyId] : undefined;
  if (!base) return undefined;
  return Buffer.from(hkdfSync('sha256', base, 'stepguard', 'form-stash-v1', 32));
}

/**
 * The additional authenticated data: version, key id and everything the stash is bound to, as a
 * JSON array (unambiguous, whatever a user id contains). A stash opened for another user,
 * session, action, id or transaction fails authentication instead of decrypting.
 */
export function formStashAad(keyId: string, binding: FormStashBinding): Buffer {
  return Buffer.from(JSON.stringify([FORM_STASH_VERSION, keyId, binding.id, binding.userId, binding.bindingId, binding.action, binding.txDigest ?? '']), 'utf8');
}
