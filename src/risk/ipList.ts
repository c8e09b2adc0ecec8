import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { canonicalClientAddress } from '../core/net/clientAddressKey';
import { ipRangeSet, MAPPED_END, MAPPED_START, parseIpRange, type IpRangeEntry, type IpRangeSet } from '../core/net/ipRangeSet';

/** A set of CIDR ranges (IPv4 and IPv6) to test addresses against: see core/net/ipRangeSet.ts. */
export type IpList = IpRangeSet;

/** Builds an IP list from CIDRs or single addresses; throws naming the first bad entry. */
export function ipListFrom(entries: readonly string[], label = 'IP list'): IpList {
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
    if (meant) throw new Error(`${label}: "${entry}" is an IPv4 address written as IPv6 with an IPv6 prefix, so it covers ${meant}; write the IPv4 range (a.b.c.d/n), or an IPv4-mapped range with a prefix of 96 or more`);
    ranges.push(range);
  }
  return ipRangeSet(ranges);
}

/**
 * What an entry covers when it is an IPv4 address in IPv6 clothing that does not mean what it
 * looks like (red team, session 8), or null: `::ffff:10.0.0.0/8` is the IPv6 /8 `::/8`, which
 * holds every IPv4-mapped address, so an admin's "10.0.0.0/8" would list every IPv4 client; and
 * `::10.0.0.1` (IPv4-compatible, which no socket reports) would list no client at all.
 */
function ipv4WrittenAsIpv6(address: string, range: IpRangeEntry): string | null {
  if (range.family !== 6) return null;
  const written = parseIpRange(address);
  if ('error' in written || written.family !== 6) return null;
  const inMapped = written.start >= MAPPED_START && written.start <= MAPPED_END;
  const prefix = 129 - (range.end - range.start + 1n).toString(2).length;
  if (inMapped && prefix < 96) return 'far more than that IPv4 range (every IPv4 client among them)';
  if (address.includes('.') && !inMapped) return 'no IPv4 client (IPv4-compatible addresses are not what sockets report)';
  return null;
}

/** Reads one CIDR or address per line (`#` comments allowed). */
export function ipListFromFile(path: string, label = path): IpList {
  return ipListFrom(readFileSync(path, 'utf8').split('\n'), label);
}

/**
 * The address geo and the cached risk decision use: `canonicalClientAddress` (`::ffff:1.2.3.4`,
 * how Node reports IPv4 on a dual-stack socket, is 1.2.3.4; a proxy-written port is dropped),
 * or the text as it came when it is no address (a lookup then finds nothing).
 */
export function normalizeIp(ip: string): string {
  return canonicalClientAddress(ip) ?? ip;
}
