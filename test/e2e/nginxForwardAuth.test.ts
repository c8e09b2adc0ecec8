import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { NGINX_BIN, startNginxGateway, type RunningNginx } from '../helpers/nginxServer';

if (!NGINX_BIN) {
  const message = 'nginx was not found: the nginx forward-auth suite is SKIPPED (apt-get install nginx-light).';
  if (process.env.STEPGUARD_REQUIRE_NGINX === '1') throw new Error(`STEPGUARD_REQUIRE_NGINX=1 but ${message}`);
  console.warn(`!!!!!!!! ${message} !!!!!!!!`);
}
const suite = NGINX_BIN ? describe : describe.skip;

suite('nginx auth_request in front of an upstream (real nginx)', () => {
  let t: TestApp;
  let app: Server;
  let upstream: Server;
  let nginx: RunningNginx;

  beforeAll(async () => {
    t = await createTestApp();
    app = t.app.listen(0, '127.0.0.1');
    upstream = createServer((req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`upstream page for user=${req.headers['remote-user'] ?? ''} acr=${req.headers['remote-acr'] ?? ''}`);
    }).listen(0, '127.0.0.1');
    await Promise.all([app, upstream].map((s) => new Promise((r) => (s.listening ? r(null) : s.once('listening', r)))));
    nginx = await startNginxGateway({ appPort: (app.address() as AddressInfo).port, upstreamPort: (upstream.address() as AddressInfo).port });
  });

  afterAll(async () => {
    await nginx?.stop();
    await new Promise((r) => app?.close(r));
    await new Promise((r) => upstream?.close(r));
  });

  it('keeps the upstream behind login and step-up, then passes Remote-User through', async () => {
    const browser = request.agent(`http://127.0.0.1:${nginx.port}`);
    await browser.get('/app/report').expect(401);

    // Tokens are bound to the session and rotate on login and step-up: keep the newest one.
    let csrf = (await browser.get('/auth/csrf').expect(200)).body.csrfToken as string;
    const json = async (path: string, body: object) => {
      const res = await browser.post(path).set('x-csrf-token', csrf).set('accept', 'application/json').send(body);
      if (typeof res.body?.csrfToken === 'string') csrf = res.body.csrfToken;
      return res;
    };
    expect((await json('/auth/login', { username: 'alice', password: 'alice-demo-password' })).status).toBe(200);
    await browser.get('/app/report').expect(401); // a password is not enough

    expect((await json('/auth/2fa/sms/send', {})).status).toBe(202);
    expect((await json('/auth/2fa/sms/verify', { code: t.sms.lastCode() })).status).toBe(200);
    const page = await browser.get('/app/report').expect(200);
    expect(page.text).toBe('upstream page for user=alice acr=aal2');
    expect(nginx.errorLog()).not.toMatch(/\[(emerg|crit)\]/);
  });

  it('does not let a client forge Remote-User', async () => {
    const res = await request(`http://127.0.0.1:${nginx.port}`).get('/app/report').set('Remote-User', 'admin').expect(401);
    expect(res.text).not.toContain('upstream page');
  });
});
