import { createHmac } from 'node:crypto';

/**
 * A keyed hash of an E.164 number: stable for one pepper, so bindings, rate limits and audit
 * records can match a number without holding it, and useless to anyone without the pepper.
 */
export function hashPhone(pepper: string, e164: string): string {
  return createHmac('sha256', pepper).update(`phone:${e164}`).digest('base64url').slice(0, 32);
}
