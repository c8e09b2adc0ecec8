import fc from 'fast-check';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import { basePathMatcher } from '../../src/http/basePathMatcher';

/**
 * The mount skips stepguard's router for requests basePathMatcher says are elsewhere (issue 12).
 * Had it said "elsewhere" for a path Express routes to `app.use(basePath, ...)`, a stepguard
 * route would silently become the host's 404 — or a host route shadowing it would answer
 * instead. So: for every path, whenever Express enters the mount, the matcher says yes.
 */
const BASES = ['/auth/2fa', '/Auth/2FA', '/mfa', '/a/b-c_d/', '/'];

function startExpress(base: string): Promise<Server> {
  const app = express();
  app.use(base, (_req, res) => void res.type('text').send('in'));
  app.use((_req, res) => void res.type('text').send('out'));
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** The raw request target as sent (no client-side normalisation): Express's own view of it. */
function routedInside(server: Server, path: string): Promise<boolean> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body === 'in'));
    });
    req.on('error', reject);
    req.end();
  });
}

// Paths built from the base's own pieces, their case changed, with separators, dots, encodings
// and non-ASCII look-alikes (the Kelvin sign, the long s, a dotted capital I).
const piece = fc.constantFrom('auth', 'AUTH', 'Auth', '2fa', '2FA', 'mfa', 'MFA', 'a', 'b-c_d', 'B-C_D', 'x', '', '.', '..', '%2F', '%2f', 'auth%2F2fa', 'ſ', 'K', 'İ', 'sms', 'verify');
const path = fc
  .tuple(fc.array(piece, { minLength: 0, maxLength: 5 }), fc.constantFrom('', '/', '?q=1', '/?a=b', '#x'), fc.boolean())
  .map(([parts, tail, doubleSlash]) => `${doubleSlash ? '/' : ''}/${parts.join('/')}${tail}`.replace(/#.*$/, ''))
  .map((p) => encodeURI(decodeURIComponentSafe(p)) === p ? p : p.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)));

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

describe('basePathMatcher never says "elsewhere" for a path Express routes under the base path', () => {
  for (const base of BASES) {
    it(`base ${base}`, async () => {
      const server = await startExpress(base);
      const under = basePathMatcher(base);
      try {
        await fc.assert(
          fc.asyncProperty(path, async (p) => {
            const inside = await routedInside(server, p);
            const pathname = p.split('?')[0] as string;
            if (inside) expect(under(pathname)).toBe(true);
            // And it is not a yes to everything: the exact base and a sibling are told apart.
            return true;
          }),
          { numRuns: 150 },
        );
        const b = base.replace(/\/+$/, '');
        if (b) {
          expect(under(`${b}/sms/send`)).toBe(true);
          expect(under(b.toUpperCase())).toBe(true);
          expect(under(`${b}x`)).toBe(false);
          expect(under('/account')).toBe(false);
          expect(await routedInside(server, `${b}x`)).toBe(false);
        }
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  }
});
