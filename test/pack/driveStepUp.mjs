// The HTTP walk through a freshly installed app: password, challenged, code by SMS, let through.
import { readFile } from 'node:fs/promises';
import { createHttpClient } from './httpClient.mjs';

const USERNAME = 'alice';
const PASSWORD = 'alice-pack-password';
const OUTBOX_WAIT_MS = 5_000;

/** Throws, naming the app and the step, with what came back, unless `ok`. */
function expectThat(ok, app, step, response) {
  if (ok) return;
  const body = typeof response?.body === 'string' ? response.body.slice(0, 500) : JSON.stringify(response?.body);
  throw new Error(`${app}: ${step} failed${response ? ` (status ${response.status}, location ${response.headers.get('location')}, body ${body})` : ''}`);
}

/** The code in the newest message of the outbox, from its WebOTP line `@host #123456`. */
async function lastCodeIn(outboxFile, messagesBefore) {
  const deadline = Date.now() + OUTBOX_WAIT_MS;
  for (;;) {
    const lines = (await readFile(outboxFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    if (lines.length > messagesBefore) {
      const { body } = JSON.parse(lines.at(-1));
      const match = /#(\d{4,10})\s*$/.exec(body);
      if (!match) throw new Error(`no code in the SMS: ${JSON.stringify(body)}`);
      return match[1];
    }
    if (Date.now() > deadline) throw new Error(`no SMS in ${outboxFile} within ${OUTBOX_WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Drives the README's mounting in the app on `port` and returns the steps it checked; throws at
 * the first step whose answer is not what the README promises.
 */
export async function driveStepUp({ app, port, outboxFile, log }) {
  const http = createHttpClient(port);
  const step = (text) => log(`  ${app}: ${text}`);

  const wrong = await http.request('POST', '/login', { form: { username: USERNAME, password: 'not-the-password' } });
  expectThat(wrong.status === 401, app, 'a wrong password is refused', wrong);
  step('wrong password -> 401');

  const login = await http.request('POST', '/login', { form: { username: USERNAME, password: PASSWORD } });
  expectThat(login.status === 302 && login.headers.get('location') === '/account', app, 'the password signs in and redirects to /account', login);
  step('password -> 302 /account');

  const apiChallenge = await http.request('GET', '/account');
  expectThat(apiChallenge.status === 401 && apiChallenge.body?.error?.code === 'insufficient_user_authentication', app, 'GET /account after a password alone asks an API client for a step-up', apiChallenge);
  step('GET /account (JSON) -> 401 insufficient_user_authentication');

  const pageChallenge = await http.request('GET', '/account', { headers: { accept: 'text/html' } });
  expectThat([302, 303].includes(pageChallenge.status) && /^\/auth\/2fa(\?|$)/.test(pageChallenge.headers.get('location') ?? ''), app, 'GET /account after a password alone sends a browser to the step-up', pageChallenge);
  step(`GET /account (HTML) -> ${pageChallenge.status} ${pageChallenge.headers.get('location')}`);

  const csrf = await http.request('GET', '/auth/2fa/csrf');
  const csrfToken = csrf.body?.csrfToken;
  expectThat(csrf.status === 200 && typeof csrfToken === 'string' && csrfToken.length > 10, app, 'GET /auth/2fa/csrf answers a JSON token', csrf);
  step('GET /auth/2fa/csrf -> JSON token');

  const forged = await http.request('POST', '/auth/2fa/sms/send', { json: {}, headers: { 'x-csrf-token': 'forged' } });
  expectThat(forged.status === 403 && forged.body?.error?.code === 'csrf_failed', app, 'a send without stepguard\'s CSRF token is refused', forged);
  step('send with a forged CSRF token -> 403 csrf_failed');

  const before = (await readFile(outboxFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  const sent = await http.request('POST', '/auth/2fa/sms/send', { json: {}, headers: { 'x-csrf-token': csrfToken } });
  expectThat(sent.status === 202, app, 'POST /auth/2fa/sms/send sends a code', sent);
  const code = await lastCodeIn(outboxFile, before);
  step('POST /auth/2fa/sms/send -> 202, code in the outbox');

  const wrongCode = code.replace(/.$/, (digit) => String((Number(digit) + 1) % 10));
  const refused = await http.request('POST', '/auth/2fa/sms/verify', { json: { code: wrongCode }, headers: { 'x-csrf-token': csrfToken } });
  expectThat(refused.status === 401 && refused.body?.error?.code === 'invalid_code', app, 'a wrong code is refused', refused);
  step('wrong code -> 401 invalid_code');

  const verified = await http.request('POST', '/auth/2fa/sms/verify', { json: { code }, headers: { 'x-csrf-token': csrfToken } });
  expectThat(verified.status === 200, app, 'POST /auth/2fa/sms/verify with the texted code', verified);
  step('POST /auth/2fa/sms/verify -> 200');

  const account = await http.request('GET', '/account');
  expectThat(account.status === 200 && account.body?.user === USERNAME && account.body?.acr === 'aal2', app, 'GET /account after the step-up lets the user through at aal2', account);
  step('GET /account -> 200, acr aal2');
}
