import { createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of two signatures in the same text encoding. */
export function signaturesMatch(expected: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The generic provider's scheme: `X-Signature: hex(HMAC-SHA256(secret, raw body))`. */
export function hmacSha256Hex(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

/**
 * Twilio's `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, the full URL followed by every
 * POST parameter name and value, sorted by name)).
 */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  const names = [...new Set(params.keys())].sort();
  let data = url;
  for (const name of names) for (const value of params.getAll(name)) data += name + value;
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Vonage's signed-webhook scheme (SHA-256 HMAC variant): every parameter but `sig`, sorted by
 * name, as `&name=value` with `&` and `=` in values replaced by `_`, HMAC'd with the signature
 * secret; hex, compared case-insensitively.
 */
export function vonageSignature(signatureSecret: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${String(params[name]).replace(/[&=]/g, '_')}`)
    .join('');
  return createHmac('sha256', signatureSecret).update(data, 'utf8').digest('hex').toUpperCase();
}

export function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  // A repeated signature header is ambiguous: refuse rather than pick one.
  return typeof value === 'string' ? value : undefined;
}
