import { createCipheriv } from 'node:crypto';
import type { Clock } from '../clock';
import type { EncryptionKeyring } from '../crypto/secretBox';
import { newRandomId, type RandomSource } from '../random';
import type { TransactionDetails } from '../transaction/hashTransaction';
import { FORM_STASH_LIMITS } from './formStashLimits';
import { FORM_STASH_VERSION, formStashAad, formStashKey } from './formStashKey';
import type { FormField, SealedFormStash, StashedMethod } from './types';

export type FormStashInput = {
  userId: string;
  bindingId: string;
  action: string;
  txDigest?: string;
  transaction?: TransactionDetails;
  method: StashedMethod;
  path: string;
  fields: readonly FormField[];
};

/**
 * Seals a refused form for its re-submission after the step-up: a new random id, an expiry
 * `ttlSeconds` from the clock, and the form encrypted with AES-256-GCM (random 96-bit IV) under a
 * key derived from the keyring's current key, with the user, session binding, action, id and
 * transaction digest as additional data (see formStashAad). The result goes into the session;
 * only openFormStash with the same binding reads it back.
 */
export function sealFormStash(options: {
  keyring: EncryptionKeyring;
  random: RandomSource;
  clock: Clock;
  form: FormStashInput;
  /** @default 300 */
  ttlSeconds?: number;
}): { stash: SealedFormStash; expiresAtMs: number } {
  const { keyring, random, clock, form, ttlSeconds = FORM_STASH_LIMITS.ttlSeconds } = options;
  const keyId = keyring.currentKeyId;
  const key = formStashKey(keyring, keyId);
  if (!key) throw new Error(`sealFormStash: the keyring has no key ${keyId} (its current key)`);
  const id = newRandomId(random);
  const createdAtMs = clock.nowMs();
  const expiresAtMs = createdAtMs + ttlSeconds * 1000;
  const binding = { id, userId: form.userId, bindingId: form.bindingId, action: form.action, ...(form.txDigest ? { txDigest: form.txDigest } : {}) };
  const payload = JSON.stringify({
    method: form.method,
    path: form.path,
    fields: form.fields,
    ...(form.transaction ? { transaction: form.transaction } : {}),
    createdAtMs,
    expiresAtMs,
  });
  const iv = random.bytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(formStashAad(keyId, binding));
  const data = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()]);
  const sealed = [FORM_STASH_VERSION, keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  return { stash: { id, action: form.action, ...(form.txDigest ? { txDigest: form.txDigest } : {}), sealed }, expiresAtMs };
}
