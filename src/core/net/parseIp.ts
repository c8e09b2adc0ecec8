/**
 * Address parsing shared by everything that decides on a client address (per-address budgets,
 * the IP lists), so that one spelling of an address is read the same way everywhere.
 */

/** The four octets of a dotted-decimal IPv4 address (no leading `+`, no hex, each 0..255), or null. */
export function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p))) return null;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/** Eight 16-bit groups, or null. A zone (`%eth0`) is dropped: it names a local interface. */
export function parseIpv6(input: string): number[] | null {
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

export type ClientAddress =
  /** `nat64`: the IPv6 address it arrived as, when a translator embedded it in 64:ff9b::/96. */
  | { family: 4; octets: number[]; nat64?: number[] }
  | { family: 6; groups: number[] };

/**
 * The one reading of a client address (`req.ip`) that every decision on it shares: the
 * per-address budgets (clientAddressKey), the risk IP lists (ipRangeSet) and geo.
 * - IPv4, and IPv4-mapped IPv6 in any spelling (`::ffff:192.0.2.7`, `::ffff:c000:207`, how a
 *   dual-stack socket reports IPv4), is IPv4.
 * - An address in NAT64's well-known prefix, 64:ff9b::/96 (RFC 6052), is the IPv4 client a
 *   translator embedded in it: an IPv6-only server behind SIIT or NAT64 sees every IPv4 client
 *   so, and read as IPv6 they would all share one /64 budget and be in no IPv4 list (red team,
 *   session 8). The IPv6 form is kept (`nat64`) for IPv6 list entries written in that prefix.
 *   Only a translator puts a source address there, as only a dual-stack socket reports mapped ones.
 * - A port some proxies write into X-Forwarded-For is dropped where it cannot be mistaken for
 *   part of the address: `192.0.2.7:51234` and `[2001:db8::1]:443` (a bare IPv6 address keeps
 *   all its groups). Read as unreadable, such clients would be in no list and share one budget.
 * - Other IPv6, bracketed or not, without its zone.
 * Null for anything else.
 */
// The two spellings nearly every request has (a plain IPv4 address, and one a dual-stack socket
// reports), read in one match: this runs several times per request.
const COMMON_IPV4 = /^(?:::ffff:)?([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$/i;

export function readClientAddress(ip: string): ClientAddress | null {
  const common = COMMON_IPV4.exec(ip);
  if (common) {
    const octets = [Number(common[1]), Number(common[2]), Number(common[3]), Number(common[4])];
    return octets.every((o) => o <= 255) ? { family: 4, octets } : null;
  }
  const v4 = parseIpv4(ip) ?? parseIpv4(withoutIpv4Port(ip));
  if (v4) return { family: 4, octets: v4 };
  const groups = parseIpv6(withoutBracketedPort(ip));
  if (!groups) return null;
  const [high, low] = [groups[6] as number, groups[7] as number];
  const octets = [high >> 8, high & 0xff, low >> 8, low & 0xff];
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return { family: 4, octets };
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) return { family: 4, octets, nat64: groups };
  return { family: 6, groups };
}

/** `192.0.2.7:51234` -> `192.0.2.7`; anything else unchanged. */
function withoutIpv4Port(ip: string): string {
  const colon = ip.indexOf(':');
  return colon > 0 && ip.indexOf(':', colon + 1) < 0 && /^[0-9]{1,5}$/.test(ip.slice(colon + 1)) ? ip.slice(0, colon) : ip;
}

/** `[2001:db8::1]:443` -> `[2001:db8::1]`; anything else unchanged. */
function withoutBracketedPort(ip: string): string {
  const close = ip.lastIndexOf(']:');
  return ip.startsWith('[') && close > 0 && /^[0-9]{1,5}$/.test(ip.slice(close + 2)) ? ip.slice(0, close + 1) : ip;
}
