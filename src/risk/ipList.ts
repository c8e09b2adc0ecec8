import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ipRangeSet, parseIpRange, type IpRangeEntry, type IpRangeSet } from '../core/net/ipRangeSet';

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
    ranges.push(range);
  }
  return ipRangeSet(ranges);
}

/** Reads one CIDR or address per line (`#` comments allowed). */
export function ipListFromFile(path: string, label = path): IpList {
  return ipListFrom(readFileSync(path, 'utf8').split('\n'), label);
}

/** `::ffff:1.2.3.4` (how Node reports IPv4 on a dual-stack socket) is checked as 1.2.3.4. */
export function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped?.[1] ?? ip;
}
