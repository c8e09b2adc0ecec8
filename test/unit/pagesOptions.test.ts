import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStepGuardOptions } from '../../src/config';
import { StepGuardConfigError } from '../../src/errors';

const secrets = { pepper: 'p'.repeat(40), sessionSecret: 's'.repeat(40), encryptionKeys: { k1: Buffer.alloc(32, 7).toString('base64') } };
const layoutFile = (() => {
  const file = join(mkdtempSync(join(tmpdir(), 'sg-pages-')), 'layout.ejs');
  writeFileSync(file, '<%- body %>');
  return file;
})();

/** The error's message, which must name the option and the fix. */
function problemWith(pages: unknown, http?: Record<string, unknown>): string {
  try {
    parseStepGuardOptions({ secrets, environment: 'test', pages, ...(http ? { http } : {}) } as never);
  } catch (err) {
    expect(err).toBeInstanceOf(StepGuardConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a StepGuardConfigError');
}

describe('the pages option', () => {
  it('defaults to the stepguard document, light colours and the usual links', () => {
    const config = parseStepGuardOptions({ secrets, environment: 'test' });
    expect(config.pages).toEqual({ layoutFile: undefined, render: undefined, links: { home: '/', account: '/account', login: '/login' }, darkMode: false });
    expect(config.http.loginPath).toBe('/login');
  });

  it('keeps http.loginPath working: it becomes the login link', () => {
    const config = parseStepGuardOptions({ secrets, environment: 'test', http: { loginPath: '/sign-in' } });
    expect(config.pages.links.login).toBe('/sign-in');
  });

  it('takes pages.links.login as the login page for the guard’s redirects too', () => {
    const config = parseStepGuardOptions({ secrets, environment: 'test', pages: { links: { login: '/users/sign_in' } } } as never);
    expect(config.http.loginPath).toBe('/users/sign_in');
  });

  it('refuses a layout file and a render hook together', () => {
    expect(problemWith({ layoutFile, render: () => '' })).toMatch(/pages\.layoutFile: give either pages\.layoutFile .* or pages\.render .*, not both/);
  });

  it('names a layout file that is not there, and how to give it', () => {
    expect(problemWith({ layoutFile: 'views/no-such-layout.ejs' })).toMatch(/pages\.layoutFile: no file at ".*no-such-layout\.ejs"\. Give the path of an EJS layout/);
  });

  it('refuses unknown keys with a suggestion, like every option', () => {
    expect(problemWith({ lnks: { home: '/' } })).toMatch(/pages\.lnks: unknown option\. Did you mean `links`\?/);
    expect(problemWith({ links: { acount: '/me' } })).toMatch(/pages\.links\.acount: unknown option\. Did you mean `account`\?/);
  });

  it('refuses links that are not paths or http(s) URLs', () => {
    expect(problemWith({ links: { home: 'javascript:alert(1)' } })).toMatch(/pages\.links\.home: must be a path such as "\/account" or an http\(s\) URL/);
    expect(problemWith({ links: { account: '//evil.example/' } })).toMatch(/pages\.links\.account/);
    expect(problemWith({ links: { login: 'https://sso.example/login' } })).toMatch(/pages\.links\.login: must be a path on this site/);
  });

  it('refuses two different login pages', () => {
    expect(problemWith({ links: { login: '/a' } }, { loginPath: '/b' })).toMatch(/pages\.links\.login: "\/a" and http\.loginPath "\/b" name different login pages/);
  });

  it('checks the types of render and darkMode', () => {
    expect(problemWith({ render: 'layout.ejs' })).toMatch(/pages\.render: must be a function/);
    expect(problemWith({ darkMode: 'yes' })).toMatch(/pages\.darkMode: /);
  });

  it('accepts absolute links for home and account', () => {
    const config = parseStepGuardOptions({ secrets, environment: 'test', pages: { layoutFile, links: { home: 'https://example.com/', account: '/me' }, darkMode: true } } as never);
    expect(config.pages).toMatchObject({ layoutFile, links: { home: 'https://example.com/', account: '/me', login: '/login' }, darkMode: true });
  });
});
