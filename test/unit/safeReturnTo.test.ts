import { safeReturnTo } from '../../src/http/safeReturnTo';

describe('safeReturnTo', () => {
  it.each([
    ['/account', '/account'],
    ['/a/b?x=1#top', '/a/b?x=1#top'],
    ['/transfer/confirm', '/transfer/confirm'],
    ['/a/../b', '/b'],
  ])('keeps the same-origin path %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });

  it.each([
    'https://evil.example/',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    'evil.example',
    '/ok\r\nSet-Cookie: x=1',
    '/\tevil',
    '',
    '/'.padEnd(3000, 'a'),
  ])('refuses %j', (input) => {
    expect(safeReturnTo(input)).toBeNull();
  });

  it('refuses non-strings', () => {
    expect(safeReturnTo(['/account'])).toBeNull();
    expect(safeReturnTo({ toString: () => '/account' })).toBeNull();
    expect(safeReturnTo(undefined)).toBeNull();
  });
});
