export type CanonicalHost = { ok: true; hostname: string; port: number | null } | { ok: false; problem: string };

const NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
const PORT = /^[0-9]{1,5}$/;

/**
 * The canonical form of a `host[:port]` (an HTTP Host, X-Forwarded-Host or a rule's `host`):
 * lower case, one trailing dot dropped (`example.test.` is `example.test`), IPv4 and IPv6 in
 * WHATWG URL's form, the port as a number or `null` when none is named. Anything a proxy would
 * not send for a real request is a problem, never a guess: user info, percent-escapes, empty
 * labels, a list of hosts, an empty port, port 0 or above 65535, non-ASCII (browsers send
 * punycode).
 */
export function canonicalHost(authority: string): CanonicalHost {
  if (authority.length === 0) return { ok: false, problem: 'names no host' };
  if (authority.length > 300) return { ok: false, problem: 'is longer than a host name can be' };
  let name: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return { ok: false, problem: 'has an IPv6 address without its closing bracket' };
    name = authority.slice(0, close + 1);
    const rest = authority.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return { ok: false, problem: 'has text after the IPv6 address' };
    if (rest !== '') portText = rest.slice(1);
    if (!/^\[[0-9a-fA-F:.]+\]$/.test(name)) return { ok: false, problem: 'has a malformed IPv6 address' };
  } else {
    const parts = authority.split(':');
    if (parts.length > 2) return { ok: false, problem: 'has more than one port separator' };
    name = (parts[0] as string).toLowerCase();
    portText = parts[1];
    if (name.endsWith('.')) name = name.slice(0, -1);
    if (!NAME.test(name)) return { ok: false, problem: 'is not a host name (letters, digits, "-", "_" and non-empty dot-separated labels)' };
    if (name.length > 253 || name.split('.').some((label) => label.length > 63)) return { ok: false, problem: 'is longer than a host name can be' };
  }
  let port: number | null = null;
  if (portText !== undefined) {
    const value = Number(portText);
    if (!PORT.test(portText) || value < 1 || value > 65_535) return { ok: false, problem: 'has a port that is not a number from 1 to 65535' };
    port = value;
  }
  // WHATWG URL gives IPv4 (`0x7f.1` is 127.0.0.1), IPv6 and punycode labels their one spelling.
  let hostname: string;
  try {
    hostname = new URL(`http://${name}/`).hostname;
  } catch {
    return { ok: false, problem: 'is not a valid host' };
  }
  if (hostname === '') return { ok: false, problem: 'names no host' };
  return { ok: true, hostname, port };
}
