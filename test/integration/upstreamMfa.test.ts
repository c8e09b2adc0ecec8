import request from 'supertest';
import type { UpstreamClaims } from '../../src';
import { upstreamSignInHost } from '../helpers/upstreamSignInHost';

const ISSUER = 'https://idp.example.com';

const upstreamHost = () => upstreamSignInHost({ policy: { trustedIssuers: [{ issuer: ISSUER, amr: { otp: 'otp', hwk: 'hwk' } }] } });

async function signIn(claims: Partial<UpstreamClaims>, host = upstreamHost()) {
  const agent = request.agent(host.app);
  await agent.post('/sso/u1').send({ claims: { issuer: ISSUER, ...claims } }).expect(200);
  return { agent, host };
}

const secondsAgo = (clock: { nowMs(): number }, seconds: number) => Math.floor(clock.nowMs() / 1000) - seconds;

describe('MFA done at an upstream identity provider', () => {
  it('from a trusted issuer, a mapped amr satisfies login, dated at auth_time and audited with the issuer', async () => {
    const host = upstreamHost();
    const { agent } = await signIn({ amr: ['pwd', 'otp'], authTimeSeconds: secondsAgo(host.clock, 60) }, host);
    expect((await agent.get('/account').expect(200)).body).toEqual({ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    const event = host.audit.unsafeChain('u1').find((e) => e.type === 'upstream_mfa_accepted');
    expect(event).toMatchObject({ factor: 'otp', reasons: [`issuer:${ISSUER}`, 'amr:pwd,otp'] });
  });

  it('from an untrusted or look-alike issuer it counts as a password only', async () => {
    for (const issuer of ['https://evil.example.com', `${ISSUER}/`, 'https://idp.example.com.evil.net']) {
      const host = upstreamHost();
      const { agent } = await signIn({ issuer, amr: ['otp', 'hwk'], authTimeSeconds: secondsAgo(host.clock, 5) }, host);
      expect((await agent.get('/account').expect(401)).body.error.code).toBe('insufficient_user_authentication');
      expect(host.audit.unsafeChain('u1').find((e) => e.type === 'upstream_mfa_ignored')?.reasons).toContain('untrusted_issuer');
    }
  });

  it('older than the action\'s max age, it no longer satisfies it', async () => {
    const host = upstreamHost();
    const { agent } = await signIn({ amr: ['hwk'], authTimeSeconds: secondsAgo(host.clock, 13 * 3600) }, host);
    await agent.get('/account').expect(401);
  });

  it('without auth_time, or with amr values the issuer map does not name, it proves nothing', async () => {
    const host = upstreamHost();
    const { agent } = await signIn({ amr: ['otp'] }, host);
    await agent.get('/account').expect(401);
    const other = await signIn({ amr: ['sms', 'mfa'], authTimeSeconds: secondsAgo(host.clock, 5) });
    await other.agent.get('/account').expect(401);
  });

  it('never satisfies a high-risk action: that needs a factor enrolled here', async () => {
    const host = upstreamHost();
    const { agent } = await signIn({ amr: ['hwk'], authTimeSeconds: secondsAgo(host.clock, 5) }, host);
    await agent.get('/account').expect(200);
    expect((await agent.post('/transfer').send({}).expect(401)).body.error.code).toBe('insufficient_user_authentication');
  });

  it('the sign-in itself is dated at the upstream auth_time when earlier, trusted issuer or not', async () => {
    for (const issuer of [ISSUER, 'https://untrusted.example.com']) {
      const host = upstreamHost();
      const twoHoursAgo = secondsAgo(host.clock, 7200);
      const { agent } = await signIn({ issuer, amr: ['pwd'], authTimeSeconds: twoHoursAgo }, host);
      await agent.get('/account').expect(401);
      const session = await agent.get('/whoami').expect(200);
      expect(session.body.factors.pwd).toBe(twoHoursAgo * 1000);
      expect(session.body.authTimeMs).toBe(twoHoursAgo * 1000);
    }
  });
});

