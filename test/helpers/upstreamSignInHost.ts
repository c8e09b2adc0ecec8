import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { createStepGuard, type StepGuardOptions, type UpstreamClaims } from '../../src';
import { createMemoryStores } from '../../src/stores';
import type { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import { fakeClock } from './fakeClock';

/**
 * A host whose first factor is a sign-in at an upstream identity provider (as with
 * passport-openidconnect or SAML), mounted the documented way: `POST /sso/:userId` with the
 * claims the upstream's token would carry (`{ claims }`), or `claimsFor(userId, clock)` when none are posted.
 */
export function upstreamSignInHost(options: Partial<StepGuardOptions> = {}, claimsFor?: (userId: string, nowMs: number) => UpstreamClaims) {
  const clock = fakeClock();
  const stores = createMemoryStores();
  const guard = createStepGuard({ environment: 'test', clock, stores: { custom: stores }, ...options });
  const passport = new Passport();
  passport.serializeUser<string>((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser<string>((id, done) => done(null, { id }));
  const app = express();
  app.use(session({ secret: 'host-session-secret-0123456789-abcdef', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(guard.router());
  app.use(express.json());
  const claimsOf = (req: express.Request): UpstreamClaims | undefined => req.body?.claims ?? claimsFor?.(String(req.params.userId), clock.nowMs());
  app.post('/sso/:userId', (req, _res, next) => req.login({ id: String(req.params.userId) }, next), guard.firstFactor({ upstream: claimsOf }), (_req, res) => res.json({ ok: true }));
  app.get('/whoami', (req, res) => res.json(guard.sessionInfo(req)));
  app.get('/account', guard.requireStepUp('login'), (req, res) => res.json({ acr: req.stepguard?.acr, amr: req.stepguard?.amr }));
  app.post('/transfer', guard.requireStepUp('transfer', { bind: () => ({ amount: '10.00', payee: 'Bob' }) }), (_req, res) => res.json({ ok: true }));
  return { app, guard, clock, audit: stores.audit as MemoryAuditStore };
}
