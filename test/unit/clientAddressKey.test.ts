import fc from 'fast-check';
import { clientAddressKey, UNREADABLE_ADDRESS_KEY } from '../../src/core/net/clientAddressKey';

describe('clientAddressKey', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['192.000.002.007', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['::FFFF:192.0.2.7', '192.0.2.7'],
    ['::ffff:c000:207', '192.0.2.7'],
    ['0:0:0:0:0:ffff:c000:0207', '192.0.2.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8::/64'],
    ['fe80::1%eth0', 'fe80::/64'],
    ['::1', '::/64'],
    ['::', '::/64'],
    ['::192.0.2.7', '::/64'],
    ['2001:db8:1:2:3:4:192.0.2.7', '2001:db8:1:2::/64'],
  ])('%s -> %s', (ip, key) => {
    expect(clientAddressKey(ip)).toBe(key);
  });

  it('takes the prefix length', () => {
    expect(clientAddressKey('2001:db8:1:2:3:4:5:6', 48)).toBe('2001:db8:1::/48');
    expect(clientAddressKey('2001:db8:1:2:3:4:5:6', 56)).toBe('2001:db8:1::/56');
    expect(clientAddressKey('2001:db8:1:2ff:3:4:5:6', 56)).toBe('2001:db8:1:200::/56');
    expect(clientAddressKey('2001:db8:1:2:3:4:5:6', 128)).toBe('2001:db8:1:2:3:4:5:6/128');
    expect(clientAddressKey('192.0.2.7', 48)).toBe('192.0.2.7');
    expect(() => clientAddressKey('::1', 129)).toThrow(RangeError);
    expect(() => clientAddressKey('::1', 6.5)).toThrow(RangeError);
  });

  it.each(['', 'unknown', '1.2.3', '1.2.3.256', '1:2:3:4:5:6:7:8:9', '1::2::3', ':::', '12345::', 'g::1', '1:2:3:4:5:6:7', '::ffff:1.2.3', '1.2.3.4:', '1.2.3.4:80:1', '[1.2.3.4]:80', '2001:db8::1]:80'])(
    'counts the unreadable "%s" under one shared key',
    (ip) => {
      expect(clientAddressKey(ip)).toBe(UNREADABLE_ADDRESS_KEY);
    },
  );

  const group = fc.integer({ min: 0, max: 0xffff });
  const groups = fc.array(group, { minLength: 8, maxLength: 8 }).filter((g) => !(g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff));
  const full = (g: number[]) => g.map((x) => x.toString(16).padStart(4, '0')).join(':');

  it('gives every address in one /64 the same key, and addresses in different /64s different keys', () => {
    fc.assert(
      fc.property(groups, groups, (a, b) => {
        const sameNetwork = a.slice(0, 4).every((x, i) => x === b[i]);
        expect(clientAddressKey(full(a)) === clientAddressKey(full(b))).toBe(sameNetwork);
        const sibling = [...a.slice(0, 4), ...b.slice(4)];
        expect(clientAddressKey(full(sibling))).toBe(clientAddressKey(full(a)));
      }),
      { numRuns: 1000 },
    );
  });

  it('writes the network the way WHATWG URL (RFC 5952) writes an IPv6 address, whatever the spelling', () => {
    fc.assert(
      fc.property(groups, fc.boolean(), (g, compressed) => {
        const canonical = new URL(`http://[${full(g)}]/`).hostname.slice(1, -1);
        const spelt = compressed ? canonical : full(g).toUpperCase();
        expect(clientAddressKey(spelt, 128)).toBe(`${canonical}/128`);
      }),
      { numRuns: 1000 },
    );
  });

  it('treats IPv4-mapped IPv6 as the IPv4 address', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (octets) => {
        const v4 = octets.join('.');
        expect(clientAddressKey(`::ffff:${v4}`)).toBe(v4);
        expect(clientAddressKey(v4)).toBe(v4);
      }),
    );
  });
});
