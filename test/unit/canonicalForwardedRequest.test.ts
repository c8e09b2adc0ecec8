import fc from 'fast-check';
import {
  canonicalForwardedRequest,
  canonicalForwardedUrl,
  canonicalHost,
  canonicalPath,
  forwardAuthActionFor,
  type CanonicalForwardAuthRule,
} from '../../src/core/forward';
import { parseStepGuardOptions } from '../../src/config';

const RULES: CanonicalForwardAuthRule[] = [
  { hostname: 'payroll.example.test', pathPrefix: '/', action: 'factor_change' },
  { pathPrefix: '/admin', action: 'factor_change' },
  { pathPrefix: '/', action: 'login' },
];
const actionOf = (url: string, caseSensitivePaths = false) => {
  const read = canonicalForwardedUrl(url);
  if (!read.ok) throw new Error(`${url}: ${read.problem}`);
  return forwardAuthActionFor(RULES, read.request, { caseSensitivePaths });
};
const pathOf = (raw: string) => {
  const read = canonicalPath(raw);
  return read.ok ? read.path : `refused: ${read.problem}`;
};

// Characters that matter to path parsing, and a few that do not.
const pathChar = fc.constantFrom('/', '\\', '.', '%', '2', 'e', 'E', 'f', 'F', '5', 'c', 'C', 'a', 'A', 'd', 'm', 'i', 'n', 'N', '?', '#', ';', ' ', '~', 'é', '\u00c3', '\u00a9', '0', '1');
const pathLike = fc.array(pathChar, { maxLength: 30 }).map((chars) => `/${chars.join('')}`);
const hostLike = fc.constantFrom('payroll.example.test', 'PAYROLL.Example.Test.', 'app.example.test:8443', '[::1]:1', 'app.example.test', 'a..b', 'x:0', '0x7f.1');

describe('canonicalPath', () => {
  it.each([
    ['/ADMIN/payroll', '/ADMIN/payroll'],
    ['/admin/../admin/x', '/admin/x'],
    ['//admin', '/admin'],
    ['/%61dmin', '/admin'],
    ['/%2561dmin', '/%2561dmin'],
    ['\\admin\\x', '/admin/x'],
    ['/a/./b/../../admin', '/admin'],
    ['/../../admin', '/admin'],
    ['/%2e%2E/admin', '/admin'],
    ['/admin/', '/admin/'],
    ['/admin//', '/admin/'],
    ['/a/b/..', '/a/'],
    ['/', '/'],
    ['/caf%C3%A9 menu', '/caf%C3%A9%20menu'],
    ['/caf\u00c3\u00a9', '/caf%C3%A9'], // UTF-8 bytes as Node hands a header over (one character per byte)
    ['/a%3Fb%23c', '/a%3Fb%23c'],
    ['/a;b=c:d@e', '/a;b=c:d@e'],
  ])('%s -> %s', (raw, canonical) => {
    expect(pathOf(raw)).toBe(canonical);
  });

  it.each([
    ['/admin%2fx', /encoded slash/],
    ['/admin%2Fx', /encoded slash/],
    ['/admin%5cx', /encoded slash/],
    ['/admin%00', /control/],
    ['/ad%0d%0amin', /control/],
    ['/ad%7fmin', /control/],
    ['/ad%C2%80min', /control/],
    ['/%zz', /two hex digits/],
    ['/%4', /two hex digits/],
    ['/%C0%AF', /UTF-8/],
    ['/%FF', /UTF-8/],
    ['admin', /start with/],
    ['/\u2028', /HTTP header/],
  ])('refuses %s', (raw, problem) => {
    expect(pathOf(raw)).toMatch(problem);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(pathLike, (raw) => {
        const once = canonicalPath(raw);
        if (!once.ok) return;
        expect(canonicalPath(once.path)).toEqual(once);
      }),
      { numRuns: 500 },
    );
  });

  it('has one spelling: no empty, dot or encoded-dot segments, no backslash, ASCII only', () => {
    fc.assert(
      fc.property(pathLike, (raw) => {
        const once = canonicalPath(raw);
        if (!once.ok) return;
        expect(once.path).toMatch(/^\/[\x21-\x7e]*$/);
        expect(once.path).not.toMatch(/\/\/|\\|(^|\/)\.\.?(\/|$)|%(2[eEfF]|5[cC])|%[0-9A-F]?[a-f]/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('canonicalHost', () => {
  it.each([
    ['payroll.example.test', 'payroll.example.test', null],
    ['Payroll.Example.TEST.', 'payroll.example.test', null],
    ['payroll.example.test:1', 'payroll.example.test', 1],
    ['payroll.example.test.:8443', 'payroll.example.test', 8443],
    ['[::1]:443', '[::1]', 443],
    ['[0:0::1]', '[::1]', null],
    ['0x7f.1', '127.0.0.1', null],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example', null],
  ])('%s -> %s port %s', (raw, hostname, port) => {
    expect(canonicalHost(raw)).toEqual({ ok: true, hostname, port });
  });

  it.each(['', 'a..b', 'a.b..', '.a', 'a:0', 'a:65536', 'a:', 'a:1:2', 'a:+1', 'user@a', 'a%2eb', 'a,b', 'a b', 'bücher.example', '[::1', '[::1]x', '[zz]', '1.2.3.999', `${'a'.repeat(64)}.b`])('refuses "%s"', (raw) => {
    expect(canonicalHost(raw).ok).toBe(false);
  });
});

describe('canonicalForwardedUrl', () => {
  it('is idempotent on the whole URL', () => {
    fc.assert(
      fc.property(fc.constantFrom('http', 'https', 'HTTPS'), hostLike, pathLike, (scheme, host, path) => {
        const once = canonicalForwardedUrl(`${scheme}://${host}${path}`);
        if (!once.ok) return;
        expect(canonicalForwardedUrl(once.request.href)).toEqual(once);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the query as sent (encoded where a header byte is not printable ASCII) and drops a fragment', () => {
    const read = canonicalForwardedUrl('https://App.Example.Test.:443//a/../b?x=%2F&y=\u00e9 z#frag');
    expect(read).toEqual({
      ok: true,
      request: { scheme: 'https', hostname: 'app.example.test', port: 443, path: '/b', search: '?x=%2F&y=%E9%20z', href: 'https://app.example.test/b?x=%2F&y=%E9%20z' },
    });
  });

  it.each(['javascript:alert(1)', 'not a url', '//payroll.example.test/', 'http:/payroll.example.test/', 'http:\\\\payroll.example.test/', 'http://user:pw@payroll.example.test/', `http://a.test/${'x'.repeat(5000)}`])(
    'refuses %s',
    (raw) => {
      expect(canonicalForwardedUrl(raw).ok).toBe(false);
    },
  );
});

describe('forwardAuthActionFor', () => {
  it.each([
    ['http://payroll.example.test./run', 'factor_change'],
    ['http://payroll.example.test:1/run', 'factor_change'],
    ['http://app.example.test/ADMIN/payroll', 'factor_change'],
    ['http://app.example.test/Admin/payroll', 'factor_change'],
    ['http://app.example.test/admin/../admin/x', 'factor_change'],
    ['http://app.example.test//admin', 'factor_change'],
    ['http://app.example.test/%61dmin', 'factor_change'],
    ['http://app.example.test/admin', 'factor_change'],
    ['http://app.example.test/administrator', 'login'],
    ['http://app.example.test/admin-panel', 'login'],
    ['http://app.example.test/', 'login'],
  ])('%s -> %s', (url, action) => {
    expect(actionOf(url)).toBe(action);
  });

  it('compares paths case-sensitively when told to, host names never', () => {
    expect(actionOf('http://app.example.test/ADMIN/payroll', true)).toBe('login');
    expect(actionOf('http://app.example.test/%61dmin', true)).toBe('factor_change');
    expect(actionOf('http://PAYROLL.example.test/x', true)).toBe('factor_change');
  });

  it('matches a rule naming a port on that port only', () => {
    const rules: CanonicalForwardAuthRule[] = [{ hostname: 'a.test', port: 8443, pathPrefix: '/', action: 'factor_change' }, { pathPrefix: '/', action: 'login' }];
    const of = (url: string) => {
      const read = canonicalForwardedUrl(url);
      return read.ok ? forwardAuthActionFor(rules, read.request, { caseSensitivePaths: false }) : read.problem;
    };
    expect(of('https://a.test:8443/')).toBe('factor_change');
    expect(of('https://a.test/')).toBe('login');
  });

  // Every way of writing a path under /admin: case, escapes, dot segments, repeated slashes, backslashes.
  const adminVariant = fc
    .tuple(
      fc.array(fc.constantFrom('x', 'payroll', 'a b', 'é', '.hidden', '..x'), { maxLength: 3 }),
      fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      fc.array(fc.nat(4), { minLength: 40, maxLength: 40 }),
    )
    .map(([tail, upper, noise]) => {
      const segments = ['admin', ...tail];
      let out = '';
      segments.forEach((segment, i) => {
        const n = noise[i] ?? 0;
        const slash = n === 1 ? '\\' : '/';
        out += n === 2 ? `${slash}/` : slash; // a repeated slash
        if (n === 3) out += `./`; // a single-dot segment
        if (n === 4) out += `decoy${slash}..${slash}`; // in and out of another directory
        out += [...segment]
          .map((char, j) => {
            const k = (i * 7 + j) % 40;
            const cased = upper[k] ? char.toUpperCase() : char;
            if (noise[k] === 0 && /[a-z. ]/i.test(cased)) return `%${cased.charCodeAt(0).toString(16)}`;
            return char === ' ' ? '%20' : char === 'é' ? '%C3%A9' : cased;
          })
          .join('');
      });
      return out;
    });

  it('sends every spelling of a path under /admin to the /admin rule', () => {
    fc.assert(
      fc.property(adminVariant, (path) => {
        expect(actionOf(`http://app.example.test${path}`)).toBe('factor_change');
      }),
      { numRuns: 500 },
    );
  });

  it('applies the /admin rule exactly when the canonical path is under /admin', () => {
    const rules: CanonicalForwardAuthRule[] = [{ pathPrefix: '/admin', action: 'factor_change' }, { pathPrefix: '/', action: 'login' }];
    fc.assert(
      fc.property(fc.oneof(adminVariant, pathLike), (raw) => {
        const read = canonicalForwardedUrl(`http://app.example.test${raw}`);
        if (!read.ok) return;
        const under = /^\/admin(\/|$)/i.test(read.request.path);
        expect(forwardAuthActionFor(rules, read.request, { caseSensitivePaths: false })).toBe(under ? 'factor_change' : 'login');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('canonicalForwardedRequest', () => {
  it('reads nginx and Traefik headers into the same canonical request', () => {
    const nginx = canonicalForwardedRequest({ 'x-original-url': ['https://PAYROLL.example.test.//a/./b?q'] });
    const traefik = canonicalForwardedRequest({ 'x-forwarded-proto': ['HTTPS'], 'x-forwarded-host': ['payroll.example.test'], 'x-forwarded-uri': ['/a//b?q'] });
    expect(nginx).toEqual(traefik);
    expect(nginx).toMatchObject({ ok: true, request: { href: 'https://payroll.example.test/a/b?q' } });
  });

  it.each([
    [{}, 'X-Original-URL'],
    [{ 'x-forwarded-host': ['a.test'] }, 'X-Original-URL'],
    [{ 'x-original-url': ['http://a.test/', 'http://b.test/'] }, 'X-Original-URL'],
    [{ 'x-original-url': ['http://a.test/'], 'x-forwarded-host': ['b.test'] }, 'X-Forwarded-Host'],
    [{ 'x-original-url': ['http://a.test/x'], 'x-forwarded-uri': ['/admin'] }, 'X-Forwarded-Uri'],
    [{ 'x-original-url': ['http://a.test/x'], 'x-forwarded-proto': ['ftp'] }, 'X-Forwarded-Proto'],
    [{ 'x-forwarded-host': ['a.test', 'b.test'], 'x-forwarded-uri': ['/'] }, 'X-Forwarded-Host'],
    [{ 'x-forwarded-host': ['a.test/admin'], 'x-forwarded-uri': ['/'] }, 'X-Forwarded-Host'],
    [{ 'x-forwarded-host': ['u@a.test'], 'x-forwarded-uri': ['/'] }, 'X-Forwarded-Host'],
    [{ 'x-forwarded-host': ['a.test'], 'x-forwarded-uri': ['admin'] }, 'X-Forwarded-Uri'],
    [{ 'x-forwarded-host': ['a.test'], 'x-forwarded-uri': ['/a%2fb'] }, 'X-Forwarded-Uri'],
  ])('refuses %j, naming %s', (headers, field) => {
    expect(canonicalForwardedRequest(headers)).toMatchObject({ ok: false, field, problem: expect.any(String) });
  });
});

describe('forwardAuth rules at start-up', () => {
  const secrets = { pepper: 'p'.repeat(40), sessionSecret: 's'.repeat(40) };
  const parse = (rules: { host?: string; pathPrefix: string; action: string }[]) => parseStepGuardOptions({ secrets, environment: 'test', forwardAuth: { rules } });

  it('puts rules in the canonical form requests are matched in', () => {
    const config = parse([
      { host: 'Payroll.Example.TEST.', pathPrefix: '/Admin/', action: 'factor_change' },
      { host: 'app.example.test:8443', pathPrefix: '//reports/./%61ll', action: 'factor_change' },
      { pathPrefix: '/', action: 'login' },
    ]);
    expect(config.forwardAuth).toEqual({
      caseSensitivePaths: false,
      identityHeaders: { user: 'Remote-User', email: 'Remote-Email', name: 'Remote-Name', groups: 'Remote-Groups' },
      rules: [
        { hostname: 'payroll.example.test', pathPrefix: '/Admin', action: 'factor_change' },
        { hostname: 'app.example.test', port: 8443, pathPrefix: '/reports/all', action: 'factor_change' },
        { pathPrefix: '/', action: 'login' },
      ],
    });
  });

  it.each([
    [{ host: 'https://payroll.example.test', pathPrefix: '/', action: 'login' }, /forwardAuth\.rules\[0\]\.host: "https:\/\/payroll\.example\.test"/],
    [{ host: 'payroll.example.test:99999', pathPrefix: '/', action: 'login' }, /forwardAuth\.rules\[0\]\.host: .*port/],
    [{ host: 'pay roll', pathPrefix: '/', action: 'login' }, /forwardAuth\.rules\[0\]\.host/],
    [{ pathPrefix: '/a%2Fb', action: 'login' }, /forwardAuth\.rules\[0\]\.pathPrefix: "\/a%2Fb" .*encoded slash/],
    [{ pathPrefix: '/admin?x=1', action: 'login' }, /forwardAuth\.rules\[0\]\.pathPrefix: .*query/],
    [{ pathPrefix: '/a%00', action: 'login' }, /forwardAuth\.rules\[0\]\.pathPrefix: .*control/],
    [{ pathPrefix: '/', action: 'constructor' }, /forwardAuth\.rules\[0\]\.action: unknown action "constructor"/],
  ])('refuses %j, naming the option', (rule, message) => {
    expect(() => parse([rule])).toThrow(message);
  });

  it('takes caseSensitivePaths', () => {
    const config = parseStepGuardOptions({ secrets, environment: 'test', forwardAuth: { caseSensitivePaths: true } });
    expect(config.forwardAuth.caseSensitivePaths).toBe(true);
  });
});
