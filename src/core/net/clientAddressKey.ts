import { readClientAddress } from './parseIp';

/** What an address that is neither IPv4 nor IPv6 counts under: one shared budget, never a fresh one per spelling. */
export const UNREADABLE_ADDRESS_KEY = 'unreadable-address';

/**
 * The key a per-address budget (SMS anti-pumping, first-factor throttling, anything counted
 * "per client address") counts a client under, so that every budget agrees on who one client is.
 *
 * - IPv4 is the address itself (`192.0.2.7`), written in its one dotted-decimal form.
 * - IPv4-mapped IPv6 (`::ffff:192.0.2.7`, `::ffff:c000:207`; how a dual-stack socket reports
 *   IPv4) is that IPv4 address, and a port a proxy wrote (`192.0.2.7:51234`, `[2001:db8::1]:443`)
 *   is dropped, and so is NAT64's well-known prefix (`64:ff9b::192.0.2.7`, how an IPv6-only
 *   server behind a translator sees IPv4 clients): see readClientAddress.
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
  const address = readClientAddress(ip);
  if (!address) return UNREADABLE_ADDRESS_KEY;
  if (address.family === 4) return address.octets.join('.');
  const { groups } = address;
  const masked = groups.map((group, i) => {
    const bits = Math.min(16, Math.max(0, ipv6PrefixLength - i * 16));
    return bits === 0 ? 0 : group & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${formatIpv6(masked)}/${ipv6PrefixLength}`;
}

/**
 * The client address in its one spelling (IPv4 dotted, IPv4-mapped as IPv4, IPv6 as RFC 5952,
 * no port, zone or brackets), or null when it is no address: what geo lookups and the cached
 * risk decision compare.
 */
export function canonicalClientAddress(ip: string): string | null {
  const address = readClientAddress(ip);
  if (!address) return null;
  return address.family === 4 ? address.octets.join('.') : formatIpv6(address.groups);
}

/**
 * The address the cached risk decision is tied to: canonicalClientAddress, except that a client
 * arriving through a NAT64 translator keeps its IPv6 form (`64:ff9b::c633:6409`). The IP lists
 * judge that form too (IPv6 entries written in 64:ff9b::/96), so a decision made for a client
 * over plain IPv4 is not reused when it comes through the translator (red team, session 9).
 */
export function decisionContextAddress(ip: string): string | null {
  const address = readClientAddress(ip);
  if (!address) return null;
  if (address.family === 6) return formatIpv6(address.groups);
  return address.nat64 ? formatIpv6(address.nat64) : address.octets.join('.');
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
