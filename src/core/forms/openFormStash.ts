import { createDecipheriv } from 'node:crypto';
import type { Clock } from '../clock';
import type { EncryptionKeyring } from '../crypto/secretBox';
import type { TransactionDetails } from '../transaction/hashTransaction';
import { FORM_STASH_VERSION, formStashAad, formStashKey } from './formStashKey';
import type { FormField, SealedFormStash, StashedForm, StashedMethod } from './types';

export type OpenFormStashResult = { ok: true; form: StashedForm } | { ok: false; reason: 'malformed' | 'expired' };

const METHODS: readonly StashedMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Reads back what sealFormStash made, for the session that holds it: `malformed` when it was
 * sealed for another user, session binding, action, id or transaction (authentication fails), was
 * altered, or names a key no longer in the keyring; `expired` from its expiry on (the clock's
 * time). Never throws for bad input: a stash comes from a session, which outlives code versions.
 */
export function openFormStash(options: {
  keyring: EncryptionKeyring;
  clock: Clock;
  stash: SealedFormStash;
  /** Who is asking: the signed-in user and the session's binding id. */
  userId: string;
  bindingId: string;
}): OpenFormStashResult {
  const { keyring, clock, stash, userId, bindingId } = options;
  const malformed = { ok: false, reason: 'malformed' } as const;
  if (typeof stash?.sealed !== 'string' || typeof stash.id !== 'string' || typeof stash.action !== 'string') return malformed;
  const [version, keyId, iv, tag, data, extra] = stash.sealed.split('.');
  if (version !== FORM_STASH_VERSION || !keyId || !iv || !tag || data === undefined || extra !== undefined) return malformed;
  if (![iv, tag, data].every((part) => B64URL.test(part))) return malformed;
  const key = formStashKey(keyring, keyId);
  if (!key) return malformed;
  const binding = { id: stash.id, userId, bindingId, action: stash.action, ...(typeof stash.txDigest === 'string' ? { txDigest: stash.txDigest } : {}) };
  let payload: unknown;
  try {
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== 12 || tagBytes.length !== 16) return malformed;
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes);
    decipher.setAAD(formStashAad(keyId, binding));
    decipher.setAuthTag(tagBytes);
    payload = JSON.parse(Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8'));
  } catch {
    return malformed;
  }
  const form = shapeOf(payload);
  if (!form) return malformed;
  if (clock.nowMs() >= form.expiresAtMs) return { ok: false, reason: 'expired' };
  return { ok: true, form: { ...binding, ...form } };
}

type Payload = { method: StashedMethod; path: string; fields: FormField[]; transaction?: TransactionDetails; createdAtMs: number; expiresAtMs: number };

function shapeOf(value: unknown): Payload | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!METHODS.includes(v.method as StashedMethod) || typeof v.path !== 'string' || !v.path.startsWith('/')) return null;
  if (typeof v.createdAtMs !== 'number' || typeof v.expiresAtMs !== 'number') return null;
  if (!Array.isArray(v.fields) || !v.fields.every((f) => Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' && typeof f[1] === 'string')) return null;
  let transaction: TransactionDetails | undefined;
  if (v.transaction !== undefined) {
    if (typeof v.transaction !== 'object' || v.transaction === null) return null;
    transaction = v.transaction as TransactionDetails;
  }
  return {
    method: v.method as StashedMethod,
    path: v.path,
    fields: v.fields as FormField[],
    ...(transaction ? { transaction } : {}),
    createdAtMs: v.createdAtMs,
    expiresAtMs: v.expiresAtMs,
  };
}
