import request from 'supertest';
import { upstreamSignInHost } from '../helpers/upstreamSignInHost';

/**
 * Red team: claims come from an upstream's token, whose shape the host does not always check
 * (some IdPs and SAML bridges send `amr` as one string). A malformed claim must count as "no
 * upstream MFA" (audited), never crash the login into a 500 after the password was recorded.
 */
const ISSUER = 'https://idp.example.com';

it.each([
  ['amr as a string', { amr: 'otp' }],
  ['amr as an object', { amr: { 0: 'otp', length: 1 } }],
])('%s: the sign-in succeeds as a password only', async (_name, extra) => {
  const host = upstreamSignInHost({ policy: { trustedIssuers: [{ issuer: ISSUER, amr: { otp: 'otp' } }] } });
  const agent = request.agent(host.app);
  const claims = { issuer: ISSUER, authTimeSeconds: Math.floor(host.clock.nowMs() / 1000), ...extra };
  await agent.post('/sso/u1').send({ claims }).expect(200);
  await agent.get('/account').expect(401);
  expect(host.audit.unsafeChain('u1').some((e) => e.type === 'upstream_mfa_ignored')).toBe(true);
});
