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

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p))) return null;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/** Eight 16-bit groups, or null. A zone (`%eth0`) is dropped: it names a local interface. */
function parseIpv6(input: string): number[] | null {
  let text = input.toLowerCase();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (!/^[0-9a-f:.]+$/.test(text)) return null;
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return null;
  let tailV4: number[] = [];
  if (text.includes('.')) {
    // An embedded IPv4 address fills the last two groups (`::ffff:192.0.2.7`).
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return null;
    tailV4 = [((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number)];
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const group = (g: string) => (/^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : NaN);
  const head = halves[0] ? halves[0].split(':').map(group) : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':').map(group) : [];
  const all = [...head, ...tail];
  if (all.some(Number.isNaN)) return null;
  const total = all.length + tailV4.length;
  if (halves.length === 1) return total === 8 ? [...head, ...tailV4] : null;
  if (total > 7) return null;
  return [...head, ...new Array<number>(8 - total).fill(0), ...tail, ...tailV4];
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
