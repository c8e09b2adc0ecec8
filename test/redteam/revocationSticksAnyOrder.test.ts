import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import request from 'supertest';
import { createStepGuard } from '../../src';
import { createMemoryStores } from '../../src/stores';

/**
 * Red team: "revocation sticks" (DESIGN §5) must not depend on which route a revoked cookie
 * reaches first. Today a dead session's stepguard state is deleted by sessionLive() while
 * passport's user stays in the session; from then on the app-wide check sees "no stepguard
 * state = nothing to lose" and lets the host's req.user through for good.
 */
const USER = { id: 'u1', username: 'alice' };
const PASSWORD = 'alice-password-123';

function hostApp(order: 'guarded-route-before-router' | 'router-before-passport') {
  const guard = createStepGuard({ environment: 'test', stores: { custom: createMemoryStores() } });
  const passport = new Passport();
  passport.use(new LocalStrategy((u, p, done) => done(null, u === USER.username && p === PASSWORD ? USER : false)));
  passport.serializeUser<string>((user, done) => done(null, (user as typeof USER).id));
  passport.deserializeUser<string>((id, done) => done(null, id === USER.id ? USER : false));
  const app = express();
  app.use(session({ secret: 'host-session-secret-0123456789-abcdef', resave: false, saveUninitialized: false }));
  if (order === 'router-before-passport') app.use(guard.router());
  app.use(passport.initialize());
  app.use(passport.session());
  // A guarded route the host registered before guard.router() (or a forward-auth endpoint of its own).
  if (order === 'guarded-route-before-router') app.get('/early', guard.requireStepUp('login'), (_req, res) => res.json({ ok: true }));
  if (order === 'guarded-route-before-router') app.use(guard.router());
  app.use(express.json());
  app.post('/login', passport.authenticate('local'), guard.firstFactor(), (_req, res) => res.json({ ok: true }));
  app.get('/early', guard.requireStepUp('login'), (_req, res) => res.json({ ok: true }));
  app.get('/me', (req, res) => res.json({ user: req.user ?? null }));
  app.post('/sign-out-everywhere', (req, res, next) => guard.signOut(req, { everywhere: true }).then(() => res.json({ ok: true }), next));
  return app;
}

async function signedIn(app: express.Express) {
  const agent = request.agent(app);
  await agent.post('/login').send({ username: USER.username, password: PASSWORD }).expect(200);
  return agent;
}

describe.each(['guarded-route-before-router', 'router-before-passport'] as const)('revocation sticks (%s)', (order) => {
  it("a stolen copy of the cookie stays signed out after the owner's sign out everywhere, whichever route it hits first", async () => {
    const app = hostApp(order);
    const owner = await signedIn(app);
    const thief = await signedIn(app);
    await owner.post('/sign-out-everywhere').expect(200);
    expect((await thief.get('/early')).status).toBe(401);
    expect((await thief.get('/me')).body.user).toBeNull();
    expect((await thief.get('/me')).body.user).toBeNull();
  });
});
