import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * The admin command channel's seal: `v1.<HMAC-SHA256 in base64url>.<JSON body>`. The MAC is
 * over the exact body bytes (nothing to canonicalise), checked in constant time before the body
 * is parsed. Commands and replies use different keys derived from the pepper (HKDF with their
 * own labels), so neither can be replayed as the other, nor as anything else the pepper keys
 * (audit MACs, code hashes).
 */
export type AdminSealPurpose = 'command' | 'reply';

const VERSION = 'v1';

/** The key for one direction of the channel; the same pepper on the CLI and the node gives the same key. */
export function deriveAdminKey(pepper: string, purpose: AdminSealPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', pepper, 'stepguard', `admin-${purpose}-v1`, 32));
}

function macOf(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(body, 'utf8').digest();
}

/** Seals `body` (already JSON) under `key`. */
export function sealAdminMessage(key: Buffer, body: unknown): string {
  const json = JSON.stringify(body);
  return `${VERSION}.${macOf(key, json).toString('base64url')}.${json}`;
}

export type OpenedAdminMessage = { ok: true; body: unknown } | { ok: false; reason: 'malformed' | 'bad_mac' };

/** The body of a sealed message whose MAC verifies under `key`; never parses what does not. */
export function openAdminMessage(key: Buffer, message: string): OpenedAdminMessage {
  const first = message.indexOf('.');
  const second = message.indexOf('.', first + 1);
  if (first < 0 || second < 0 || message.slice(0, first) !== VERSION) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(message.slice(first + 1, second), 'base64url');
  const json = message.slice(second + 1);
  const expected = macOf(key, json);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_mac' };
  try {
    return { ok: true, body: JSON.parse(json) as unknown };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}

/**
 * What a reply names as the message it answers: SHA-256 of the message exactly as the node took
 * it off the queue (MAC and body), base64url. A message forged under a real command's id, even
 * one that copies that command's MAC, has another digest, so the CLI never takes an answer to it
 * (a refusal) for the answer to its own command. Not a secret: anyone with Redis access can hash
 * what is on the queue; what matters is that the node seals it into its reply.
 */
export function adminMessageDigest(message: string): string {
  return createHash('sha256').update(message, 'utf8').digest('base64url');
}
