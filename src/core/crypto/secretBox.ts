import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { RandomSource } from '../random';

/** Encryption keys by id; `currentKeyId` encrypts, every listed key can still decrypt (rotation). */
export type EncryptionKeyring = { currentKeyId: string; keys: Readonly<Record<string, Buffer>> };

const VERSION = 'v1';

/**
 * AES-256-GCM with a random 96-bit IV; the key id and version are authenticated as AAD, so a
 * ciphertext cannot be replayed under another key id. Format: `v1.<keyId>.<iv>.<tag>.<data>`.
 */
export function sealSecret(keyring: EncryptionKeyring, random: RandomSource, plaintext: string): string {
  const key = keyring.keys[keyring.currentKeyId];
  if (!key || key.length !== 32) throw new Error(`sealSecret: key ${keyring.currentKeyId} must be 32 bytes`);
  const iv = random.bytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${VERSION}.${keyring.currentKeyId}`));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, keyring.currentKeyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

/** Decrypts what sealSecret made; throws when the key is unknown or the data was altered. */
export function openSecret(keyring: EncryptionKeyring, sealed: string): { plaintext: string; keyId: string } {
  const [version, keyId, iv, tag, data] = sealed.split('.');
  if (version !== VERSION || !keyId || !iv || !tag || data === undefined) throw new Error('openSecret: not a sealed secret');
  const key = keyring.keys[keyId];
  if (!key) throw new Error(`openSecret: unknown key id ${keyId} (keep retired keys in the keyring until secrets are re-sealed)`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(`${VERSION}.${keyId}`));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const plaintext = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  return { plaintext, keyId };
}
