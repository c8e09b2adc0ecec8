import { BlockList } from 'node:net';
import fc from 'fast-check';
import { canonicalClientAddress, clientAddressKey, decisionContextAddress } from '../../src/core/net/clientAddressKey';
import { ipRangeSet, parseIpRange, type IpRangeEntry } from '../../src/core/net/ipRangeSet';
import { parseIpv4, parseIpv6, readClientAddress } from '../../src/core/net/parseIp';
import { ipListFrom, normalizeIp } from '../../src/risk/ipList';

/**
 * The IP lists (deny list, Tor exits, data centres) decide on every uncached risk decision and
 * every send. The sorted-range set must answer exactly as Node's BlockList (the oracle, which
 * tests rule by rule) for every address and list, and must read every spelling of one client
 * the same way, as the per-address budgets do.
 */

const octet = fc.integer({ min: 0, max: 255 });
const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
/** An entry as a list takes it: the network address of the range (host bits below the prefix are refused). */
function networkEntry(entry: string): string {
  const [, prefix] = entry.split('/');
  if (prefix === undefined) return entry;
  const range = parseIpRange(entry) as IpRangeEntry;
  if (range.family === 4) {
    const n = range.start;
    return `${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')}/${prefix}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((range.start >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return `${groups.join(':')}/${prefix}`;
}

const v4Entry = fc.tuple(v4, fc.option(fc.integer({ min: 0, max: 32 }), { nil: undefined })).map(([a, p]) => networkEntry(p === undefined ? a : `${a}/${p}`));

const group = fc.integer({ min: 0, max: 0xffff });
// Outside ::ffff:0:0/96 (the mapped block, whose semantics are tested on their own below).
const v6Groups = fc.array(group, { minLength: 8, maxLength: 8 }).filter((g) => !(g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff));
const v6 = v6Groups.map((g) => g.map((x) => x.toString(16)).join(':'));
const v6Entry = fc.tuple(v6, fc.option(fc.integer({ min: 1, max: 128 }), { nil: undefined })).map(([a, p]) => networkEntry(p === undefined ? a : `${a}/${p}`));

function oracle(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const type = address.includes(':') ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** Addresses near the entries too (their first and last addresses and neighbours), so that hits and edges are tried, not just misses. */
function probesNear4(entries: string[], extra: string[]): string[] {
  const out = [...extra];
  for (const entry of entries) {
    const range = parseIpRange(entry) as Extract<IpRangeEntry, { family: 4 }>;
    for (const n of [range.start - 1, range.start, range.end, range.end + 1]) {
      if (n >= 0 && n <= 0xffffffff) out.push([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
    }
  }
  return out;
}

function probesNear6(entries: string[], extra: string[]): string[] {
  const out = [...extra];
  const max = (1n << 128n) - 1n;
  for (const entry of entries) {
    const range = parseIpRange(entry) as Extract<IpRangeEntry, { family: 6 }>;
    for (const n of [range.start - 1n, range.start, range.end, range.end + 1n]) {
      if (n < 0n || n > max) continue;
      const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
      const text = groups.join(':');
      // The mapped block is looked up as IPv4, which the IPv6 oracle does not do.
      if (!text.startsWith('0:0:0:0:0:ffff:')) out.push(text);
    }
  }
  return out;
}

describe('ipRangeSet (the risk IP lists)', () => {
  it.each([
    { family: 'IPv4', entries: fc.array(v4Entry, { maxLength: 12 }), addresses: fc.array(v4, { maxLength: 6 }), probesNear: probesNear4, type: 'ipv4' as const },
    { family: 'IPv6', entries: fc.array(v6Entry, { maxLength: 10 }), addresses: fc.array(v6, { maxLength: 6 }), probesNear: probesNear6, type: 'ipv6' as const },
  ])('answers as BlockList for $family lists and addresses, edges included', ({ entries: entryLists, addresses: addressLists, probesNear, type }) => {
    fc.assert(
      fc.property(entryLists, addressLists, (entries, addresses) => {
        const set = ipListFrom(entries);
        const expected = oracle(entries);
        for (const address of probesNear(entries, addresses)) expect([address, set.has(address)]).toEqual([address, expected.check(address, type)]);
      }),
      { numRuns: 300 },
    );
  });

  it('reads every spelling of one IPv4 client alike: dotted, IPv4-mapped (dotted or hex, any case, bracketed)', () => {
    fc.assert(
      fc.property(fc.array(v4Entry, { maxLength: 8 }), v4, (entries, address) => {
        const set = ipListFrom(entries);
        const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
        const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        const spellings = [`::ffff:${address}`, `::FFFF:${address}`, `::ffff:${hex}`, `0:0:0:0:0:ffff:${hex.toUpperCase()}`, `[::ffff:${address}]`];
        for (const spelling of spellings) expect([spelling, set.has(spelling)]).toEqual([spelling, set.has(address)]);
        // The per-address budgets name the same client for each spelling.
        for (const spelling of spellings) expect(clientAddressKey(spelling)).toBe(address);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a port a proxy wrote (a.b.c.d:port, [v6]:port) as the address, for the lists, the budgets and geo', () => {
    const port = fc.integer({ min: 0, max: 65535 });
    fc.assert(
      fc.property(fc.array(fc.oneof(v4Entry, v6Entry), { maxLength: 8 }), fc.oneof(v4, v6), port, (entries, address, p) => {
        const set = ipListFrom(entries);
        const spelled = address.includes(':') ? `[${address}]:${p}` : `${address}:${p}`;
        expect([spelled, set.has(spelled)]).toEqual([spelled, set.has(address)]);
        expect(clientAddressKey(spelled)).toBe(clientAddressKey(address));
        expect(normalizeIp(spelled)).toBe(canonicalClientAddress(address));
      }),
      { numRuns: 300 },
    );
    // A bare IPv6 address keeps its last group: it is never read as a port.
    expect(canonicalClientAddress('2001:db8::1:443')).toBe('2001:db8::1:443');
  });

  it('reads the common spellings (a.b.c.d, ::ffff:a.b.c.d) exactly as the general parsers do, out-of-range octets included', () => {
    const loose = fc.integer({ min: 0, max: 999 });
    fc.assert(
      fc.property(fc.tuple(loose, loose, loose, loose), fc.constantFrom('', '::ffff:', '::FFFF:', '::fFfF:'), (octets, prefix) => {
        const text = `${prefix}${octets.join('.')}`;
        const v4 = prefix ? null : parseIpv4(text);
        const v6 = v4 ? null : parseIpv6(text);
        const expected = v4 ? { family: 4, octets: v4 } : v6 ? { family: 4, octets: [(v6[6] as number) >> 8, (v6[6] as number) & 255, (v6[7] as number) >> 8, (v6[7] as number) & 255] } : null;
        expect(readClientAddress(text)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads a NAT64 client (64:ff9b::a.b.c.d in any spelling) as its IPv4 address for the lists, the budgets and geo', () => {
    const port = fc.integer({ min: 0, max: 65535 });
    fc.assert(
      fc.property(fc.array(v4Entry, { maxLength: 8 }), v4, port, (entries, address, p) => {
        const set = ipListFrom(entries);
        const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
        const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        const spellings = [`64:ff9b::${address}`, `64:FF9B::${hex}`, `0064:ff9b:0:0:0:0:${hex}`, `[64:ff9b::${address}]`, `[64:ff9b::${hex}]:${p}`];
        for (const spelling of spellings) {
          expect([spelling, set.has(spelling), clientAddressKey(spelling), normalizeIp(spelling)]).toEqual([spelling, set.has(address), address, address]);
        }
        expect(readClientAddress(`64:ff9b::${address}`)).toEqual({ family: 4, octets: [a, b, c, d], nat64: [0x64, 0xff9b, 0, 0, 0, 0, (a << 8) | b, (c << 8) | d] });
      }),
      { numRuns: 300 },
    );
    // Only the well-known prefix itself: its neighbours and the local-use prefix are IPv6 clients.
    for (const ip of ['64:ff9b:0:0:0:1:c000:207', '64:ff9b:1::c000:207', '64:ff9a::c000:207', '65:ff9b::c000:207']) expect([ip, readClientAddress(ip)?.family]).toEqual([ip, 6]);
  });

  it('the cached risk decision tells a translated client from the same address over plain IPv4, and no spelling from another', () => {
    fc.assert(
      fc.property(v4, (address) => {
        const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
        const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        const native = [address, `::ffff:${address}`, `::FFFF:${hex}`, `${address}:8080`].map(decisionContextAddress);
        const translated = [`64:ff9b::${address}`, `64:FF9B::${hex}`, `[64:ff9b::${address}]:443`].map(decisionContextAddress);
        expect(new Set(native)).toEqual(new Set([address]));
        expect(new Set(translated).size).toBe(1);
        expect(translated[0]).not.toBe(address);
      }),
      { numRuns: 300 },
    );
  });

  it('an IPv6 entry in 64:ff9b::/96 covers clients arriving through the translator only; IPv4 entries cover both', () => {
    fc.assert(
      fc.property(v4, fc.integer({ min: 96, max: 128 }), v4, (address, prefix, probe) => {
        const base = (networkEntry(`${address}/${prefix - 96}`).split('/')[0]) as string;
        const nat64 = ipListFrom([`64:ff9b::${base}/${prefix}`]);
        const v4only = ipListFrom([`${base}/${prefix - 96}`]);
        expect([nat64.has(`64:ff9b::${probe}`), nat64.has(probe), v4only.has(`64:ff9b::${probe}`)]).toEqual([v4only.has(probe), false, v4only.has(probe)]);
      }),
      { numRuns: 300 },
    );
  });

  it('an IPv6 entry inside the IPv4-mapped block covers those IPv4 addresses; a wider one (::/8, ::/0) none', () => {
    fc.assert(
      fc.property(v4, fc.integer({ min: 96, max: 128 }), v4, (address, prefix, probe) => {
        const base = (networkEntry(`${address}/${prefix - 96}`).split('/')[0]) as string;
        const set = ipListFrom([`::ffff:${base}/${prefix}`]);
        const same = ipListFrom([`${base}/${prefix - 96}`]);
        expect(set.has(probe)).toBe(same.has(probe));
        expect(set.has(`::ffff:${probe}`)).toBe(same.has(probe));
      }),
      { numRuns: 300 },
    );
    // A bogon list's `::/8` means IPv6 addresses, not every IPv4 client (red team, session 8).
    for (const entry of ['::/0', '::/8', '::/16', '0::/64', '::/80', '2001:db8::/32']) expect([entry, ipListFrom([entry]).has('203.0.113.9')]).toEqual([entry, false]);
    expect(ipListFrom(['::/8']).has('::1')).toBe(true);
  });

  it('holds nothing that is not an address: empty lists, unreadable and empty addresses', () => {
    const list = ipListFrom(['0.0.0.0/0', '::/0']);
    for (const junk of ['', 'unknown', '1.2.3', '1.2.3.4.5', '256.1.1.1', '::g', '1::2::3', ' 1.2.3.4', '1.2.3.4/8']) expect([junk, list.has(junk)]).toEqual([junk, false]);
    expect(ipListFrom([]).has('1.2.3.4')).toBe(false);
    expect(ipListFrom(['# only a comment', '']).size).toBe(0);
  });

  it('finds an address among 20,000 ranges exactly where a linear scan does', () => {
    const entries = Array.from({ length: 20_000 }, (_, i) => `${(i >> 8) & 255}.${i & 255}.${i % 7}.0/24`);
    const set = ipListFrom(entries);
    const expected = oracle(entries);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 19_999 }), octet, octet, (i, third, fourth) => {
        const address = `${(i >> 8) & 255}.${i & 255}.${third % 8}.${fourth}`;
        expect(set.has(address)).toBe(expected.check(address, 'ipv4'));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a bad entry by name: bad prefixes, host bits below the prefix, IPv4 in misleading IPv6 clothing', () => {
    expect(() => ipListFrom(['10.0.0.0/8', 'not-an-ip'], 'risk.datacenterList')).toThrow('risk.datacenterList: "not-an-ip" is not an IP address or CIDR range');
    expect(() => ipListFrom(['010.0.0.0/8'])).toThrow('is not an IP address');
    expect(() => ipListFrom(['10.0.0.0/33'])).toThrow('bad prefix length');
    expect(() => ipListFrom(['10.0.0.0/-1'])).toThrow('bad prefix length');
    expect(() => ipListFrom(['10.0.0.0/8x'])).toThrow('bad prefix length');
    expect(() => ipListFrom(['2001:db8::/129'])).toThrow('bad prefix length');
    // An IPv4 range in IPv6 clothing that would cover something else (red team, session 8).
    expect(() => ipListFrom(['::ffff:10.0.0.0/8'], 'risk.datacenterList')).toThrow('risk.datacenterList: "::ffff:10.0.0.0/8" is an IPv4 address written as IPv6');
    expect(() => ipListFrom(['::ffff:a00:0/95'])).toThrow('far wider IPv6 range');
    expect(() => ipListFrom(['::10.0.0.1'])).toThrow('would list no client');
    expect(ipListFrom(['::ffff:10.0.0.0/104']).has('10.1.2.3')).toBe(true);
    // NAT64 prefixes with an IPv4 tail are ordinary IPv6 ranges.
    expect(ipListFrom(['64:ff9b::198.51.100.0/120']).has('64:ff9b::c633:6407')).toBe(true);
    for (const entry of ['10.1.2.3/8', '203.0.113.7/3', '::ffff:10.0.0.0/96', '2001:db8::1/1']) expect(() => ipListFrom([entry], 'risk.ipDenyList')).toThrow(`risk.ipDenyList: "${entry}" has address bits set below its prefix`);
    // Data files (geo CSVs) may carry them: read as their network.
    const list = ipListFrom(['10.1.2.3/8'], 'geo.csv:1', { allowHostBits: true });
    expect([list.has('10.255.0.1'), list.has('11.0.0.0'), list.has('9.255.255.255')]).toEqual([true, false, false]);
  });

  it('builds from parsed ranges directly (the pure core)', () => {
    const parsed = ['192.0.2.0/24', '2001:db8::/48'].map(parseIpRange) as IpRangeEntry[];
    const set = ipRangeSet(parsed);
    expect([set.has('192.0.2.255'), set.has('192.0.3.0'), set.has('2001:db8:0:ffff::1'), set.has('2001:db8:1::')]).toEqual([true, false, true, false]);
  });
});
