import { createSmsRouter, type SmsRoute } from '../../src/sms/createSmsRouter';
import { HttpSmsProvider } from '../../src/sms/providers/HttpSmsProvider';
import { fakeClock } from '../helpers/fakeClock';
import { genericAccepted, startFakeSmsProviderServer, type FakeSmsProviderServer } from '../helpers/fakeSmsProviderServer';

const message = { to: '+447700900123', body: 'code', channel: 'sms' as const, idempotencyKey: 'c.1' };

let servers: FakeSmsProviderServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** Two generic providers on loopback, a fake clock the sleeps advance, and the waits recorded. */
async function setup(options: { attemptTimeoutMs?: number; deadlineMs?: number; countries?: string[] } = {}) {
  const primary = await startFakeSmsProviderServer(genericAccepted);
  const secondary = await startFakeSmsProviderServer(genericAccepted);
  servers.push(primary, secondary);
  const clock = fakeClock();
  const waits: number[] = [];
  const routes: SmsRoute[] = [
    { provider: new HttpSmsProvider({ name: 'primary', baseUrl: primary.url, bearerToken: 't', from: 'A' }) },
    { provider: new HttpSmsProvider({ name: 'secondary', baseUrl: secondary.url, bearerToken: 't', from: 'A' }), ...(options.countries ? { countries: options.countries } : {}) },
  ];
  const router = createSmsRouter({
    routes,
    backoffSeconds: [2, 4, 8],
    maxRetryAfterSeconds: 30,
    deadlineMs: options.deadlineMs ?? 60_000,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 5000,
    clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock.advanceSeconds(ms / 1000);
    },
  });
  return { primary, secondary, router, waits };
}

describe('SMS routing: retries with backoff, then fail-over', () => {
  it('sends through the first provider when it answers 201', async () => {
    const { primary, secondary, router } = await setup();
    const result = await router.send(message, { country: 'GB' });
    expect(result).toMatchObject({ ok: true, provider: 'primary', attempts: [{ provider: 'primary', outcome: 'sent' }] });
    expect([primary.requests.length, secondary.requests.length]).toEqual([1, 0]);
  });

  it('retries 5xx after 2, 4 and 8 s (3 retries), then fails over', async () => {
    const { primary, secondary, router, waits } = await setup();
    primary.defaultReply = () => ({ status: 500, body: {} });
    const result = await router.send(message, { country: 'GB' });
    expect(result.ok && result.provider).toBe('secondary');
    expect(primary.requests).toHaveLength(4);
    expect(secondary.requests).toHaveLength(1);
    expect(waits).toEqual([2000, 4000, 8000]);
    // Every retry carries the same idempotency key, so a provider can drop duplicates.
    expect(new Set(primary.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set(['c.1']));
  });

  it('honours Retry-After on 429 when it is longer than the backoff', async () => {
    const { primary, router, waits } = await setup();
    primary.script.push({ status: 429, body: {}, headers: { 'retry-after': '5' } }, { status: 429, body: {}, headers: { 'retry-after': '1' } });
    const result = await router.send(message, { country: 'GB' });
    expect(result.ok && result.provider).toBe('primary');
    expect(waits).toEqual([5000, 4000]);
    expect(primary.requests).toHaveLength(3);
  });

  it('fails over at once when Retry-After asks for longer than it is worth waiting', async () => {
    const { primary, secondary, router, waits } = await setup();
    primary.script.push({ status: 429, body: {}, headers: { 'retry-after': '3600' } });
    const result = await router.send(message, { country: 'GB' });
    expect(result.ok && result.provider).toBe('secondary');
    expect(waits).toEqual([]);
    expect(primary.requests).toHaveLength(1);
    expect(secondary.requests).toHaveLength(1);
  });

  it('never retries a permanent 4xx on the same provider', async () => {
    const { primary, router, waits } = await setup();
    primary.script.push({ status: 400, body: { error: 'invalid To' } });
    const result = await router.send(message, { country: 'GB' });
    expect(result.ok && result.provider).toBe('secondary');
    expect(primary.requests).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(result.attempts.map((a) => [a.provider, a.outcome, a.httpStatus])).toEqual([
      ['primary', 'permanent', 400],
      ['secondary', 'sent', undefined],
    ]);
  });

  it('fails over within the attempt timeout when a provider hangs', async () => {
    const { primary, secondary, router } = await setup({ attemptTimeoutMs: 300 });
    primary.defaultReply = () => 'hang';
    const started = Date.now();
    const result = await router.send(message, { country: 'GB' });
    const elapsed = Date.now() - started;
    expect(result.ok && result.provider).toBe('secondary');
    expect(result.attempts.map((a) => a.outcome)).toEqual(['timeout', 'sent']);
    expect(primary.requests).toHaveLength(1);
    expect(secondary.requests).toHaveLength(1);
    expect(elapsed).toBeLessThan(300 + 1500);
  });

  it('reports failure when every provider fails, within the overall deadline', async () => {
    const { primary, secondary, router, waits } = await setup({ deadlineMs: 10_000 });
    primary.defaultReply = () => ({ status: 503, body: {} });
    secondary.defaultReply = () => ({ status: 503, body: {} });
    const result = await router.send(message, { country: 'GB' });
    expect(result).toMatchObject({ ok: false, reason: 'all_failed' });
    // 2 + 4 s fit the 10 s deadline, the next 8 s would not: on to the secondary, which has
    // time for one 2 s retry but not for a 4 s one.
    expect(waits).toEqual([2000, 4000, 2000]);
    expect(primary.requests).toHaveLength(3);
    expect(secondary.requests).toHaveLength(2);
  });

  it('prefers the providers routed for the number\'s country', async () => {
    const { primary, secondary, router } = await setup({ countries: ['DE'] });
    await router.send({ ...message, to: '+4915112345678' }, { country: 'DE' });
    await router.send(message, { country: 'GB' });
    expect(secondary.requests).toHaveLength(1);
    expect(primary.requests).toHaveLength(1);
    expect(router.supports('voice', 'GB')).toBe(true);
    expect(router.supports('whatsapp', 'GB')).toBe(false);
    expect(await router.send({ ...message, channel: 'whatsapp' }, { country: 'GB' })).toMatchObject({ ok: false, reason: 'no_provider' });
  });
});
