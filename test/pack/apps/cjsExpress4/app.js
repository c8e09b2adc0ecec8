// A fresh CommonJS app on Express 4 and Passport 0.6, written the way the README says, that
// `npm run test:pack` installs stepguard into from the packed tarball and drives over HTTP.
// Codes go through the console provider, which also appends each message to OUTBOX_FILE.
'use strict';
const express = require('express');
const session = require('express-session');
const passport = require('passport');
const { Strategy: LocalStrategy } = require('passport-local');
const { createStepGuard } = require('stepguard');
const { SmsOtpStrategy } = require('stepguard/passport');
const { createMemoryStores } = require('stepguard/stores');
const { ConsoleSmsProvider } = require('stepguard/sms');

const USER = { id: 'u1', username: 'alice', password: 'alice-pack-password', phone: '+14155550123' };
const sessionSecret = 'pack-test-session-secret-0123456789abcdef';

const guard = createStepGuard({
  environment: 'development',
  stores: { custom: createMemoryStores() },
  secrets: {
    pepper: 'pack-test-pepper-0123456789abcdef0123456789',
    sessionSecret,
    encryptionKeys: { k1: Buffer.alloc(32, 7).toString('base64') },
  },
  sms: { provider: new ConsoleSmsProvider({ outboxFile: process.env.OUTBOX_FILE, environment: 'development' }) },
});
if (!(guard.strategies.smsOtp instanceof SmsOtpStrategy)) throw new Error('stepguard/passport and stepguard disagree on SmsOtpStrategy');

passport.use(new LocalStrategy((username, password, done) => done(null, username === USER.username && password === USER.password ? USER : false)));
passport.serializeUser((user, done) => done(null, user.id));
passport.deserializeUser((id, done) => done(null, id === USER.id ? { id: USER.id, username: USER.username } : false));

const app = express();
app.use(guard.webhooks());
app.use(session({ secret: sessionSecret, resave: false, saveUninitialized: false }), passport.initialize(), passport.session());
app.use(guard.router());
app.use(express.urlencoded({ extended: false }));
app.post('/login', passport.authenticate('local'), guard.firstFactor(), (req, res) => res.redirect('/account'));
app.get('/account', guard.requireStepUp('login'), (req, res) => res.json({ user: req.user.username, acr: req.stepguard.acr }));

guard.service
  .bindPhoneUnchecked(USER.id, USER.phone)
  .then(() => {
    const server = app.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
