import { parseIpv4, parseIpv6 } from './parseIp';

/** What an address that is neither IPv4 nor IPv6 counts under: one shared budget, never a fresh one per spelling. */
export const UNREADABLE_ADDRESS_KEY = 'unreadable-address';

/**
 * The key a per-address budget (SMS anti-pumping, first-factor throttling, anything counted
 * "per client address") counts a client under, so that every budget agrees on who one client is.
 *
 * - IPv4 is the address itself (`192.0.2.7`), written in its one dotted-decimal form.
 * - IPv4-mapped IPv6 (`::ffff:192.0.2.7`, `::ffff:c000:207`; how a dual-stack socket reports
 *   IPv4) is that IPv4 address.
 * - Other IPv6 is its network: the first `ipv6PrefixLength` bits, as `2001:db8:1:2::/64`. One
 *   subscriber is handed a whole /64 (often a /56 or /48) and picks addresses in it for free, so
 *   counting full addresses would give an abuser a fresh budget per request.
 * - Anything else (an unparsable `X-Forwarded-For` entry with `trust proxy` on) counts under one
 *   shared key, `UNREADABLE_ADDRESS_KEY`.
 *
 * @param ipv6PrefixLength leading bits of an IPv6 address that name one client, 0 to 128 @default 64
 */
export function clientAddressKey(ip: string, ipv6PrefixLength = 64): string {
  if (!Number.isInteger(ipv6PrefixLength) || ipv6PrefixLength < 0 || ipv6PrefixLength > 128) {
    throw new RangeError(`ipv6PrefixLength must be an integer from 0 to 128, got ${String(ipv6PrefixLength)}`);
  }
  const v4 = parseIpv4(ip);
  if (v4) return v4.join('.');
  const groups = parseIpv6(ip);
  if (!groups) return UNREADABLE_ADDRESS_KEY;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high, low] = [groups[6] as number, groups[7] as number];
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  const masked = groups.map((group, i) => {
    const bits = Math.min(16, Math.max(0, ipv6PrefixLength - i * 16));
    return bits === 0 ? 0 : group & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${formatIpv6(masked)}/${ipv6PrefixLength}`;
}

/** RFC 5952: lower-case hex, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(groups: number[]): string {
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}
