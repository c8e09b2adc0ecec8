import fc from 'fast-check';
import { validateHeaderValue } from 'node:http';
import { headerValue, IdentityTooLargeError, identityHeaders } from '../../src/core/forward/identityHeaders';

const NAMES = { user: 'Remote-User', email: 'Remote-Email', name: 'Remote-Name', groups: 'Remote-Groups' };

describe('forward-auth identity headers', () => {
  it('carry the username, e-mail, name and groups; the id only when there is no username', () => {
    expect(identityHeaders('u1', { username: 'alice', email: 'alice@example.com', name: 'Alice Liddell', groups: ['admins', 'dev'] }, NAMES)).toEqual({
      'Remote-User': 'alice',
      'Remote-Email': 'alice@example.com',
      'Remote-Name': 'Alice Liddell',
      'Remote-Groups': 'admins,dev',
    });
    expect(identityHeaders('u1', null, NAMES)).toEqual({ 'Remote-User': 'u1' });
    expect(identityHeaders('u1', { username: '  ' }, { ...NAMES, user: 'X-Forwarded-User' })).toEqual({ 'X-Forwarded-User': 'u1' });
  });

  it('cannot split a header or add a group: control characters, UTF-8 and % are percent-encoded, commas in a group too', () => {
    const headers = identityHeaders('u1', { username: 'eve\r\nRemote-Groups: admins', name: 'Zoë', groups: ['a,admins', 'b'] }, NAMES);
    expect(headers['Remote-User']).toBe('eve%0D%0ARemote-Groups%3A%20admins');
    expect(headers['Remote-Name']).toBe('Zo%C3%AB');
    expect(headers['Remote-Groups']).toBe('a%2Cadmins,b');
    expect(headers['Remote-Groups']?.split(',')).toHaveLength(2);
  });

  it('every value is a valid header value that decodes back to what the host said', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)), maxLength: 6 })), (raw) => {
        const value = headerValue(raw);
        expect(() => validateHeaderValue('x-test', value)).not.toThrow();
        expect(value).not.toMatch(/[\r\n\0]/);
        expect(decodeURIComponent(value)).toBe(raw.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
      }),
      { numRuns: 300 },
    );
    // Half a UTF-16 pair does not throw.
    expect(headerValue('a\uD800b')).toBe('a%EF%BF%BDb');
  });

  it('values over 1 KiB and non-strings are left out rather than sent; a long username falls back to the id', () => {
    const headers = identityHeaders('u1', { username: 'alice', email: 'x'.repeat(2000), groups: [7, 'ok'] as never }, NAMES);
    expect(headers).toEqual({ 'Remote-User': 'alice', 'Remote-Groups': 'ok' });
    expect(identityHeaders('u1', { username: 'a'.repeat(2000) }, NAMES)).toEqual({ 'Remote-User': 'u1' });
  });

  it('groups too many for a header fail the check closed rather than send a partial list', () => {
    expect(() => identityHeaders('u1', { username: 'alice', groups: Array.from({ length: 1000 }, (_, i) => `group-${i}`) }, NAMES)).toThrow(IdentityTooLargeError);
  });

  it('spaces at either end are kept, encoded: " alice" is never announced as "alice"', () => {
    expect(identityHeaders('u1', { username: ' alice', groups: [' admins '] }, NAMES)).toEqual({ 'Remote-User': '%20alice', 'Remote-Groups': '%20admins%20' });
  });
});
