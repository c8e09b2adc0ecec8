export type CanonicalPath = { ok: true; path: string } | { ok: false; problem: string };

const HEX = /^[0-9a-fA-F]{2}$/;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** RFC 3986 `pchar` without `%`: these stay as they are, every other byte is percent-encoded. */
const PCHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;

/**
 * The one spelling of a request path, as an upstream would resolve it. The raw path (a header
 * value as Node hands it over: one character per byte) is percent-decoded exactly once and read
 * as UTF-8; backslashes count as slashes (as IIS and some frameworks treat them); repeated slashes
 * collapse; `.` and `..` segments resolve (`..` stops at the root); then the result is encoded
 * again (upper-case `%XX` for every byte outside `pchar`). A trailing slash is kept.
 *
 * Refused, because upstreams disagree about them and a guess could select a weaker rule: an
 * encoded slash or backslash (`%2F`, `%5C`), a malformed escape, bytes that are not UTF-8
 * (overlong `%C0%AF` included), control characters (C0, DEL, C1), NUL.
 */
export function canonicalPath(raw: string): CanonicalPath {
  if (!raw.startsWith('/') && !raw.startsWith('\\')) return { ok: false, problem: 'does not start with "/"' };
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i += 1) {
    const code = raw.charCodeAt(i);
    if (code > 0xff) return { ok: false, problem: 'has a character that cannot come from an HTTP header' };
    if (code === 0x25) {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return { ok: false, problem: 'has a "%" that is not followed by two hex digits' };
      const byte = Number.parseInt(hex, 16);
      if (byte === SLASH || byte === BACKSLASH) return { ok: false, problem: 'has an encoded slash or backslash (%2F, %5C)' };
      bytes.push(byte);
      i += 2;
    } else {
      bytes.push(code === BACKSLASH ? SLASH : code);
    }
  }
  let decoded: string;
  try {
    decoded = utf8.decode(Uint8Array.from(bytes));
  } catch {
    return { ok: false, problem: 'is not UTF-8 once decoded' };
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(decoded)) return { ok: false, problem: 'has a control character (NUL, CR, LF, ...)' };

  const segments: string[] = [];
  const parts = decoded.split('/');
  let trailingSlash = false;
  for (let i = 1; i < parts.length; i += 1) {
    const part = parts[i] as string;
    const last = i === parts.length - 1;
    if (part === '' || part === '.') {
      if (last) trailingSlash = true;
    } else if (part === '..') {
      segments.pop();
      if (last) trailingSlash = true;
    } else {
      segments.push(part);
      if (last) trailingSlash = false;
    }
  }
  if (segments.length === 0) return { ok: true, path: '/' };
  return { ok: true, path: `/${segments.map(encodeSegment).join('/')}${trailingSlash ? '/' : ''}` };
}

function encodeSegment(segment: string): string {
  let out = '';
  for (const char of segment) {
    if (PCHAR.test(char)) out += char;
    else for (const byte of utf8Encoder.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
