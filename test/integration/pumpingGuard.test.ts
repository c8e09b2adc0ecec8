import { randomUUID } from 'node:crypto';
import { createPumpingGuard, type SendAttempt } from '../../src/sms/createPumpingGuard';
import { PUMPING_DEFAULTS, type PumpingConfig } from '../../src/sms/pumpingRules';
import { MemoryCounterStore } from '../../src/stores/memory/MemoryCounterStore';
import { MemoryRateLimitStore } from '../../src/stores/memory/MemoryRateLimitStore';
import { RedisCounterStore } from '../../src/stores/redis/RedisCounterStore';
import { RedisBreakerStore } from '../../src/stores/redis/RedisBreakerStore';
import { MemoryBreakerStore } from '../../src/stores/memory/MemoryBreakerStore';
import { RedisRateLimitStore } from '../../src/stores/redis/RedisRateLimitStore';
import { redisKeys } from '../../src/stores/redis/redisKeys';
import { fakeClock } from '../helpers/fakeClock';
import { describeForEachStore } from '../helpers/forEachStore';
import { connectTestRedis } from '../helpers/withRedis';
import type { Redis } from 'ioredis';

describeForEachStore('anti-pumping guard', (useRedis) => {
  let clients: Redis[] = [];
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.quit()));
    clients = [];
  });

  async function setup(overrides: Partial<PumpingConfig> = {}) {
    const clock = fakeClock();
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
    const config: PumpingConfig = { ...PUMPING_DEFAULTS, ...overrides };
    const opened: { country: string; openSeconds: number; level: number }[] = [];
    const guard = createPumpingGuard({ config, ...stores, clock, onBreakerOpened: (e) => opened.push(e) });
    let n = 0;
    const attempt = (over: Partial<SendAttempt> = {}): SendAttempt => {
      n += 1;
      // A different prefix for every generated number, so only the prefix test meets that rule.
      const e164 = over.e164 ?? `+447${String(n).padStart(4, '0')}00${String(n).padStart(3, '0')}`;
      return {
        sendId: randomUUID(),
        e164,
        phoneHash: `h:${e164}`,
        prefixHash: `p:${e164.slice(0, -3)}`,
        country: 'GB',
        lineType: 'MOBILE',
        userId: `user-${n}`,
        sessionId: `session-${n}`,
        ip: `10.0.${n % 250}.${n % 200}`,
        boundNumber: false,
        allowedCountries: ['GB', 'DE', 'FR', 'US'],
        blockedLineTypes: ['PREMIUM_RATE', 'VOIP'],
        ...over,
      };
    };
    // Traffic from before the test, and the breaker's state, straight from the store.
    const windowMs = config.breaker.windowSeconds * 1000;
    const sent = (country: string, n: number) => Promise.all(Array.from({ length: n }, () => stores.breakers.adjustSent(country, clock.nowMs(), 1, windowMs)));
    const breaker = (country: string) =>
      stores.breakers.admit(country, { minSends: config.breaker.minSends, minConversion: config.breaker.minConversion, windowMs, openMs: config.breaker.openSeconds * 1000, maxOpenMs: config.breaker.maxOpenSeconds * 1000 }, clock.nowMs(), false);
    return { guard, clock, attempt, opened, sent, breaker };
  }

  it('refuses countries outside the allow-list and blocked line types before spending any budget', async () => {
    const { guard, attempt } = await setup();
    expect(await guard.check(attempt({ country: 'NG' }))).toMatchObject({ allowed: false, rule: 'country' });
    expect(await guard.check(attempt({ country: null }))).toMatchObject({ allowed: false, rule: 'country' });
    expect(await guard.check(attempt({ lineType: 'PREMIUM_RATE' }))).toMatchObject({ allowed: false, rule: 'line_type' });
    expect(await guard.check(attempt({ lineType: 'VOIP' }))).toMatchObject({ allowed: false, rule: 'line_type' });
    expect(await guard.check(attempt({ allowedCountries: undefined, country: 'NG' }))).toMatchObject({ allowed: true });
  });

  it('keeps a sliding per-phone budget (3 per 10 min) and gives refused sends their other budgets back', async () => {
    const { guard, clock, attempt } = await setup();
    const phone = { e164: '+447700900555', phoneHash: 'h:one', prefixHash: 'p:one' };
    for (let i = 0; i < 3; i += 1) {
      expect((await guard.check(attempt({ ...phone, userId: 'u', sessionId: 's' }))).allowed).toBe(true);
      clock.advanceSeconds(60);
    }
    const refused = await guard.check(attempt({ ...phone, userId: 'u', sessionId: 's' }));
    expect(refused).toMatchObject({ allowed: false, rule: 'phone_budget' });
    // 10 minutes after the first send, one slot is free again (sliding, not a fixed window).
    clock.advanceSeconds(600 - 180 + 1);
    expect((await guard.check(attempt({ ...phone, userId: 'u', sessionId: 's' }))).allowed).toBe(true);
    // The user's budget (5 / 10 min) holds the sends at 60, 120 and 601 s; the refused one was
    // handed back, so two more fit before it refuses.
    expect((await guard.check(attempt({ userId: 'u' }))).allowed).toBe(true);
    expect((await guard.check(attempt({ userId: 'u' }))).allowed).toBe(true);
    expect(await guard.check(attempt({ userId: 'u' }))).toMatchObject({ allowed: false, rule: 'user_budget' });
  });

  it('limits distinct numbers per prefix, while the same number again is no new number', async () => {
    const { guard, clock, attempt } = await setup();
    const inPrefix = (last3: string) => ({ e164: `+44770090${last3}`, phoneHash: `h:${last3}`, prefixHash: 'p:+44770090' });
    for (const last3 of ['001', '002', '003']) expect((await guard.check(attempt(inPrefix(last3)))).allowed).toBe(true);
    expect(await guard.check(attempt(inPrefix('004')))).toMatchObject({ allowed: false, rule: 'prefix_velocity' });
    expect((await guard.check(attempt(inPrefix('002')))).allowed).toBe(true);
    clock.advanceSeconds(3601);
    expect((await guard.check(attempt(inPrefix('004')))).allowed).toBe(true);
  });

  it('allows one address new numbers in at most 3 countries a day', async () => {
    const { guard, attempt } = await setup({ ipBudgets: [{ limit: 100, windowSeconds: 3600 }] });
    const from = (country: string, boundNumber = false) => attempt({ ip: '203.0.113.9', country, boundNumber });
    for (const country of ['GB', 'DE', 'FR']) expect((await guard.check(from(country))).allowed).toBe(true);
    expect(await guard.check(from('US'))).toMatchObject({ allowed: false, rule: 'ip_countries' });
    expect((await guard.check(from('DE'))).allowed).toBe(true);
    // A traveller's step-up to the number they already proved is not a new country for pumping.
    expect((await guard.check(from('US', true))).allowed).toBe(true);
  });

  it('leaves a company block of consecutive bound numbers alone, but not new ones', async () => {
    const { guard, attempt } = await setup();
    const inBlock = (last3: string, boundNumber: boolean) => attempt({ e164: `+1415555${last3}0`, phoneHash: `h:${last3}`, prefixHash: 'p:+1415555', boundNumber });
    for (const last3 of ['010', '011', '012', '013', '014', '015']) expect((await guard.check(inBlock(last3, true))).allowed).toBe(true);
    for (const last3 of ['020', '021', '022']) expect((await guard.check(inBlock(last3, false))).allowed).toBe(true);
    expect(await guard.check(inBlock('023', false))).toMatchObject({ allowed: false, rule: 'prefix_velocity' });
  });

  it('budgets new numbers per address, and leaves step-ups to bound numbers behind one address alone', async () => {
    const { guard, attempt } = await setup();
    for (let i = 0; i < 3; i += 1) expect((await guard.check(attempt({ ip: '192.0.2.7' }))).allowed).toBe(true);
    expect(await guard.check(attempt({ ip: '192.0.2.7' }))).toMatchObject({ allowed: false, rule: 'ip_budget' });
    for (let i = 0; i < 10; i += 1) expect((await guard.check(attempt({ ip: '192.0.2.7', boundNumber: true }))).allowed).toBe(true);
  });

  it('counts each allowed send towards its country, and hands the count back when the send fails', async () => {
    const { guard, attempt, breaker } = await setup();
    for (let i = 0; i < 9; i += 1) expect((await guard.check(attempt({ country: 'DE', boundNumber: true }))).allowed).toBe(true);
    const tenth = await guard.check(attempt({ country: 'DE', boundNumber: true }));
    if (tenth.allowed) await tenth.reservation.release();
    expect(await breaker('DE')).toMatchObject({ open: false, sent: 9 });
    expect((await guard.check(attempt({ country: 'DE', boundNumber: true }))).allowed).toBe(true);
    expect(await guard.check(attempt({ country: 'DE' }))).toMatchObject({ allowed: false, rule: 'country_breaker' });
  });

  it('opens a country breaker on low conversion, keeps bound numbers working, and backs off exponentially', async () => {
    const { guard, clock, attempt, opened, sent, breaker } = await setup();
    await sent('DE', 10);
    await guard.recordVerified('DE');
    const refused = await guard.check(attempt({ country: 'DE' }));
    expect(refused).toMatchObject({ allowed: false, rule: 'country_breaker' });
    expect((await guard.check(attempt({ country: 'DE', boundNumber: true }))).allowed).toBe(true);
    expect((await guard.check(attempt({ country: 'GB' }))).allowed).toBe(true);
    expect(await breaker('DE')).toMatchObject({ open: true, level: 0 });
    clock.advanceSeconds(600);
    expect(await breaker('DE')).toMatchObject({ open: false, sent: 0 });
    // Only what happens after re-opening counts: 10 more unverified sends trip it again, for twice as long.
    await sent('DE', 10);
    expect(await guard.check(attempt({ country: 'DE' }))).toMatchObject({ allowed: false, rule: 'country_breaker' });
    const second = await breaker('DE');
    expect(second).toMatchObject({ open: true, level: 1 });
    expect(second.openUntilMs - clock.nowMs()).toBe(1_200_000);
    expect(opened.map((e) => [e.country, e.openSeconds, e.level])).toEqual([['DE', 600, 0], ['DE', 1200, 1]]);
  });

  it('stays closed while conversion is healthy', async () => {
    const { guard, attempt, sent } = await setup();
    await sent('FR', 40);
    for (let i = 0; i < 32; i += 1) await guard.recordVerified('FR');
    expect((await guard.check(attempt({ country: 'FR' }))).allowed).toBe(true);
  });

  it('pauses a country entirely when configured to', async () => {
    const { guard, attempt, sent } = await setup({ breaker: { ...PUMPING_DEFAULTS.breaker, whileOpen: 'pause' } });
    await sent('DE', 10);
    expect(await guard.check(attempt({ country: 'DE', boundNumber: true }))).toMatchObject({ allowed: false, rule: 'country_breaker' });
  });

  it('caps spend per hour from the price table, and a failed send hands its cost back', async () => {
    const { guard, clock, attempt } = await setup({ spend: { priceMicros: { default: 50_000, GB: 40_000 }, hourlyCapMicros: 100_000, dailyCapMicros: undefined } });
    const first = await guard.check(attempt());
    const second = await guard.check(attempt());
    expect([first.allowed, second.allowed]).toEqual([true, true]);
    expect(await guard.check(attempt())).toMatchObject({ allowed: false, rule: 'spend_cap' });
    if (second.allowed) await second.reservation.release();
    expect((await guard.check(attempt())).allowed).toBe(true);
    clock.advanceSeconds(3600);
    expect((await guard.check(attempt())).allowed).toBe(true);
  });

  it('only reports observe-only rules, never refusing for them', async () => {
    const { guard, attempt } = await setup({ modes: { ...PUMPING_DEFAULTS.modes, country: 'observe', ip_countries: 'observe' } });
    const result = await guard.check(attempt({ country: 'NG' }));
    expect(result).toMatchObject({ allowed: true, observed: ['country'] });
    for (const country of ['GB', 'DE', 'FR']) await guard.check(attempt({ ip: '198.51.100.1', country, sessionId: `s-${country}` }));
    const fourth = await guard.check(attempt({ ip: '198.51.100.2', country: 'US' }));
    expect(fourth.allowed).toBe(true);
    const other = await setup({ modes: { ...PUMPING_DEFAULTS.modes, ip_countries: 'observe' }, ipBudgets: [{ limit: 100, windowSeconds: 3600 }] });
    for (const country of ['GB', 'DE', 'FR']) await other.guard.check(other.attempt({ ip: '198.51.100.1', country }));
    expect(await other.guard.check(other.attempt({ ip: '198.51.100.1', country: 'US' }))).toMatchObject({ allowed: true, observed: ['ip_countries'] });
  });

  it('lets exactly minSends unverified new-number sends through to a country, even concurrently', async () => {
    const { guard, attempt, opened } = await setup();
    const results = await Promise.all(Array.from({ length: 40 }, () => guard.check(attempt({ country: 'FR' }))));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(results.filter((r) => !r.allowed && r.rule === 'country_breaker')).toHaveLength(30);
    expect(opened).toHaveLength(1);
  });

  it('holds the per-phone budget under 30 concurrent sends', async () => {
    const { guard, attempt } = await setup();
    const phone = { e164: '+447700900777', phoneHash: 'h:c', prefixHash: 'p:c' };
    const results = await Promise.all(Array.from({ length: 30 }, () => guard.check(attempt(phone))));
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
  });
});
