import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import type { Request } from 'express';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { fakeSessionRequest } from '../helpers/fakeSessionRequest';
import { forwardedFrom, guardedReadFrom } from '../helpers/forwardedFrom';
import { canonicalClientAddress, clientAddressKey } from '../../src/core/net/clientAddressKey';
import { readClientAddress } from '../../src/core/net/parseIp';
import { ipListFrom, normalizeIp } from '../../src/risk/ipList';
import type { StepGuardService } from '../../src/service/createStepGuardService';
import { sessionLive, sessionLoadingHook } from '../../src/http/sessionLiveness';

/**
 * Red team, session 9: two changes.
 * - 7f36d87: a client address in NAT64's well-known prefix 64:ff9b::/96 (RFC 6052) is read as the
 *   IPv4 client embedded in it (readClientAddress) by the budgets, the risk IP lists, geo and the
 *   cached risk decision; IPv6 list entries written inside 64:ff9b::/96 are meant to keep covering
 *   translated clients and never native IPv4 ones.
 * - ca1d9c8: a shared revocation read (the prefetch) that failed is read once more, and dropped.
 * Attackers: a password-only thief, an old cookie, another user, and above all a bot with many
 * addresses. req.ip is what a trusted proxy wrote (trust proxy on, X-Forwarded-For): the
 * spellings below model what a proxy or a translator writes.
 */

const from = forwardedFrom;

describe('red team session 9: NAT64 addresses against the risk IP lists over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      trustProxy: true,
      guardOptions: {
        risk: {
          // An IPv4 denied range; an IPv6 entry written in the NAT64 prefix (the translated form of
          // 198.51.100.0/24, which native IPv4 must never match); nothing else.
          ipDenyList: ['203.0.113.0/24', '64:ff9b::198.51.100.0/120'],
        },
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const accountFrom = (ip: string) => guardedReadFrom(t, ip);

  // HELD: a denied IPv4 client arriving through a translator (WKP), in every spelling a proxy or
  // translator can write (case, leading zeros, hex tail, brackets with a port, a zone), is denied.
  it.each([
    '64:ff9b::203.0.113.7',
    '64:FF9B::CB00:7107',
    '0064:ff9b:0000:0000:0000:0000:cb00:7107',
    '64:ff9b:0:0:0:0:203.0.113.7',
    '64:ff9b::203.000.113.007',
    '[64:ff9b::203.0.113.7]',
    '[64:ff9b::203.0.113.7]:443',
    '64:ff9b::203.0.113.7%eth0',
  ])('a denied IPv4 client translated as %s is refused with 403', async (ip) => {
    const res = await accountFrom(ip);
    expect([ip, res.status, res.body.error?.code]).toEqual([ip, 403, 'access_denied']);
  });

  // HELD: an IPv6 entry written inside 64:ff9b::/96 never denies a client that arrives over plain
  // IPv4 (nor its dual-stack mapped spelling).
  it.each(['198.51.100.9', '::ffff:198.51.100.9', '::ffff:c633:6409'])('native IPv4 client %s is not denied by the NAT64-prefix entry', async (ip) => {
    // 401: step-up asked as for any client (a denied one gets 403 access_denied).
    const res = await accountFrom(ip);
    expect([ip, res.status, res.body.error?.code === 'access_denied']).toEqual([ip, 401, false]);
  });

  // FIXED in session 9 (the engine gives the lists req.ip as it came; the cached decision is tied
  // to decisionContextAddress, which keeps the translated form). Was a
  // FINDING (medium, regression of 7f36d87; bypass of IPv6 deny/Tor/data-centre entries in or
  // around the NAT64 prefix). The risk engine asks the lists with normalizeIp(req.ip)
  // (createRiskEngine.ts collectSignals and listedAddress), and normalizeIp now turns
  // 64:ff9b::198.51.100.9 into the string "198.51.100.9": the IPv6 form is gone before the list's
  // has() can hold it to `64:ff9b::198.51.100.0/120`. So every IPv6 entry that is meant to cover
  // translated clients (entries in 64:ff9b::/96, and wider ones such as 64:ff9b::/64, ::/0) no
  // longer matches anyone through the engine; before 7f36d87 they did. Reproduction: deny list
  // ['64:ff9b::198.51.100.0/120'], trust proxy, X-Forwarded-For: 64:ff9b::198.51.100.9, GET
  // /account after login: 401 step-up, as any clean client (expected 403 access_denied). The list itself answers right (test below): only
  // the engine's pre-normalisation loses the translated form.
  // Fix: ask the lists with req.ip as it came (has() reads it with readClientAddress itself), not
  // with normalizeIp(req.ip); keep normalizeIp for geo and the cache key.
  it('a translated client inside an IPv6 deny entry written in 64:ff9b::/96 is refused', async () => {
    const res = await accountFrom('64:ff9b::198.51.100.9');
    expect(res.status).toBe(403);
  });

  // The finding's second step: once the lists see the translated form, a decision cached while
  // the session came over plain IPv4 must not be reused when it comes back through the translator
  // (listed there) within decisionCacheSeconds.
  it('a decision cached over plain IPv4 is not reused when the same session comes back translated and listed', async () => {
    const c = await t.client();
    await c.login().set(from('198.51.100.9')).expect(200);
    const native = await c.get('/account').set(from('198.51.100.9'));
    expect([native.status, native.body.error?.code === 'access_denied']).toEqual([401, false]);
    const translated = await c.get('/account').set(from('64:ff9b::198.51.100.9'));
    expect([translated.status, translated.body.error?.code]).toEqual([403, 'access_denied']);
  });

  // Pins the finding's mechanism: the list alone holds it; the string the engine passes does not.
  it('the list holds the translated form; normalizeIp hands the engine a string it does not (mechanism of the finding)', () => {
    const list = ipListFrom(['64:ff9b::198.51.100.0/120']);
    expect(list.has('64:ff9b::198.51.100.9')).toBe(true);
    expect(normalizeIp('64:ff9b::198.51.100.9')).toBe('198.51.100.9');
    expect(list.has(normalizeIp('64:ff9b::198.51.100.9'))).toBe(false);
  });
});

describe('red team session 9: a bogon entry 64:ff9b::/96 over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ trustProxy: true, guardOptions: { risk: { ipDenyList: ['64:ff9b::/96', '64:ff9b:1::/48'] } } });
  });
  afterAll(async () => {
    await t.close();
  });

  // HELD: a martian/bogon list's 64:ff9b::/96 does not become 0.0.0.0/0: no native IPv4 client is denied.
  it.each(['192.0.2.7', '::ffff:192.0.2.7', '8.8.8.8', '0.0.0.0', '255.255.255.255'])('native IPv4 client %s is not denied by a bogon 64:ff9b::/96', async (ip) => {
    const c = await t.client();
    await c.login().set(from(ip)).expect(200);
    const res = await c.get('/account').set(from(ip));
    expect([ip, res.status, res.body.error?.code === 'access_denied']).toEqual([ip, 401, false]);
  });

  // FIXED in session 9 (see above). Was a
  // FINDING (same medium one as above, seen from a bogon list): the operator's `64:ff9b::/96`
  // entry is documented to cover translated clients, but through the engine it covers none.
  // Reproduction: deny ['64:ff9b::/96'], X-Forwarded-For: 64:ff9b::192.0.2.7 -> 401 (expected 403).
  it('a translated client is denied by a 64:ff9b::/96 entry', async () => {
    const c = await t.client();
    await c.login().set(from('10.9.9.9')).expect(200);
    const res = await c.get('/account').set(from('64:ff9b::192.0.2.7'));
    expect([res.status, res.body.error?.code]).toEqual([403, 'access_denied']);
  });
});

describe('red team session 9: the first-factor address budget over HTTP (a bot with many addresses)', () => {
  // HELD: a bot that respells one translated client (case, zeros, hex tail, brackets and port, zone)
  // gets no fresh address budget: after its free failures, even the right password from the native
  // IPv4 spelling of that client waits (429), while another client is untouched. And a bot cycling
  // addresses in a neighbouring prefix (group 5 set: one /64) spends one budget, not one per address.
  it('respelling a translated client or cycling a neighbouring /64 buys no fresh budget', async () => {
    const t = await createTestApp({ trustProxy: true, guardOptions: { firstFactor: { address: { freeFailures: 3 } } } });
    try {
      const spellings = ['64:ff9b::198.51.100.9', '64:FF9B::C633:6409', '[64:ff9b::c633:6409]:443', '0064:ff9b:0:0:0:0:198.51.100.9', '64:ff9b::198.51.100.9%eth0'];
      for (const [i, ip] of spellings.entries()) await (await t.client()).login(`bot-a${i}`, 'wrong-password').set(from(ip));
      const same = await (await t.client()).login().set(from('198.51.100.9'));
      const other = await (await t.client()).login().set(from('203.0.113.50'));
      expect([same.status, other.status]).toEqual([429, 200]);

      for (let i = 1; i <= 5; i += 1) await (await t.client()).login(`bot-b${i}`, 'wrong-password').set(from(`64:ff9b::${i}:c633:640${i}`));
      const neighbour = await (await t.client()).login().set(from('64:ff9b::99:1:2'));
      const translated = await (await t.client()).login().set(from('64:ff9b::203.0.113.51'));
      expect([neighbour.status, translated.status]).toEqual([429, 200]);
    } finally {
      await t.close();
    }
  });
});

describe('red team session 9: NAT64 and the per-address budget key (unit)', () => {
  // HELD: every spelling of one translated client shares the IPv4 client's key, and no spelling
  // inside 64:ff9b::/96 gets a key of its own.
  it.each([
    '64:ff9b::203.0.113.7',
    '64:FF9B::CB00:7107',
    '0064:ff9b:0000:0000:0000:0000:cb00:7107',
    '64:ff9b::203.000.113.007',
    '[64:ff9b::203.0.113.7]:443',
    '64:ff9b::203.0.113.7%eth0',
    '[64:ff9b::cb00:7107%25eth0]',
    '203.0.113.7',
    '::ffff:203.0.113.7',
    '203.0.113.7:51234',
  ])('%s counts under 203.0.113.7', (ip) => {
    expect([ip, clientAddressKey(ip), clientAddressKey(ip, 128), clientAddressKey(ip, 48)]).toEqual([ip, '203.0.113.7', '203.0.113.7', '203.0.113.7']);
  });

  // HELD: neighbours of the well-known prefix stay IPv6 and count per /64, so a bot there gets one
  // key per /64 (as before), never one per embedded IPv4 address, and never an IPv4 client's key.
  it.each([
    ['64:ff9b:0:0:0:1:cb00:7107', '64:ff9b::/64'], // group 5 non-zero
    ['64:ff9b:0:0:1::cb00:7107', '64:ff9b::/64'], // group 4 non-zero
    ['64:ff9b:0:1::cb00:7107', '64:ff9b:0:1::/64'], // group 3 non-zero
    ['64:ff9b:1::cb00:7107', '64:ff9b:1::/64'], // RFC 8215 local-use
    ['64:ff9b:1::203.0.113.8', '64:ff9b:1::/64'],
    ['::ffff:0:203.0.113.7', '::/64'], // SIIT IPv4-translated (::ffff:0:0:0/96)
    ['::203.0.113.7', '::/64'], // IPv4-compatible
    ['65:ff9b::cb00:7107', '65:ff9b::/64'],
  ])('%s counts under %s', (ip, key) => {
    expect(clientAddressKey(ip)).toBe(key);
  });

  // HELD: a bot cycling the embedded address inside a neighbouring prefix stays on one key.
  it('10,000 embedded addresses under 64:ff9b:1::/96 or with group 5 set share one key each', () => {
    const keys1 = new Set<string>();
    const keys2 = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) {
      keys1.add(clientAddressKey(`64:ff9b:1::${(i >> 8) & 255}.${i & 255}.1.2`));
      keys2.add(clientAddressKey(`64:ff9b::1:${(i & 0xffff).toString(16)}:1`));
    }
    expect([keys1.size, keys2.size]).toEqual([1, 1]);
  });

  // FINDING (low, scope limit of 7f36d87, deployment-dependent): only the well-known prefix is read
  // as IPv4. A translator using a network-specific prefix (RFC 6052 NSP, or RFC 8215's local-use
  // 64:ff9b:1::/48, which RFC 6052 forbids the WKP for non-global IPv4 and operators therefore
  // use) hands the server every IPv4 client as an address in one /64: reproduction
  // clientAddressKey('64:ff9b:1::203.0.113.7') === clientAddressKey('64:ff9b:1::198.51.100.1') ===
  // '64:ff9b:1::/64' and ipListFrom(['203.0.113.0/24']).has('64:ff9b:1::203.0.113.7') === false.
  // A bot with many IPv4 addresses behind such a translator spends one shared SMS/login budget
  // (locking out every other translated client) and is in no IPv4 list: the session-8 finding,
  // unchanged for NSP deployments. Fix: an option (e.g. risk.nat64Prefixes, validated in config.ts,
  // /96 prefixes only or with RFC 6052's u-octet handling) naming the translator's prefixes, read by
  // readClientAddress like the WKP.
  it.skip('a client translated under a network-specific prefix (64:ff9b:1::/96) counts and is listed as its IPv4 address (FINDING)', () => {
    expect(clientAddressKey('64:ff9b:1::203.0.113.7')).toBe('203.0.113.7');
    expect(ipListFrom(['203.0.113.0/24']).has('64:ff9b:1::203.0.113.7')).toBe(true);
  });

  // HELD: budgets, lists, geo and the decision cache agree on one translated client: the key, the
  // canonical address and the IPv4 list lookup name the same IPv4 client, for any embedded address.
  it('key, canonical address and IPv4 list agree for every translated address (property)', () => {
    fc.assert(
      fc.property(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)), fc.boolean(), ([a, b, c, d], hex) => {
        const v4 = `${a}.${b}.${c}.${d}`;
        const tail = hex ? `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}` : v4;
        const nat64 = `64:ff9b::${tail}`;
        const list = ipListFrom([`${v4}/32`]);
        expect([clientAddressKey(nat64), canonicalClientAddress(nat64), normalizeIp(nat64), list.has(nat64), list.has(v4)]).toEqual([v4, v4, v4, true, true]);
        // The key is idempotent over the canonical form: the decision cache and the budget never split.
        expect(clientAddressKey(canonicalClientAddress(nat64) as string)).toBe(clientAddressKey(nat64));
      }),
      { numRuns: 2000 },
    );
  });

  // HELD: the fast path (COMMON_IPV4) and the general parser read every IPv4 spelling alike
  // (leading zeros, case of ::FFFF:, out-of-range octets), and NAT64's tail is read by the same rules.
  it('the COMMON_IPV4 fast path agrees with the general parser and with the NAT64 reading (property)', () => {
    const octet = fc.oneof(fc.nat(255).map(String), fc.nat(999).map((n) => String(n).padStart(3, '0')), fc.nat(99).map((n) => `0${n}`));
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), fc.constantFrom('::ffff:', '::FFFF:', ''), (parts, prefix) => {
        const v4 = parts.join('.');
        const fast = readClientAddress(`${prefix}${v4}`);
        // Same text through the general parser: a spelling COMMON_IPV4 does not match.
        const general = readClientAddress(`0:0:0:0:0:ffff:${v4}`);
        const viaPort = readClientAddress(`${v4}:1`);
        const nat64 = readClientAddress(`64:ff9b::${v4}`);
        const octets = (x: ReturnType<typeof readClientAddress>) => (x && x.family === 4 ? x.octets : null);
        expect(octets(fast)).toEqual(octets(general));
        expect(octets(fast)).toEqual(octets(viaPort));
        expect(octets(fast)).toEqual(octets(nat64));
        expect(clientAddressKey(`${prefix}${v4}`)).toBe(clientAddressKey(`64:ff9b::${v4}`));
      }),
      { numRuns: 3000 },
    );
  });

  // HELD: nothing throws on arbitrary text, and a header-sized input is read in linear time.
  it('no input throws; 16 KB of colons, dots and digits is read in well under a millisecond per KB', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.[]%/ff9b64'.split('')), maxLength: 60 }), (text) => {
        expect(() => clientAddressKey(text)).not.toThrow();
        expect(() => normalizeIp(text)).not.toThrow();
        expect(() => ipListFrom(['64:ff9b::/96', '10.0.0.0/8']).has(text)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
    const list = ipListFrom(['64:ff9b::/96', '10.0.0.0/8', '::/0']);
    const inputs = ['64:ff9b:' + ':'.repeat(16_000), '64:ff9b::' + '1.'.repeat(8_000), '[' + '64:ff9b::1%'.repeat(1_400) + ']:443', '64:ff9b::1.2.3.4:' + '9'.repeat(16_000)];
    for (const input of inputs) {
      const started = performance.now();
      for (let i = 0; i < 20; i += 1) {
        clientAddressKey(input);
        list.has(input);
        normalizeIp(input);
      }
      expect([input.slice(0, 12), (performance.now() - started) / 20 < 20]).toEqual([input.slice(0, 12), true]);
    }
  });
});

describe('red team session 9: the retry of a failed shared revocation read (ca1d9c8)', () => {
  const IDENTITY = { userId: 'u1', bindingId: 'b1', generation: 0, epoch: 1 };
  type Read = { resolve: (s: 'live' | 'revoked') => void; reject: (e: unknown) => void; startedAt: number };

  const fakeRequest = (sessionId: string): Request => fakeSessionRequest(sessionId, IDENTITY);

  async function harness() {
    let now = 0;
    const reads: Read[] = [];
    const service = {
      sessionStanding: () =>
        new Promise<'live' | 'revoked'>((resolve, reject) => {
          reads.push({ resolve, reject, startedAt: now++ });
        }),
    } as unknown as StepGuardService;
    const loading = sessionLoadingHook(service);
    // A first request makes the session known to this node.
    loading('s1');
    const first = sessionLive(service, fakeRequest('s1'), 'u1');
    for (const read of reads.splice(0)) read.resolve('live');
    await first;
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    return { reads, service, loading, tick, now: () => now++ };
  }

  // HELD: the retry is no fail-open. A revocation written after the failed prefetch started is seen
  // by the retry, and a second failure rejects (the check fails closed), for every request sharing it.
  it('a failed shared read is read again: revoked stays revoked, a second failure fails closed', async () => {
    const h = await harness();
    h.loading('s1');
    const arrivedAt = h.now();
    const requests = [fakeRequest('s1'), fakeRequest('s1'), fakeRequest('s1')];
    const answers = requests.map((r) => sessionLive(h.service, r, 'u1').then((live) => ({ live }), (err: unknown) => ({ err })));
    expect(h.reads).toHaveLength(1); // all three share the prefetch
    (h.reads.shift() as Read).reject(new Error('Connection is closed.'));
    await h.tick();
    // One retry per request in flight, never more: at most the sequential check's load, only on failure.
    expect(h.reads).toHaveLength(3);
    expect(h.reads.every((read) => read.startedAt > arrivedAt)).toBe(true);
    (h.reads[0] as Read).resolve('revoked');
    (h.reads[1] as Read).reject(new Error('Connection is closed.'));
    (h.reads[2] as Read).reject(undefined); // a falsy reason must not pass the request on
    const [a, b, c] = await Promise.all(answers);
    expect(a).toEqual({ live: false });
    expect('err' in (b as object) && (b as { err: unknown }).err).toBeTruthy();
    expect('err' in (c as object) && (c as { err: unknown }).err).toBeTruthy();
  });

  // HELD: the failed entry is dropped, so a request that arrives after the failure never takes it
  // (nor a read started before it arrived): it reads for itself.
  it('a request arriving after the failure reads for itself, started after it arrived', async () => {
    const h = await harness();
    h.loading('s1');
    const failed = h.reads.shift() as Read;
    failed.reject(new Error('Connection is closed.'));
    await h.tick();
    // No load for this request (e.g. its load raced), so only the dropped entry could be shared.
    const arrivedAt = h.now();
    const answer = sessionLive(h.service, fakeRequest('s1'), 'u1');
    expect(h.reads).toHaveLength(1);
    expect((h.reads[0] as Read).startedAt).toBeGreaterThan(arrivedAt);
    (h.reads[0] as Read).resolve('revoked');
    await expect(answer).resolves.toBe(false);
  });
});
