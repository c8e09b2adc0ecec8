import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';

/** A set of CIDR ranges (IPv4 and IPv6) to test addresses against. */
export type IpList = { has(ip: string): boolean; size: number };

/** Builds an IP list from CIDRs or single addresses; throws naming the first bad entry. */
export function ipListFrom(entries: readonly string[], label = 'IP list'): IpList {
  const list = new BlockList();
  let size = 0;
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const [address, prefixText] = entry.split('/');
    const family = isIP(address ?? '');
    if (!address || family === 0) throw new Error(`${label}: "${entry}" is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefixText === undefined) list.addAddress(address, type);
    else {
      const prefix = Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`${label}: "${entry}" has a bad prefix length`);
      list.addSubnet(address, prefix, type);
    }
    size += 1;
  }
  return { has: (ip) => check(list, ip), size };
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

function check(list: BlockList, ip: string): boolean {
  const address = normalizeIp(ip);
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
