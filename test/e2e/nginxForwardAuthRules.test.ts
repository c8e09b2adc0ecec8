import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { NGINX_BIN, startNginxGateway, type RunningNginx } from '../helpers/nginxServer';

if (!NGINX_BIN) {
  const message = 'nginx was not found: the nginx forward-auth rules suite is SKIPPED (apt-get install nginx-light).';
  if (process.env.STEPGUARD_REQUIRE_NGINX === '1') throw new Error(`STEPGUARD_REQUIRE_NGINX=1 but ${message}`);
  console.warn(`!!!!!!!! ${message} !!!!!!!!`);
}
const suite = NGINX_BIN ? describe : describe.skip;

/**
 * The README's nginx config (every path behind `auth_request`, X-Original-URL from `$host`) in
 * front of an upstream, with rules `payroll.example.test -> factor_change`,
 * `/admin -> factor_change`, `/ -> login`. The session stepped up 301 s ago: enough for `login`
 * (12 h), not for `factor_change` (300 s). No spelling of the stricter host or path may reach
 * the upstream on the strength of the `login` rule.
 */
suite('forward-auth rules through real nginx', () => {
  let t: TestApp;
  let app: Server;
  let upstream: Server;
  let nginx: RunningNginx;
  let cookie: string;
  const reached: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({
      guardOptions: {
        forwardAuth: {
          rules: [
            { host: 'payroll.example.test', pathPrefix: '/', action: 'factor_change' },
            { pathPrefix: '/admin', action: 'factor_change' },
            { pathPrefix: '/', action: 'login' },
          ],
        },
      },
    });
    app = t.app.listen(0, '127.0.0.1');
    upstream = createServer((req, res) => {
      reached.push(req.url ?? '');
      res.end(`upstream page for user=${req.headers['remote-user'] ?? ''}`);
    }).listen(0, '127.0.0.1');
    await Promise.all([app, upstream].map((s) => new Promise((r) => (s.listening ? r(null) : s.once('listening', r)))));
    nginx = await startNginxGateway({ appPort: (app.address() as AddressInfo).port, upstreamPort: (upstream.address() as AddressInfo).port, gate: 'everything' });

    const browser = request.agent(`http://127.0.0.1:${nginx.port}`);
    // CSRF tokens are bound to the session and rotate with it: keep the newest one an answer carried.
    let csrf = (await browser.get('/auth/csrf').expect(200)).body.csrfToken as string;
    const json = async (path: string, body: object, status: number) => {
      const res = await browser.post(path).set('x-csrf-token', csrf).set('accept', 'application/json').send(body).expect(status);
      if (typeof res.body?.csrfToken === 'string') csrf = res.body.csrfToken;
    };
    await json('/auth/login', { username: 'alice', password: 'alice-demo-password' }, 200);
    await json('/auth/2fa/sms/send', {}, 202);
    await json('/auth/2fa/sms/verify', { code: t.sms.lastCode() }, 200);
    cookie = browser.jar
      .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
      .map((c) => c.toValueString())
      .join('; ');
    t.clock.advanceSeconds(301);
  });

  afterAll(async () => {
    await nginx?.stop();
    await new Promise((r) => app?.close(r));
    await new Promise((r) => upstream?.close(r));
  });

  /** A GET with the path exactly as written (no client-side URL normalisation) and the session. */
  function rawGet(path: string, host = 'app.example.test'): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: nginx.port, path, method: 'GET', headers: { host, cookie } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('lets the session through where the login rule applies (the control)', async () => {
    const before = reached.length;
    expect(await rawGet('/reports')).toEqual({ status: 200, body: 'upstream page for user=alice' });
    expect((await rawGet('/administrator')).status).toBe(200); // a prefix matches whole segments only
    expect(reached.slice(before)).toEqual(['/reports', '/administrator']);
  });

  it.each([
    ['Host: payroll.example.test.', '/run', 'payroll.example.test.'],
    ['Host: payroll.example.test:1', '/run', 'payroll.example.test:1'],
    ['Host: PAYROLL.Example.Test', '/run', 'PAYROLL.Example.Test'],
    ['/ADMIN/payroll', '/ADMIN/payroll', undefined],
    ['/Admin/payroll', '/Admin/payroll', undefined],
    ['/admin/../admin/x', '/admin/../admin/x', undefined],
    ['//admin', '//admin', undefined],
    ['/%61dmin', '/%61dmin', undefined],
    ['/admin/x', '/admin/x', undefined],
  ])('%s answers the stricter rule\'s challenge, not login', async (_label, path, host) => {
    const before = reached.length;
    const res = await rawGet(path, host);
    expect(res.status).toBe(401);
    expect(reached.slice(before)).toEqual([]);
  });

  it('/admin%2fx is refused (400 from the check, which nginx reports as 500), never passed as login', async () => {
    const before = reached.length;
    const res = await rawGet('/admin%2fx');
    expect(res.status).toBe(500);
    expect(reached.slice(before)).toEqual([]);
    expect(nginx.errorLog()).toMatch(/auth request unexpected status: 400/);
  });
});
