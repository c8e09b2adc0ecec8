import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import request from 'supertest';
import { createStepGuard } from '../../src';
import { createMemoryStores } from '../../src/stores';

/**
 * Red team: the per-account guessing budget is the only one a bot with many addresses meets.
 * (1) Two accounts whose usernames share a throttle key ('alice' and 'Alice' on a host with
 * case-sensitive names): the attacker's successful sign-in to its own account resets the victim's
 * count. (2) Spellings a common lookup treats as the same account (MySQL's default
 * utf8mb4_0900_ai_ci: accents and ignorable characters) each get a budget of their own.
 */
type User = { id: string; username: string; password: string };

function hostApp(users: User[], sameName: (submitted: string, stored: string) => boolean) {
  const guard = createStepGuard({ environment: 'test', stores: { custom: createMemoryStores() } });
  const passport = new Passport();
  passport.use(new LocalStrategy((u, p, done) => {
    const user = users.find((x) => sameName(u, x.username) && x.password === p);
    done(null, user ? { id: user.id } : false);
  }));
  passport.serializeUser<string>((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser<string>((id, done) => done(null, { id }));
  const app = express();
  app.set('trust proxy', true);
  app.use(session({ secret: 'host-session-secret-0123456789-abcdef', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(guard.router());
  app.use(express.json());
  app.post('/login', guard.firstFactor.throttle((req) => req.body.username), passport.authenticate('local'), guard.firstFactor(), (_req, res) => res.json({ ok: true }));
  return app;
}

/** Wrong passwords for the victim that reached the password check (401), each from its own address (a botnet). */
async function guessesChecked(app: express.Express, attempts: { username: string }[]): Promise<number> {
  let checked = 0;
  for (const [i, { username }] of attempts.entries()) {
    const res = await request(app).post('/login').set('X-Forwarded-For', `203.0.113.${i % 250}`).send({ username, password: `guess-${i}` });
    if (res.status === 401) checked += 1;
  }
  return checked;
}

describe('the per-account login budget', () => {
  it("is not reset for the victim by the attacker's successful sign-in to a look-alike account of its own", async () => {
    const app = hostApp(
      [
        { id: 'victim', username: 'alice', password: 'victim-password-123' },
        { id: 'attacker', username: 'Alice', password: 'attacker-password-123' },
      ],
      (a, b) => a === b,
    );
    let checked = 0;
    for (let round = 0; round < 5; round += 1) {
      checked += await guessesChecked(app, Array.from({ length: 4 }, () => ({ username: 'alice' })));
      // The attacker's own sign-in shares the throttled key, so it may itself be refused; what matters is the victim's count.
      expect([200, 429]).toContain((await request(app).post('/login').set('X-Forwarded-For', '198.51.100.1').send({ username: 'Alice', password: 'attacker-password-123' })).status);
    }
    // The default account budget lets a handful through; 20 means every reset worked.
    expect(checked).toBeLessThanOrEqual(6);
  });

  it('counts spellings an accent- and ignorable-insensitive lookup reads as the same account under one budget', async () => {
    const collation = (a: string, b: string) => a.replace(/[\u00AD\u200B-\u200D\u2060\uFEFF]/g, '').localeCompare(b, 'en', { sensitivity: 'base' }) === 0;
    const app = hostApp([{ id: 'victim', username: 'alice', password: 'victim-password-123' }], collation);
    const spellings = ['alice', 'alicé', 'álice', 'ali\u00ADce', 'al\u200Bice', 'ålice', 'alíce', 'a\u200Dlice', 'alic\u0301e'];
    const checked = await guessesChecked(app, spellings.flatMap((username) => Array.from({ length: 5 }, () => ({ username }))));
    expect(checked).toBeLessThanOrEqual(6);
  });
});
