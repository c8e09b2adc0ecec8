// The page of the SPA example: plain fetch(), no framework. It asks the API for the account;
// a 401 insufficient_user_authentication says which second factors are acceptable, and the page
// walks the user through stepguard's JSON routes (a phone first if there is none), then retries.
const $ = (id) => document.getElementById(id);
let csrfToken = null;
let codePurpose = 'step-up'; // or 'bind' while a new phone number is being confirmed

async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    // One token for stepguard's routes and this app's API; it belongs to the session.
    if (!csrfToken) csrfToken = (await (await fetch('/auth/2fa/csrf', { headers })).json()).csrfToken;
    headers['x-csrf-token'] = csrfToken;
  }
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = (res.headers.get('content-type') ?? '').includes('json') ? await res.json() : {};
  // A step-up or a new phone number gives the session a new id, and with it a new token.
  if (data.csrfToken) csrfToken = data.csrfToken;
  return { status: res.status, data };
}

function show(id) {
  for (const section of document.querySelectorAll('main > section')) section.hidden = section.id !== id;
}
const say = (text) => void ($('status').textContent = text);
const problem = (data, fallback) => data.error?.message ?? fallback;

async function openAccount() {
  const { status, data } = await call('GET', '/api/account');
  if (status === 200) {
    $('account-username').textContent = data.user.username;
    $('account-acr').textContent = data.acr;
    $('account-amr').textContent = data.amr.join(', ');
    say('');
    return show('account');
  }
  if (status === 401 && data.error?.code === 'insufficient_user_authentication') return stepUp(data.error);
  show('signed-out');
  say(status === 401 ? 'Sign in to see your account.' : problem(data, `Unexpected answer (${status}).`));
}

async function stepUp(challenge) {
  // The risk policy may have taken SMS out of what this action accepts right now.
  if (!challenge.acceptableFactors.includes('sms')) {
    return say('This needs an authenticator app or a passkey: set one up at /auth/2fa/factors.');
  }
  const methods = await call('GET', '/auth/2fa/methods');
  if (!methods.data.enrolledFactors?.includes('sms')) {
    say('Add a phone number to receive sign-in codes.');
    return show('phone');
  }
  await sendCode();
}

async function sendCode() {
  const { status, data } = await call('POST', '/auth/2fa/sms/send', {});
  if (status !== 202) return say(problem(data, 'Could not send a code.'));
  askForCode('step-up', `We sent a code to ${data.to}.`);
}

function askForCode(purpose, hint) {
  codePurpose = purpose;
  $('code-title').textContent = purpose === 'bind' ? 'Confirm your phone number' : 'Enter the code';
  $('code-hint').textContent = hint;
  $('code-error').textContent = '';
  $('code-input').value = '';
  show('code');
  $('code-input').focus();
}

$('signup').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const { status, data } = await call('POST', '/api/signup', { username: form.get('username'), password: form.get('password') });
  if (status !== 201) return say(problem(data, 'Could not create the account.'));
  $('login-username').value = data.user.username;
  say('Account created. Sign in.');
  $('login-password').focus();
});

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const { status } = await call('POST', '/api/login', { username: form.get('username'), password: form.get('password') });
  if (status !== 200) return say('Wrong username or password.');
  csrfToken = null; // the login gave the session a new id
  await openAccount();
});

$('phone-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const { status, data } = await call('POST', '/auth/2fa/phone', { phone: $('phone-number').value });
  if (status !== 202) return say(problem(data, 'Could not send a code to that number.'));
  askForCode('bind', `We sent a code to ${data.to} to check the number.`);
});

$('code-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const path = codePurpose === 'bind' ? '/auth/2fa/phone/verify' : '/auth/2fa/sms/verify';
  const { status, data } = await call('POST', path, { code: $('code-input').value });
  if (status !== 200) {
    const left = typeof data.error?.attemptsLeft === 'number' ? ` (${data.error.attemptsLeft} tries left)` : '';
    $('code-error').textContent = problem(data, 'That did not work.') + left;
    return;
  }
  if (codePurpose === 'bind') {
    say(`Phone ${data.phone} added.`);
    return sendCode();
  }
  await openAccount();
});

$('logout').addEventListener('click', async () => {
  await call('POST', '/api/logout', {});
  csrfToken = null;
  show('signed-out');
  say('Signed out.');
});

openAccount();
