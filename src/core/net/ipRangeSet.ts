import { parseIpv4, parseIpv6, readClientAddress } from './parseIp';

/**
 * A set of IPv4 and IPv6 ranges that answers "is this address in it?" in O(log n): the ranges
 * are merged and sorted once, and a lookup is a binary search. Node's `BlockList` tests its
 * rules one by one (150-190 µs per lookup among 20,000 data-centre ranges here, and the risk policy
 * asks three lists on every uncached decision and every send); this costs the same for 20 or
 * 200,000 entries.
 *
 * One client, one spelling: an IPv4-mapped IPv6 address (`::ffff:192.0.2.7`, `::ffff:c000:207`,
 * how a dual-stack socket reports IPv4) is looked up as its IPv4 address, as is a NAT64 one
 * (`64:ff9b::192.0.2.7`, which IPv6 entries in 64:ff9b::/96 also cover), and an IPv6 entry
 * inside the mapped block (`::ffff:192.0.2.0/120`) is those IPv4 addresses; a wider IPv6 entry
 * that merely contains the block (`::/8`, `::/0`) covers IPv6 addresses only. Addresses are read as
 * clientAddressKey reads them (readClientAddress: a proxy-written port dropped too), so a list
 * and a per-address budget never disagree about who a client is. An unreadable address is in
 * no range.
 */
export type IpRangeSet = { has(ip: string): boolean; readonly size: number };

export type IpRangeEntry = { family: 4; start: number; end: number } | { family: 6; start: bigint; end: bigint };

const V6_MAX = (1n << 128n) - 1n;
/** The IPv4-mapped block, ::ffff:0.0.0.0 to ::ffff:255.255.255.255. */
export const MAPPED_START = 0xffffn << 32n;
export const MAPPED_END = MAPPED_START + 0xffffffffn;

/** `address` or `address/prefix` as a range, or a reason it is not one. Host bits below the prefix are ignored. */
export function parseIpRange(entry: string): IpRangeEntry | { error: 'not_an_address' | 'bad_prefix' } {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const prefixText = slash < 0 ? undefined : entry.slice(slash + 1);
  const v4 = parseIpv4(address);
  const v6 = v4 ? null : parseIpv6(address);
  if (!v4 && !v6) return { error: 'not_an_address' };
  const bits = v4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^[0-9]{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix > bits) return { error: 'bad_prefix' };
  if (v4) {
    const value = v4ToNumber(v4);
    const size = 2 ** (32 - prefix);
    const start = Math.floor(value / size) * size;
    return { family: 4, start, end: start + size - 1 };
  }
  const value = v6ToBigInt(v6 as number[]);
  const hostMask = (1n << BigInt(128 - prefix)) - 1n;
  const start = value & (V6_MAX ^ hostMask);
  return { family: 6, start, end: start | hostMask };
}

/** Builds the set from parsed ranges (see parseIpRange). */
export function ipRangeSet(entries: readonly IpRangeEntry[]): IpRangeSet {
  const v4: [number, number][] = [];
  const v6: [bigint, bigint][] = [];
  for (const entry of entries) {
    if (entry.family === 4) {
      v4.push([entry.start, entry.end]);
      continue;
    }
    // A range inside the IPv4-mapped block is those IPv4 addresses. A wider IPv6 range that
    // merely contains the block (`::/8` from a bogon list, `::/0`) means IPv6 addresses, not
    // every IPv4 client (red team, session 8).
    if (entry.start >= MAPPED_START && entry.end <= MAPPED_END) v4.push([Number(entry.start - MAPPED_START), Number(entry.end - MAPPED_START)]);
    else v6.push([entry.start, entry.end]);
  }
  const ranges4 = merge(v4, (start, previousEnd) => start <= previousEnd + 1);
  const ranges6 = merge(v6, (start, previousEnd) => start <= previousEnd + 1n);
  const size = entries.length;
  if (size === 0) return { has: () => false, size };
  return {
    size,
    has(ip) {
      const address = readClientAddress(ip);
      if (!address) return false;
      if (address.family === 6) return contains(ranges6, v6ToBigInt(address.groups));
      // A client a NAT64 translator embedded (64:ff9b::/96) is held to the IPv4 ranges, and to
      // IPv6 entries written in that prefix as before. Those entries stay IPv6: a bogon list's
      // `64:ff9b::/96` must not become 0.0.0.0/0 for clients that arrive over IPv4.
      return contains(ranges4, v4ToNumber(address.octets)) || (address.nat64 !== undefined && contains(ranges6, v6ToBigInt(address.nat64)));
    },
  };
}

function v4ToNumber(octets: number[]): number {
  return (((octets[0] as number) * 256 + (octets[1] as number)) * 256 + (octets[2] as number)) * 256 + (octets[3] as number);
}

function v6ToBigInt(groups: number[]): bigint {
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}

/** Sorted, overlapping and touching ranges joined: starts strictly increase, so a binary search finds the one candidate. */
function merge<T extends number | bigint>(ranges: [T, T][], joins: (start: T, previousEnd: T) => boolean): { starts: T[]; ends: T[] } {
  ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const starts: T[] = [];
  const ends: T[] = [];
  for (const [start, end] of ranges) {
    const last = ends.length - 1;
    if (last >= 0 && joins(start, ends[last] as T)) {
      if (end > (ends[last] as T)) ends[last] = end;
    } else {
      starts.push(start);
      ends.push(end);
    }
  }
  return { starts, ends };
}

function contains<T extends number | bigint>(ranges: { starts: T[]; ends: T[] }, key: T): boolean {
  const { starts, ends } = ranges;
  let lo = 0;
  let hi = starts.length - 1;
  // The last range starting at or before `key` is the only one that can hold it.
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] as T) <= key) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && key <= (ends[hi] as T);
}
