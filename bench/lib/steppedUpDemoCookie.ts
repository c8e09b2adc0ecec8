import { DEMO_ACCOUNT } from '../../src/demo/seedDemoAccounts';
import { jarClient } from './jarClient';
import { codeFor } from './outbox';

/** Signs the demo's `alice` in and steps her up by SMS; her cookie header. */
export async function steppedUpDemoCookie(base: string, outbox: string): Promise<string> {
  const c = jarClient(base, { csrf: true });
  await c.init();
  if ((await c.request('POST', '/auth/login', { username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password })).status !== 200) throw new Error('login failed');
  if ((await c.request('POST', '/auth/2fa/sms/send', {})).status !== 202) throw new Error('send failed');
  const { code } = codeFor(outbox, DEMO_ACCOUNT.phone);
  if ((await c.request('POST', '/auth/2fa/sms/verify', { code })).status !== 200) throw new Error('verify failed');
  return c.cookie();
}
