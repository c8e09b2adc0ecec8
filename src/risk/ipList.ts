import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { canonicalClientAddress, decisionContextAddress } from '../core/net/clientAddressKey';
import { ipRangeSet, MAPPED_END, MAPPED_START, parseIpRange, type IpRangeEntry, type IpRangeSet } from '../core/net/ipRangeSet';

/** A set of CIDR ranges (IPv4 and IPv6) to test addresses against: see core/net/ipRangeSet.ts. */
export type IpList = IpRangeSet;

/**
 * Builds an IP list from CIDRs or single addresses; throws naming the first bad entry. An entry
 * with bits set below its prefix (`203.0.113.7/3`, most likely a typo for /32) is refused, as is
 * an IPv4 range in IPv6 clothing that covers something else than it looks like: what the list
 * holds is then always what its entries say. `allowHostBits` is for data files (geo CSVs) whose
 * rows may carry them.
 */
export function ipListFrom(entries: readonly string[], label = 'IP list', options: { allowHostBits?: boolean } = {}): IpList {
  const ranges: IpRangeEntry[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const address = entry.split('/')[0] ?? '';
    // Entries are configuration: only the canonical spellings Node accepts (no leading zeros).
    const range = isIP(address) === 0 ? { error: 'not_an_address' as const } : parseIpRange(entry);
    if ('error' in range) {
      throw new Error(range.error === 'bad_prefix' ? `${label}: "${entry}" has a bad prefix length` : `${label}: "${entry}" is not an IP address or CIDR range`);
    }
    const meant = ipv4WrittenAsIpv6(address, range);
    if (meant) throw new Error(`${label}: "${entry}" is an IPv4 address written as IPv6 ${meant}; write the IPv4 range (a.b.c.d/n), or its IPv4-mapped form with a prefix of 96 + n (::ffff:10.0.0.0/104 for 10.0.0.0/8)`);
    if (!options.allowHostBits && hasHostBits(address, range)) {
      throw new Error(`${label}: "${entry}" has address bits set below its prefix length (a typo?); write the network address of the range it should cover`);
    }
    ranges.push(range);
  }
  return ipRangeSet(ranges);
}

function hasHostBits(address: string, range: IpRangeEntry): boolean {
  const written = parseIpRange(address);
  return !('error' in written) && written.start !== range.start;
}

/**
 * Why an entry is an IPv4 address in IPv6 clothing that does not mean what it looks like (red
 * team, session 8), or null: `::ffff:10.0.0.0/8` is the IPv6 /8 `::/8`, not 10.0.0.0/8; and
 * `::10.0.0.1` (IPv4-compatible, which no socket reports) lists no client at all. Other IPv6
 * prefixes with an IPv4 tail (NAT64's `64:ff9b::198.51.100.0/120`) are ordinary IPv6 ranges.
 */
function ipv4WrittenAsIpv6(address: string, range: IpRangeEntry): string | null {
  if (range.family !== 6) return null;
  const written = parseIpRange(address);
  if ('error' in written || written.family !== 6) return null;
  const inMapped = written.start >= MAPPED_START && written.start <= MAPPED_END;
  const prefix = 129 - (range.end - range.start + 1n).toString(2).length;
  if (inMapped && prefix < 96) return 'with an IPv6 prefix, so it is a far wider IPv6 range and no IPv4 range';
  if (address.includes('.') && written.start <= 0xffffffffn) return 'in the IPv4-compatible form, which no socket reports, so it would list no client';
  return null;
}

/** Reads one CIDR or address per line (`#` comments allowed). */
export function ipListFromFile(path: string, label = path): IpList {
  return ipListFrom(readFileSync(path, 'utf8').split('\n'), label);
}

/**
 * The address geo uses: `canonicalClientAddress` (`::ffff:1.2.3.4`, how Node reports IPv4 on a
 * dual-stack socket, and `64:ff9b::1.2.3.4`, how an IPv6-only server behind a translator sees
 * it, are 1.2.3.4; a proxy-written port is dropped), or the text as it came when it is no
 * address (a lookup then finds nothing). The IP lists take `req.ip` as it is (they read it
 * themselves, and judge a translated client's IPv6 form too).
 */
export function normalizeIp(ip: string): string {
  return canonicalClientAddress(ip) ?? ip;
}

/** The address the cached risk decision is tied to (decisionContextAddress), or the text as it came. */
export function decisionContextIp(ip: string): string {
  return decisionContextAddress(ip) ?? ip;
}
