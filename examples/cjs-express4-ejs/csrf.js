'use strict';
const { randomBytes, timingSafeEqual } = require('node:crypto');

// This app's own CSRF defence, independent of stepguard's: one random token per session
// (a synchronizer token), printed into every form as `_csrf` and checked on every POST.

/** The session's token, made on first use. */
function csrfToken(req) {
  if (!req.session.csrfToken) req.session.csrfToken = randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}

/** Refuses a state-changing request without the session's token (after the body parser). */
function verifyCsrf(req, res, next) {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const expected = Buffer.from(String((req.session && req.session.csrfToken) || ''));
  const sent = Buffer.from(req.body && typeof req.body._csrf === 'string' ? req.body._csrf : '');
  if (expected.length > 0 && sent.length === expected.length && timingSafeEqual(sent, expected)) return next();
  res.status(403).type('text').send('This form has expired or did not come from this site. Go back, reload the page and try again.');
}

module.exports = { csrfToken, verifyCsrf };
