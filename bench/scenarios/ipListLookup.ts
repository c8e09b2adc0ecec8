/**
 * (g) The risk IP lists at production size: microseconds per lookup in a list of 20,000
 * data-centre ranges, stepguard's sorted ranges (src/core/net/ipRangeSet.ts) against Node's
 * BlockList, which stepguard used before and which tests its rules one by one. The policy asks
 * three lists per uncached decision and per send.
 */
import { BlockList } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ipListFrom } from '../../src/risk/ipList';

export function runIpListLookup(entries = 20_000): { entries: number; rangeSetUs: number; blockListUs: number; ratio: number } {
  const cidrs = Array.from({ length: entries }, (_, i) => `${(i >> 8) & 255}.${i & 255}.${i % 7}.0/24`);
  const set = ipListFrom(cidrs);
  const blockList = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/') as [string, string];
    blockList.addSubnet(address, Number(prefix), 'ipv4');
  }
  // Addresses outside every range: the case every ordinary client is, and BlockList's slowest.
  const probes = Array.from({ length: 64 }, (_, i) => `203.0.${i}.${(i * 37) % 256}`);
  const time = (n: number, lookup: (ip: string) => boolean) => {
    let hits = 0;
    const t = performance.now();
    for (let i = 0; i < n; i += 1) if (lookup(probes[i % probes.length] as string)) hits += 1;
    if (hits !== 0) throw new Error('a probe outside every range was found in the list');
    return ((performance.now() - t) * 1000) / n;
  };
  time(2000, (ip) => set.has(ip));
  const rangeSetUs = time(200_000, (ip) => set.has(ip));
  const blockListUs = time(2000, (ip) => blockList.check(ip, 'ipv4'));
  return { entries, rangeSetUs, blockListUs, ratio: blockListUs / rangeSetUs };
}
