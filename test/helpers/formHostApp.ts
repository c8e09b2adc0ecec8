import express, { type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { createStepGuard, type StepGuard } from '../../src';
import type { StepGuardOptions } from '../../src/config';
import type { Clock } from '../../src/core/clock';
import { createMemoryStores } from '../../src/stores/memory/createMemoryStores';
import { RecordingSmsProvider } from './RecordingSmsProvider';

export const FORM_HOST_USERS = {
  alice: { id: 'u-alice', username: 'alice', password: 'alice-password-123', phone: '+14155550123' },
  bob: { id: 'u-bob', username: 'bob', password: 'bob-password-12345', phone: '+14155550187' },
} as const;

/** What the host's guarded routes received: one entry per request that got through the guard. */
export type Received = { route: string; method: string; body: Record<string, unknown> };

export type FormHost = { app: express.Express; guard: StepGuard; sms: RecordingSmsProvider; received: Received[] };

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A small host app that is not the demo, mounted as the README says, with guarded *forms*:
 * `POST /settings` (action `settings`, not bound to a transaction), `POST /payments` (action
 * `payment`, bound to `{ amount, payee }`), a catch-all guarded `POST .../wild` (to try odd
 * paths), a login page and form, and `GET /settings` with the settings form. Its own parsers
 * and stepguard's CSRF check (`guard.csrf.protect`) sit after `guard.router()`.
 */
export async function createFormHostApp(options: { clock?: Clock; guardOptions?: StepGuardOptions } = {}): Promise<FormHost> {
  const sms = new RecordingSmsProvider();
  const guard = createStepGuard({
    environment: 'test',
    stores: { custom: createMemoryStores() },
    // Tests sign in and text codes many times a minute: the anti-pumping budgets only watch.
    sms: { provider: sms, pumping: { mode: 'observe' } },
    secrets: { pepper: 'form-host-pepper-that-is-long-enough-0123456789', sessionSecret: 'form-host-session-secret-long-enough-0123456789' },
    policy: {
      actions: {
        settings: { level: 'aal2', maxAgeSeconds: 300 },
        payment: { level: 'aal2', maxAgeSeconds: 300, bindTransaction: true, highRisk: true },
      },
    },
    ...(options.clock ? { clock: options.clock } : {}),
    ...options.guardOptions,
  });
  for (const user of Object.values(FORM_HOST_USERS)) await guard.service.bindPhoneUnchecked(user.id, user.phone);

  const byName = new Map<string, (typeof FORM_HOST_USERS)[keyof typeof FORM_HOST_USERS]>(Object.values(FORM_HOST_USERS).map((u) => [u.username, u]));
  const passport = new Passport();
  passport.use(new LocalStrategy((username, password, done) => {
    const user = byName.get(username);
    done(null, user && user.password === password ? { id: user.id, username: user.username } : false);
  }));
  passport.serializeUser<string>((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser<string>((id, done) => {
    const user = Object.values(FORM_HOST_USERS).find((u) => u.id === id);
    done(null, user ? { id: user.id, username: user.username } : false);
  });

  const received: Received[] = [];
  const app = express();
  app.use(guard.webhooks());
  app.use(session({ secret: 'form-host-express-session-secret-0123456789', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(guard.router());
  app.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }));
  app.use(express.json());
  app.use(guard.csrf.protect);

  const page = (title: string, body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  const csrfInput = (req: Request, res: Response) => `<input type="hidden" name="_csrf" value="${escapeHtml(guard.csrf.token(req, res))}">`;

  app.get('/login', (req, res) => {
    res.type('html').send(
      page('Sign in', `<form method="post" action="/login">${csrfInput(req, res)}<input id="username" name="username"><input id="password" name="password" type="password"><button type="submit">Sign in</button></form>`),
    );
  });
  app.post('/login', passport.authenticate('local'), guard.firstFactor(), (req, res) => {
    if (req.accepts(['json', 'html']) === 'html') return res.redirect(303, '/settings');
    res.json({ ok: true, csrfToken: guard.csrf.token(req, res) });
  });
  app.post('/logout', async (req, res, next) => {
    try {
      await guard.signOut(req);
      res.json({ ok: true });
    } catch (err) {
      next(err);
    }
  });
  app.get('/settings', (req, res) => {
    if (!req.user) return res.redirect(303, '/login');
    res.type('html').send(
      page(
        'Settings',
        `<form method="post" action="/settings?tab=profile">${csrfInput(req, res)}` +
          '<label for="displayName">Name</label><input id="displayName" name="displayName">' +
          '<label for="bio">Bio</label><textarea id="bio" name="bio"></textarea>' +
          '<label for="currentPassword">Password</label><input id="currentPassword" name="currentPassword" type="password">' +
          '<label><input type="checkbox" name="topics" value="news" id="topic-news"> News</label>' +
          '<label><input type="checkbox" name="topics" value="security" id="topic-security"> Security</label>' +
          '<button type="submit">Save</button></form>',
      ),
    );
  });

  const record = (route: string) => (req: Request, res: Response) => {
    received.push({ route, method: req.method, body: { ...(req.body as Record<string, unknown>) } });
    if (req.accepts(['json', 'html']) === 'html') return void res.type('html').send(page('Saved', `<p id="saved">Saved ${received.length}</p>`));
    res.json({ ok: true });
  };
  app.post('/settings', guard.requireStepUp('settings'), record('settings'));
  app.post(
    '/payments',
    guard.requireStepUp('payment', { bind: (req) => ({ amount: String((req.body as Record<string, unknown>).amount), payee: String((req.body as Record<string, unknown>).payee) }) }),
    record('payments'),
  );
  app.post(/\/wild$/, guard.requireStepUp('settings'), record('wild'));
  app.use((_req: Request, res: Response) => void res.status(404).send('host 404'));
  app.use(guard.errorHandler());
  return { app, guard, sms, received };
}
