import fc from 'fast-check';

/** The inputs from issue 16 that normalised to `//evil.example/...` (an open redirect). */
export const EXPLOIT_RETURN_TOS = ['/.//evil.example/phish', '/%2e%2e//evil.example/phish', '/a/..//evil.example/phish'] as const;

/** Pieces an attacker splices together: dot segments, encodings, slashes both ways, controls, userinfo, schemes. */
const PIECES = [
  '/', '//', '///', '\\', '/\\', '\\/', '\\\\', '.', '..', './', '../', '/./', '/../', '/.//', '/..//',
  '%2e', '%2E', '%2e%2e', '.%2e', '%2e.', '%2f', '%2F', '%5c', '%5C', '%252e', '%00', '%09', '%0a',
  '\t', '\n', '\r', '\u0000', '\u007f', ' ', '\u00a0', '\u3002', '\uff0e', '\uff0f', '\u2215',
  '@', 'user:pass@', 'evil.example', 'evil.example.', 'localhost', '127.0.0.1', '[::1]', ':80', ':443', ':1',
  'http:', 'https:', 'http://', 'https://', 'HTTP://', 'javascript:', 'data:', 'file:', 'blob:', 'ws:', ':',
  '?', '#', '&', ';', '=', '%', 'a', 'b', 'account', 'phish', '\u00e9', '\ud83d\ude00',
];

/** Strings built from {@link PIECES}, most of them starting with `/` as a returnTo would. */
export const trickyReturnTo: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('/', '/', '/', '', '//', '\\', '/\\', 'http://evil.example', 'https:'), fc.array(fc.constantFrom(...PIECES), { maxLength: 10 }))
  .map(([head, parts]) => head + parts.join(''));

/** Arbitrary strings (any code points), tricky ones, and web URLs and paths. */
export const anyReturnTo: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `/${s}`) },
  { weight: 4, arbitrary: trickyReturnTo },
  { weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  { weight: 1, arbitrary: fc.webPath() },
);
