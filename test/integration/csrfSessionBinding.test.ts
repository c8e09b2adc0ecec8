import request from 'supertest';
import { DEMO_ACCOUNT } from '../../src/demo/createDemoApp';
import { createTestApp, type TestApp } from '../helpers/createTestApp';

type Agent = ReturnType<typeof request.agent>;

/** CSRF tokens are bound to the session (issue 16, item 4): a planted cookie pairs with nothing. */
describe('CSRF tokens bound to the session', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const tokenOf = async (agent: Agent): Promise<string> => (await agent.get('/auth/csrf').expect(200)).body.csrfToken as string;
  const postJson = (agent: Agent, path: string, token: string, body: object = {}) =>
    agent.post(path).set('accept', 'application/json').set('x-csrf-token', token).send(body);

  /** A signed-in session at aal2 (fresh SMS step-up); returns the token its last answer carried. */
  async function victimAtAal2(agent: Agent): Promise<string> {
    let token = await tokenOf(agent);
    const login = await postJson(agent, '/auth/login', token, { username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password }).expect(200);
    token = login.body.csrfToken as string;
    await postJson(agent, '/auth/2fa/sms/send', token).expect(202);
    const verified = await postJson(agent, '/auth/2fa/sms/verify', token, { code: t.sms.lastCode() }).expect(200);
    return verified.body.csrfToken as string;
  }

  /** What an attacker can plant and forge: a token from their own visit, and its nonce as the victim's cookie. */
  async function attackerToken(): Promise<{ token: string; nonce: string }> {
    const attacker = request.agent(t.app);
    const token = await tokenOf(attacker);
    return { token, nonce: token.split('.')[0] as string };
  }

  it.each(['/auth/2fa/trusted-devices/revoke-all', '/auth/2fa/totp/setup'])(
    'refuses a victim request with a planted nonce cookie and the attacker\'s token on %s',
    async (path) => {
      const victim = request.agent(t.app);
      await victimAtAal2(victim);
      const { token, nonce } = await attackerToken();
      // Cookie tossing from a sibling subdomain (or plain HTTP): the old CSRF cookie's name.
      victim.jar.setCookie(`sg.csrf=${nonce}; Path=/`, '127.0.0.1', '/');
      const res = await postJson(victim, path, token).expect(403);
      expect(res.body.error.code).toBe('csrf_failed');
    },
  );

  it('refuses a token from before login after login, and takes the one login answered', async () => {
    const agent = request.agent(t.app);
    const before = await tokenOf(agent);
    const login = await postJson(agent, '/auth/login', before, { username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password }).expect(200);
    const refused = await postJson(agent, '/auth/2fa/sms/send', before).expect(403);
    expect(refused.body.error.code).toBe('csrf_failed');
    await postJson(agent, '/auth/2fa/sms/send', login.body.csrfToken as string).expect(202);
  });

  it('refuses a token from before a step-up after it, and takes the one the verify answered', async () => {
    const agent = request.agent(t.app);
    const login = await postJson(agent, '/auth/login', await tokenOf(agent), { username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password }).expect(200);
    const before = login.body.csrfToken as string;
    await postJson(agent, '/auth/2fa/sms/send', before).expect(202);
    const verified = await postJson(agent, '/auth/2fa/sms/verify', before, { code: t.sms.lastCode() }).expect(200);
    const after = verified.body.csrfToken as string;
    expect(after).toEqual(expect.any(String));
    const refused = await postJson(agent, '/auth/2fa/trusted-devices/revoke-all', before).expect(403);
    expect(refused.body.error.code).toBe('csrf_failed');
    await postJson(agent, '/auth/2fa/trusted-devices/revoke-all', after).expect(200);
  });

  it('refuses a token from session A in session B', async () => {
    const a = request.agent(t.app);
    const b = request.agent(t.app);
    const tokenA = await victimAtAal2(a);
    const tokenB = await victimAtAal2(b);
    const refused = await postJson(b, '/auth/2fa/trusted-devices/revoke-all', tokenA).expect(403);
    expect(refused.body.error.code).toBe('csrf_failed');
    await postJson(b, '/auth/2fa/trusted-devices/revoke-all', tokenB).expect(200);
  });

  it('refuses a request without a session, whatever token it carries', async () => {
    const { token, nonce } = await attackerToken();
    const res = await request(t.app).post('/auth/login').set('accept', 'application/json').set('cookie', `sg.csrf=${nonce}`).set('x-csrf-token', token)
      .send({ username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password }).expect(403);
    expect(res.body.error.code).toBe('csrf_failed');
  });

  it('refuses a tampered token', async () => {
    const agent = request.agent(t.app);
    const [nonce, mac] = (await tokenOf(agent)).split('.') as [string, string];
    const flipped = `${nonce}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    for (const bad of [flipped, `${nonce}x.${mac}`, `${nonce}.${mac}.x`, nonce, '']) {
      const res = await postJson(agent, '/auth/login', bad, { username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password }).expect(403);
      expect(res.body.error.code).toBe('csrf_failed');
    }
  });

  it('lets an anonymous visitor fetch a token and post the login form (the session is saved for it)', async () => {
    const agent = request.agent(t.app);
    const csrf = await agent.get('/auth/csrf').expect(200);
    expect(String(csrf.headers['set-cookie'])).toContain('sg.sid=');
    const done = await agent.post('/auth/login').type('form').set('accept', 'text/html')
      .send({ username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password, _csrf: csrf.body.csrfToken }).expect(303);
    expect(done.headers.location).toBe('/account');
  });

  it('gives the login page a token bound to the visitor\'s session', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login').set('accept', 'text/html').expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    expect(token).toBeDefined();
    await agent.post('/auth/login').type('form').set('accept', 'text/html')
      .send({ username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password, _csrf: token }).expect(303);
  });

  it('gives the factor page after a step-up a token that works in the new session', async () => {
    const agent = request.agent(t.app);
    await victimAtAal2(agent);
    const page = await agent.get('/auth/2fa/factors').set('accept', 'text/html').expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] as string;
    await agent.post('/auth/2fa/trusted-devices/revoke-all').type('form').set('accept', 'text/html').send({ _csrf: token }).expect(303);
  });
});

describe('CSRF tokens bound to the session, with sessions in Redis', () => {
  it('lets an anonymous visitor fetch a token and log in; refuses a planted cookie with the attacker\'s token', async () => {
    const t = await createTestApp({ redis: true });
    try {
      const agent = request.agent(t.app);
      const token = (await agent.get('/auth/csrf').expect(200)).body.csrfToken as string;
      const login = await agent.post('/auth/login').set('accept', 'application/json').set('x-csrf-token', token)
        .send({ username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password }).expect(200);
      const attackerToken = (await request.agent(t.app).get('/auth/csrf').expect(200)).body.csrfToken as string;
      agent.jar.setCookie(`sg.csrf=${attackerToken.split('.')[0]}; Path=/`, '127.0.0.1', '/');
      const refused = await agent.post('/auth/2fa/sms/send').set('accept', 'application/json').set('x-csrf-token', attackerToken).send({}).expect(403);
      expect(refused.body.error.code).toBe('csrf_failed');
      await agent.post('/auth/2fa/sms/send').set('accept', 'application/json').set('x-csrf-token', login.body.csrfToken as string).send({}).expect(202);
    } finally {
      await t.close();
    }
  });
});
