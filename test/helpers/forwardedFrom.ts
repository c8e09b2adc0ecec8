import type { TestApp } from './createTestApp';

/** The header a trusted proxy writes for a client at `ip` (the test app must trust the proxy). */
export const forwardedFrom = (ip: string) => ({ 'x-forwarded-for': ip });

/** A fresh session of the demo account, signed in from an unlisted address, asking for `/account` from `ip`. */
export async function guardedReadFrom(t: TestApp, ip: string) {
  const c = await t.client();
  await c.login().set(forwardedFrom('10.9.9.9')).expect(200);
  return c.get('/account').set(forwardedFrom(ip));
}
