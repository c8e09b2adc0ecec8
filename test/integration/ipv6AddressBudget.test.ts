import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createPumpingGuard, type SendAttempt } from '../../src/sms/createPumpingGuard';
import { PUMPING_DEFAULTS, type PumpingConfig } from '../../src/sms/pumpingRules';
import { MemoryBreakerStore } from '../../src/stores/memory/MemoryBreakerStore';
import { MemoryCounterStore } from '../../src/stores/memory/MemoryCounterStore';
import { MemoryRateLimitStore } from '../../src/stores/memory/MemoryRateLimitStore';
import { RedisBreakerStore } from '../../src/stores/redis/RedisBreakerStore';
import { RedisCounterStore } from '../../src/stores/redis/RedisCounterStore';
import { RedisRateLimitStore } from '../../src/stores/redis/RedisRateLimitStore';
import { redisKeys } from '../../src/stores/redis/redisKeys';
import { parseStepGuardOptions } from '../../src/config';
import { createTestApp } from '../helpers/createTestApp';
import { fakeClock } from '../helpers/fakeClock';
import { describeForEachStore } from '../helpers/forEachStore';
import { connectTestRedis } from '../helpers/withRedis';

/**
 * Per-address budgets count an IPv6 client by its /64: an abuser picks a new address inside
 * their network for every request, and must not get a new budget with it.
 */
describeForEachStore('per-address budgets key IPv6 on its network', (useRedis) => {
  let clients: Redis[] = [];
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.quit()));
    clients = [];
  });

  async function setup(overrides: Partial<PumpingConfig> = {}) {
    let stores;
    if (useRedis) {
      const connected = await connectTestRedis();
      const redis = connected.redis as Redis;
      clients.push(redis);
      const keys = redisKeys(connected.keyPrefix);
      stores = { windows: new RedisRateLimitStore(redis, keys), counters: new RedisCounterStore(redis, keys), breakers: new RedisBreakerStore(redis, keys) };
    } else {
      stores = { windows: new MemoryRateLimitStore(), counters: new MemoryCounterStore(), breakers: new MemoryBreakerStore() };
    }
    const guard = createPumpingGuard({ config: { ...PUMPING_DEFAULTS, ...overrides }, ...stores, clock: fakeClock() });
    let n = 0;
    // Every send a new number, user and session, so only the address rules can refuse it.
    const from = (ip: string, over: Partial<SendAttempt> = {}): SendAttempt => {
      n += 1;
      const e164 = `+447${String(n).padStart(4, '0')}00${String(n).padStart(3, '0')}`;
      return {
        sendId: randomUUID(),
        e164,
        phoneHash: `h:${e164}`,
        prefixHash: `p:${e164.slice(0, -3)}`,
        country: 'GB',
        lineType: 'MOBILE',
        userId: `user-${n}`,
        sessionId: `session-${n}`,
        ip,
        boundNumber: false,
        allowedCountries: undefined,
        blockedLineTypes: [],
        ...over,
      };
    };
    return { guard, from };
  }

  it('refuses the send after the budget when the address rotates inside one /64, as for one address', async () => {
    const { guard, from } = await setup();
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2:aaaa::2', '2001:DB8:1:2:ffff:ffff:ffff:fffe']) {
      expect((await guard.check(from(ip))).allowed).toBe(true);
    }
    expect(await guard.check(from('2001:db8:1:2:1234:5678:9abc:def0'))).toMatchObject({ allowed: false, rule: 'ip_budget' });
    // Another /64 is another client.
    expect((await guard.check(from('2001:db8:1:3::1'))).allowed).toBe(true);
  });

  it('counts countries per /64 too', async () => {
    const { guard, from } = await setup({ ipBudgets: [{ limit: 100, windowSeconds: 3600 }] });
    const countries = ['GB', 'DE', 'FR'];
    for (const [i, country] of countries.entries()) expect((await guard.check(from(`2001:db8:9:9::${i + 1}`, { country }))).allowed).toBe(true);
    expect(await guard.check(from('2001:db8:9:9::99', { country: 'US' }))).toMatchObject({ allowed: false, rule: 'ip_countries' });
    expect((await guard.check(from('2001:db8:9:a::99', { country: 'US' }))).allowed).toBe(true);
  });

  it('counts IPv4-mapped IPv6 and IPv4 as one address', async () => {
    const { guard, from } = await setup();
    for (const ip of ['192.0.2.7', '::ffff:192.0.2.7', '::ffff:c000:207']) expect((await guard.check(from(ip))).allowed).toBe(true);
    expect(await guard.check(from('192.0.2.7'))).toMatchObject({ allowed: false, rule: 'ip_budget' });
    expect((await guard.check(from('192.0.2.8'))).allowed).toBe(true);
  });

  it('takes the prefix length from the configuration', async () => {
    const { guard, from } = await setup({ ipv6PrefixLength: 48 });
    for (const ip of ['2001:db8:5:1::1', '2001:db8:5:2::1', '2001:db8:5:3::1']) expect((await guard.check(from(ip))).allowed).toBe(true);
    expect(await guard.check(from('2001:db8:5:4::1'))).toMatchObject({ allowed: false, rule: 'ip_budget' });
  });
});

describe('per-address budgets through the app (trust proxy, X-Forwarded-For inside one /64)', () => {
  it('refuses the fourth new number from one /64 and serves another /64', async () => {
    const t = await createTestApp({ trustProxy: true, guardOptions: { phone: { allowedCountries: ['US', 'GB', 'FR', 'DE'] } } });
    const phones = ['+16505550100', '+447400123456', '+33612345678', '+4915112345678', '+16175550123'];
    const bind = async (name: string, ip: string, phone: string) => {
      const c = await t.client();
      await c.post('/auth/signup', { username: name, password: 'correct horse battery' }).set('x-forwarded-for', ip).expect(201);
      await c.post('/auth/login', { username: name, password: 'correct horse battery' }).set('x-forwarded-for', ip).expect(200);
      return c.post('/auth/2fa/phone', { phone }).set('x-forwarded-for', ip);
    };
    for (let i = 0; i < 3; i += 1) expect((await bind(`user${i}`, `2001:db8:7:7::${i + 1}`, phones[i] as string)).status).toBe(202);
    const refused = await bind('user3', '2001:db8:7:7:dead:beef:0:1', phones[3] as string);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('sms_blocked');
    expect((await bind('user4', '2001:db8:7:8::1', phones[4] as string)).status).toBe(202);
    expect(t.sms.messages).toHaveLength(4);
  });

  it('takes the prefix length from http.ipv6PrefixLength (default 64), within 32 to 128', () => {
    const secrets = { pepper: 'p'.repeat(40), sessionSecret: 's'.repeat(40) };
    expect(parseStepGuardOptions({ secrets, environment: 'test' }).sms.pumping.ipv6PrefixLength).toBe(64);
    expect(parseStepGuardOptions({ secrets, environment: 'test', http: { ipv6PrefixLength: 56 } }).sms.pumping.ipv6PrefixLength).toBe(56);
    expect(() => parseStepGuardOptions({ secrets, environment: 'test', http: { ipv6PrefixLength: 16 } })).toThrow(/http\.ipv6PrefixLength/);
  });
});
