import { timingSafeEqual } from 'node:crypto';
import { isWeakSecret, type SecretWeakness } from './core/crypto/isWeakSecret';
import type { EncryptionKeyring } from './core/crypto/secretBox';
import { StepGuardConfigError } from './errors';

/** The stores choice as parsed (`stores` in StepGuardOptions). */
type StoresChoice =
  | 'memory'
  | { custom: unknown }
  | { redis?: unknown; mongo?: unknown; audit?: unknown; allowMemoryDurableStores?: boolean | undefined };

const WEAKNESS: Record<SecretWeakness, string> = {
  one_symbol: 'it is one character (or byte) repeated',
  repeated_pattern: 'it is a short pattern repeated',
  sequence: 'it is a run such as abcdef… or 0123…',
  low_entropy: 'it is made of too few different characters to be random',
};

const NEW_SECRET = 'Generate one with `openssl rand -base64 48` and keep it in your secret store';
const NEW_KEY = 'Generate one with `openssl rand -base64 32`, add it under a new id and re-seal (keep the old key only until then)';

/**
 * What NODE_ENV=production refuses at start-up, each with the option's name and the fix:
 * identical or guessable secrets and keys, phone bindings, factors and the audit trail kept in
 * memory, and no SMS provider (the guard would fall back to the console provider, which prints
 * codes instead of sending them). Development and test are never checked: they generate
 * secrets and run on memory on purpose.
 */
export function checkProductionConfig(input: {
  secrets: Readonly<{ pepper: string; sessionSecret: string }>;
  /** As given: base64 text by key id. */
  encryptionKeys: Readonly<Record<string, string>>;
  keyring: EncryptionKeyring;
  stores: StoresChoice;
  hasSmsProvider: boolean;
}): void {
  const { pepper, sessionSecret } = input.secrets;
  if (sameText(pepper, sessionSecret)) {
    throw new StepGuardConfigError(
      'secrets.sessionSecret: must differ from secrets.pepper (one signs cookies and CSRF tokens, the other keys code and ' +
        `phone hashes; one leak must not give both). ${NEW_SECRET}.`,
    );
  }
  for (const [id, text] of Object.entries(input.encryptionKeys)) {
    const key = input.keyring.keys[id] as Buffer;
    for (const [name, value] of [['pepper', pepper], ['sessionSecret', sessionSecret]] as const) {
      if (sameText(text, value) || sameBytes(key, Buffer.from(value, 'utf8')) || sameBytes(key, Buffer.from(value, 'base64'))) {
        throw new StepGuardConfigError(`secrets.encryptionKeys.${id}: must differ from secrets.${name}. ${NEW_KEY}.`);
      }
    }
  }
  for (const [name, value] of [['pepper', pepper], ['sessionSecret', sessionSecret]] as const) {
    const strength = isWeakSecret(value);
    if (strength.weak) throw new StepGuardConfigError(`secrets.${name}: too weak for production: ${WEAKNESS[strength.reason]}. ${NEW_SECRET}.`);
  }
  for (const [id, key] of Object.entries(input.keyring.keys)) {
    const strength = isWeakSecret(key);
    if (strength.weak) throw new StepGuardConfigError(`secrets.encryptionKeys.${id}: not a random key: ${WEAKNESS[strength.reason]}. ${NEW_KEY}.`);
  }

  checkDurableStores(input.stores);

  if (!input.hasSmsProvider) {
    throw new StepGuardConfigError(
      'sms.providers: required when NODE_ENV=production. Without one stepguard falls back to the console provider, which ' +
        'prints codes and security notices instead of sending them. Pass a real provider (TwilioSmsProvider, ' +
        'VonageSmsProvider, HttpSmsProvider); a Twilio Verify setup needs one too, for security notices.',
    );
  }
}

function checkDurableStores(stores: StoresChoice): void {
  const hatch = 'for a test or demo deployment only, stores: { allowMemoryDurableStores: true }';
  if (stores === 'memory') {
    throw new StepGuardConfigError(
      "stores: 'memory' keeps phone bindings, enrolled factors and the audit trail in this process's memory: lost on " +
        `restart and different on every node. In production pass stores: { redis, mongo } (or { custom }); ${hatch}.`,
    );
  }
  if ('custom' in stores || stores.mongo || stores.allowMemoryDurableStores) return;
  throw new StepGuardConfigError(
    'stores.mongo: required when NODE_ENV=production: without it phone bindings and enrolled factors' +
      `${stores.audit ? '' : ' (and the audit trail)'} live in memory, lost on restart and different on every node. ` +
      `Pass a mongoose Connection as stores.mongo, or your own stores as stores: { custom }; ${hatch}.`,
  );
}

function sameText(a: string, b: string): boolean {
  return sameBytes(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
