import { createHmac } from 'node:crypto';
import { clientAddressKey } from '../core/net/clientAddressKey';

/** The throttle keys of one sign-in attempt, and the client as audit records show it. */
export type FirstFactorKeys = { account: string; address: string; addressLabel: string | null };

/**
 * The username as the throttle counts it: Unicode compatibility-decomposed (NFKD) with accents
 * and invisible characters (soft hyphen, zero-width space and joiner, other default-ignorables)
 * removed, trimmed, lower-cased. So `Alice`, ` alice`, a full-width `ａｌｉｃｅ`, `álice` and
 * `al\u200Bice` share one count, as accent- and case-insensitive database collations (MySQL's
 * default) would find one account for them. Folding too much only makes spellings share a
 * budget; folding too little would give each its own. Whether the account exists plays no part.
 */
export function canonicalUsername(username: string): string {
  return username.normalize('NFKD').replace(FOLDED_AWAY, '').trim().toLowerCase().normalize('NFKC');
}

const FOLDED_AWAY = /[\p{M}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * Keyed digests (HMAC with the pepper), so the stores hold neither usernames nor addresses and
 * a key's length never depends on the input. The client counts as clientAddressKey says (IPv6
 * by its network prefix), like every other per-address budget.
 */
export function firstFactorKeys(pepper: string, username: string, ip: string | null, ipv6PrefixLength: number): FirstFactorKeys {
  const digest = (value: string) => createHmac('sha256', pepper).update(value).digest('base64url').slice(0, 27);
  const addressLabel = ip ? clientAddressKey(ip, ipv6PrefixLength) : null;
  return {
    account: `acct:${digest(`first-factor-account\0${canonicalUsername(username)}`)}`,
    // A request without an address (its socket already gone) shares one bucket: never a free pass.
    address: `addr:${digest(`first-factor-address\0${addressLabel ?? 'unknown'}`)}`,
    addressLabel,
  };
}
