import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { startDemoProcess, type DemoProcess } from '../helpers/demoProcess';

const POST_ROUTES = [
  '/auth/login', '/auth/signup', '/auth/logout', '/transfer',
  '/auth/2fa/sms/send', '/auth/2fa/sms/verify', '/auth/2fa/phone', '/auth/2fa/phone/verify', '/auth/2fa/phone/remove',
  '/auth/2fa/totp/setup', '/auth/2fa/totp/confirm', '/auth/2fa/totp/verify', '/auth/2fa/backup-codes', '/auth/2fa/backup-codes/verify',
  '/auth/2fa/webauthn/registration/options', '/auth/2fa/webauthn/registration/verify', '/auth/2fa/webauthn/authentication/options',
  '/auth/2fa/webauthn/authentication/verify', '/auth/2fa/factors/x/remove', '/auth/2fa/trusted-devices/revoke-all',
  '/auth/2fa/webhooks/console', '/auth/2fa/webhooks/twilio', '/auth/2fa/webhooks/%E0%A4%A',
];
const GET_ROUTES = ['/auth/2fa/sms/status', '/metrics', '/account', '/auth/session', '/auth/2fa', '/auth/2fa/methods', '/auth/2fa/sms', '/auth/2fa/forward-auth', '/auth/2fa/factors', '/login', '/transfer/confirm'];

type RawRequest = { method: string; path: string; headers: [string, string][]; body?: Buffer };

function send(port: number, r: RawRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.headers.flat() as unknown as Record<string, string> }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout ${r.method} ${r.path}`)));
    if (r.body) req.write(r.body);
    req.end();
  });
}

const bodyArb = fc.oneof(
  fc.constant('{"code": "12'), // broken JSON
  fc.constant('{"code": 123456}'),
  fc.constant('{"username": ["alice"], "password": {"$gt": ""}}'),
  fc.constant('[]'),
  fc.constant('null'),
  fc.constant('"just a string"'),
  fc.constant(`{"code":"${'9'.repeat(20_000)}"}`), // oversized
  fc.constant('code=1&code=2&code=3'),
  fc.constant('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}'),
  fc.constant('{"phone": "\\u0000\\u202e+1 650 555 0100"}'),
  fc.json(),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
);
const contentTypeArb = fc.constantFrom(
  'application/json', 'application/json; charset=utf-16', 'application/json; charset=koi8-r', 'application/x-www-form-urlencoded',
  'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=""', '',
);
const requestArb = fc.record({
  post: fc.boolean(),
  route: fc.nat(),
  body: bodyArb,
  contentType: contentTypeArb,
  csrf: fc.constantFrom('none', 'garbage', 'double'),
  query: fc.constantFrom('', '?returnTo=https://evil.example', '?returnTo=%00', '?action=%E0%A4%A', '?a=1&a=2&a=3', '?returnTo=' + '/x'.repeat(2000)),
  gzip: fc.boolean(),
}).map(({ post, route, body, contentType, csrf, query, gzip }): RawRequest => {
  const headers: [string, string][] = [];
  if (contentType) headers.push(['content-type', contentType]);
  if (csrf === 'garbage') headers.push(['x-csrf-token', 'a.b']);
  if (csrf === 'double') headers.push(['x-csrf-token', 'a.b'], ['x-csrf-token', 'c.d']);
  if (gzip) headers.push(['content-encoding', 'gzip']);
  headers.push(['accept', route % 2 ? 'text/html' : 'application/json']);
  if (!post) return { method: 'GET', path: `${GET_ROUTES[route % GET_ROUTES.length]}${query}`, headers, body: undefined };
  return { method: 'POST', path: `${POST_ROUTES[route % POST_ROUTES.length]}${query}`, headers, body: Buffer.from(body, 'utf8') };
});

describe('HTTP fuzzing of the demo server (a real process)', () => {
  let demo: DemoProcess;
  let port: number;
  let pid: number;
  beforeAll(async () => {
    demo = await startDemoProcess({ LOG_LEVEL: 'error' });
    port = Number(new URL(demo.url).port);
    pid = demo.pid;
  });
  afterAll(() => demo?.stop());

  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

  it('answers 5,000 malformed requests with 4xx only (never 5xx), stays up, and keeps its memory', async () => {
    const samples = fc.sample(requestArb, { numRuns: 5000, seed: 20261122 });
    // Warm up, so the first lazily-compiled code paths do not count as growth.
    for (const r of samples.slice(0, 300)) await send(port, r);
    const before = rss();
    const statuses = new Map<number, number>();
    for (let i = 0; i < samples.length; i += 20) {
      const batch = await Promise.all(samples.slice(i, i + 20).map((r) => send(port, r)));
      for (const s of batch) statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    const after = rss();
    const unexpected = [...statuses.keys()].filter((s) => s < 400 && s !== 200 && s !== 303 && s !== 302 && s !== 401);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(unexpected).toEqual([]);
    // Every POST (all of them malformed or unauthenticated) got a 4xx.
    const posts = samples.filter((r) => r.method === 'POST');
    const postStatuses = await Promise.all(posts.slice(0, 200).map((r) => send(port, r)));
    expect(postStatuses.every((s) => s >= 400 && s < 500)).toBe(true);
    expect((await fetch(`${demo.url}/healthz`)).status).toBe(200);
    expect(after).toBeLessThan(before * 1.2);
  }, 180_000);
});
