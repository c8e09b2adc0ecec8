import express, { type Express } from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { fileURLToPath } from 'node:url';
import { createStepGuard, type SmsProvider } from 'stepguard';
import { UserStore, type User } from './userStore.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // What passport puts on req.user (stepguard reads req.user.id by default).
    interface User {
      id: string;
      username: string;
    }
  }
}

export type ExampleOptions = {
  /** Where browsers reach this app, e.g. http://localhost:3000. */
  appOrigin: string;
  sessionSecret: string;
  sms: SmsProvider;
};

const publicDir = fileURLToPath(new URL('../public', import.meta.url));

/** The example app: a JSON API under /api, a static page at /, stepguard at /auth/2fa. */
export function createApp({ appOrigin, sessionSecret, sms }: ExampleOptions): Express {
  const users = new UserStore();
  // Memory stores keep this example dependency-free; production passes { redis, mongo }.
  const guard = createStepGuard({ appOrigin, stores: 'memory', secrets: { sessionSecret }, sms: { provider: sms } });

  passport.use(
    new LocalStrategy((username, password, done) => {
      users.verify(username, password).then((user) => done(null, user ?? false), done);
    }),
  );
  passport.serializeUser((user, done) => done(null, user.id));
  passport.deserializeUser((id: string, done) => done(null, users.get(id) ?? false));

  const app = express();
  app.use(guard.webhooks()); // delivery receipts: before the session and any body parser
  app.use(
    session({ secret: sessionSecret, resave: false, saveUninitialized: false, cookie: { httpOnly: true, sameSite: 'lax' } }),
    passport.initialize(),
    passport.session(),
  );
  app.use(guard.router()); // /auth/2fa/...: its own parsers, CSRF check and answers
  // This app's own API: JSON, and the same CSRF token as stepguard's (GET /auth/2fa/csrf).
  app.use(express.json({ limit: '16kb' }));
  app.use(guard.csrf.protect);
  app.use(express.static(publicDir));

  app.post('/api/signup', async (req, res) => {
    const { username, password } = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof username !== 'string' || typeof password !== 'string') {
      return void res.status(400).json({ error: { code: 'invalid_request', message: 'username and password are required' } });
    }
    let user: User | null;
    try {
      user = await users.create(username, password);
    } catch (err) {
      return void res.status(400).json({ error: { code: 'invalid_request', message: (err as Error).message } });
    }
    if (!user) return void res.status(409).json({ error: { code: 'username_taken', message: 'That username is taken.' } });
    res.status(201).json({ user });
  });

  app.post('/api/login', guard.firstFactor.throttle((req) => req.body?.username), passport.authenticate('local'), guard.firstFactor(), (req, res) => {
    res.json({ user: req.user });
  });

  app.post('/api/logout', async (req, res) => {
    await guard.signOut(req);
    res.json({ ok: true });
  });

  // The guarded resource: 401 insufficient_user_authentication until the session stepped up.
  app.get('/api/account', guard.requireStepUp('login'), (req, res) => {
    res.json({ user: req.user, acr: req.stepguard?.acr, amr: req.stepguard?.amr });
  });

  app.use('/api', (_req, res) => void res.status(404).json({ error: { code: 'not_found', message: 'No such API route.' } }));
  return app;
}
