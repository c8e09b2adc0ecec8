import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import request from 'supertest';
import { createStepGuard, type UpstreamClaims } from '../../src';
import { createMemoryStores } from '../../src/stores';
import type { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import { fakeClock } from '../helpers/fakeClock';

const ISSUER = 'https://idp.example.com';

/**
 * A host whose first factor is a sign-in at an upstream identity provider (as with
 * passport-openidconnect or SAML): the test posts the claims the upstream's token would carry.
 */
function upstreamHost() {
  const clock = fakeClock();
  const stores = createMemoryStores();
  const guard = createStepGuard({
    environment: 'test',
    clock,
    stores: { custom: stores },
    policy: { trustedIssuers: [{ issuer: ISSUER, amr: { otp: 'otp', hwk: 'hwk' } }] },
  });
  const passport = new Passport();
  passport.serializeUser<string>((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser<string>((id, done) => done(null, { id }));
  const app = express();
  app.use(session({ secret: 'host-session-secret-0123456789-abcdef', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(guard.router());
  app.use(express.json());
  app.post(
    '/sso/callback',
    (req, _res, next) => {
      (req as unknown as { claims: UpstreamClaims }).claims = req.body.claims;
      req.login({ id: 'u1' }, next);
    },
    guard.firstFactor({ upstream: (req) => (req as unknown as { claims: UpstreamClaims }).claims }),
    (_req, res) => res.json({ ok: true }),
  );
  app.get('/account', guard.requireStepUp('login'), (req, res) => res.json({ acr: req.stepguard?.acr, amr: req.stepguard?.amr }));
  app.post('/transfer', guard.requireStepUp('transfer', { bind: () => ({ amount: '10.00', payee: 'Bob' }) }), (_req, res) => res.json({ ok: true }));
  return { app, clock, audit: stores.audit as MemoryAuditStore };
}

async function signIn(claims: Partial<UpstreamClaims>, host = upstreamHost()) {
  const agent = request.agent(host.app);
  await agent.post('/sso/callback').send({ claims: { issuer: ISSUER, ...claims } }).expect(200);
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
});
