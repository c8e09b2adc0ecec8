'use strict';
const path = require('node:path');
const express = require('express');
const session = require('express-session');
const passport = require('passport');
const { Strategy: LocalStrategy } = require('passport-local');
const { createStepGuard } = require('stepguard');
const { ConsoleSmsProvider } = require('stepguard/sms');
const { csrfToken, verifyCsrf } = require('./csrf');
const { UserStore } = require('./users');

/** The example app: EJS pages and forms, passport-local, stepguard at /auth/2fa. */
function createApp({ appOrigin, sessionSecret }) {
  const users = new UserStore();
  const guard = createStepGuard({
    appOrigin,
    stores: 'memory', // production: { redis, mongo }
    secrets: { sessionSecret },
    // Prints each text message (and its code) in the terminal; a real provider in production.
    sms: { provider: new ConsoleSmsProvider() },
    // Changing the e-mail address needs a second factor verified in the last 5 minutes.
    policy: { actions: { email_change: { maxAgeSeconds: 300 } } },
    // A form refused for a step-up is sent again afterwards, with a fresh token of this app's CSRF check.
    forms: { csrfField: '_csrf', csrfToken: (req) => csrfToken(req) },
  });

  passport.use(
    new LocalStrategy((username, password, done) => {
      users.verify(username, password).then((user) => done(null, user || false), done);
    }),
  );
  passport.serializeUser((user, done) => done(null, user.id));
  passport.deserializeUser((id, done) => done(null, users.get(id) || false));

  const app = express();
  app.set('view engine', 'ejs');
  app.set('views', path.join(__dirname, 'views'));

  app.use(guard.webhooks()); // delivery receipts: before the session and any body parser
  app.use(
    session({ secret: sessionSecret, resave: false, saveUninitialized: false, cookie: { httpOnly: true, sameSite: 'lax' } }),
    passport.initialize(),
    passport.session(),
  );
  app.use(guard.router()); // /auth/2fa/...: its own parsers, CSRF check and pages
  // This app's own parser and CSRF check, for its own routes.
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(verifyCsrf);
  app.use((req, res, next) => {
    res.locals.user = req.user;
    res.locals.csrfToken = csrfToken(req);
    next();
  });

  const requireLogin = (req, res, next) => (req.user ? next() : res.redirect(303, '/login'));

  app.get('/', (req, res) => res.render('home'));

  app.get('/signup', (req, res) => res.render('signup', { problem: null, values: {} }));
  app.post('/signup', async (req, res, next) => {
    try {
      const values = { username: req.body.username, email: req.body.email };
      const problem = UserStore.problemWith(req.body);
      if (problem) return res.status(400).render('signup', { problem, values });
      const user = await users.create(req.body);
      if (!user) return res.status(409).render('signup', { problem: 'That username is taken.', values });
      res.redirect(303, '/login?created=1');
    } catch (err) {
      next(err);
    }
  });

  app.get('/login', (req, res) => res.render('login', { created: req.query.created === '1', failed: req.query.failed === '1' }));
  app.post(
    '/login',
    guard.firstFactor.throttle((req) => req.body.username), // password guessing: 429 once the budget is spent
    passport.authenticate('local', { failureRedirect: '/login?failed=1' }),
    guard.firstFactor(),
    (req, res) => res.redirect(303, '/account'),
  );
  app.post('/logout', (req, res, next) => {
    guard.signOut(req).then(() => res.redirect(303, '/'), next);
  });

  app.get('/account', requireLogin, (req, res) => res.render('account', { changed: req.query.changed === '1', problem: null }));

  // The guarded form: checked first (a typo is not worth a code), then the step-up. A browser
  // without a fresh code is sent to stepguard's pages, and after the code this form is posted again.
  const validEmailChange = (req, res, next) => {
    if (UserStore.validEmail(req.body.email)) return next();
    res.status(400).render('account', { changed: false, problem: 'E-mail: an address such as sam@example.com.' });
  };
  app.post('/account/email', requireLogin, validEmailChange, guard.requireStepUp('email_change'), (req, res) => {
    users.changeEmail(req.user.id, req.body.email, { notifyOld: req.body.notifyOld === 'on' });
    res.redirect(303, '/account?changed=1');
  });

  app.use((req, res) => res.status(404).type('text').send('Not found'));
  app.use(guard.errorHandler()); // stepguard's store outages in these routes: 503, never access
  return app;
}

module.exports = { createApp };
