import fc from 'fast-check';
import { safeReturnTo } from '../../src/http/safeReturnTo';
import { anyReturnTo, EXPLOIT_RETURN_TOS, trickyReturnTo } from '../helpers/returnToInputs';

const APP = 'https://app.example';
const UPSTREAM = 'https://payroll.example';

/** What every accepted path must be: on the origin it is resolved against, never `//host` or `/\host`. */
function expectSameOriginPath(r: string, origin: string): void {
  expect(r.startsWith('/')).toBe(true);
  expect(r.startsWith('//')).toBe(false);
  expect(r.startsWith('/\\')).toBe(false);
  expect(new URL(r, origin).origin).toBe(origin);
  // Safe to put in a Location header as is.
  expect(r).toMatch(/^[\x21-\x7e]+$/);
}

describe('safeReturnTo (properties)', () => {
  it.each(EXPLOIT_RETURN_TOS)('refuses the issue-16 exploit %s', (input) => {
    expect(safeReturnTo(input)).toBeNull();
    expect(safeReturnTo(input, [APP])).toBeNull();
  });

  it('for any string, an accepted path stays on the origin it is resolved against', () => {
    fc.assert(
      fc.property(anyReturnTo, (s) => {
        const r = safeReturnTo(s);
        if (r === null) return;
        expectSameOriginPath(r, APP);
        expectSameOriginPath(r, 'http://localhost:3000');
      }),
      { numRuns: 4_000 },
    );
  });

  it('for tricky strings (dot segments, %2e, backslashes, controls, //, userinfo, schemes) too', () => {
    fc.assert(
      fc.property(trickyReturnTo, (s) => {
        const r = safeReturnTo(s, [APP]);
        if (r === null) return;
        expectSameOriginPath(r, APP);
      }),
      { numRuns: 4_000 },
    );
  });

  it('with allowed origins, an accepted value is a same-origin path or a URL on an allowed origin', () => {
    fc.assert(
      fc.property(fc.oneof(anyReturnTo, trickyReturnTo.map((s) => `${UPSTREAM}${s}`), trickyReturnTo.map((s) => `${APP}${s}`)), (s) => {
        const r = safeReturnTo(s, [APP, UPSTREAM]);
        if (r === null) return;
        if (r.startsWith('/')) return expectSameOriginPath(r, APP);
        expect([APP, UPSTREAM]).toContain(new URL(r).origin);
        expect(r).toMatch(/^[\x21-\x7e]+$/);
      }),
      { numRuns: 3_000 },
    );
  });

  it('is idempotent: an accepted value is accepted again unchanged', () => {
    fc.assert(
      fc.property(anyReturnTo, (s) => {
        const r = safeReturnTo(s, [APP]);
        if (r !== null) expect(safeReturnTo(r, [APP])).toBe(r);
      }),
      { numRuns: 3_000 },
    );
  });

  it('still accepts ordinary paths (the property is not met by refusing everything)', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.option(segment), (segments, query) => {
        const path = `/${segments.join('/')}${query ? `?q=${query}` : ''}`;
        expect(safeReturnTo(path)).toBe(path);
      }),
    );
  });
});
