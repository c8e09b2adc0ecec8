import { createHmac } from 'node:crypto';
import request from 'supertest';
import { HttpSmsProvider } from '../../src/sms/providers/HttpSmsProvider';
import type { AuditEvent } from '../../src/core/audit/auditChain';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { genericAccepted, startFakeSmsProviderServer, type FakeSmsProviderServer } from '../helpers/fakeSmsProviderServer';

const SECRET = 'receipt-secret-for-the-tests-0123';

let fakes: FakeSmsProviderServer[] = [];
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});

/** The demo app delivering through the generic HTTP provider to fake servers on loopback. */
async function setup(options: { servers?: number; providerTimeoutMs?: number } = {}) {
  for (let i = 0; i < (options.servers ?? 1); i += 1) fakes.push(await startFakeSmsProviderServer(genericAccepted));
  const providers = fakes.map((f, i) => new HttpSmsProvider({ name: i === 0 ? 'http' : `http${i + 1}`, baseUrl: f.url, bearerToken: 'tok', from: 'Demo', webhookSecret: SECRET }));
  const t = await createTestApp({
    smsProviders: providers,
    guardOptions: { sms: { retry: { backoffSeconds: [0.01, 0.02, 0.04] }, ...(options.providerTimeoutMs ? { providerTimeoutMs: options.providerTimeoutMs } : {}) } },
  });
  const lastBody = (fake = fakes[0]) => String(fake?.requests.at(-1)?.json().body ?? '');
  const lastCode = (fake = fakes[0]) => /#(\d{6})\s*$/.exec(lastBody(fake))?.[1] ?? '';
  /** Alice, signed in with her password (the demo binds her number). */
  const alice = async () => {
    const c = await t.client();
    await c.login().expect(200);
    return c;
  };
  /** The provider's id for the newest message of a challenge (what its receipts name). */
  const providerIdOf = async (challengeId: string) => (await t.stores.deliveries.latestForChallenge('u1', challengeId))?.providerMessageId as string;
  return { t, fakes, lastBody, lastCode, alice, providerIdOf };
}

function receipt(t: TestApp, body: object, options: { secret?: string; provider?: string; signature?: string | null } = {}) {
  const raw = JSON.stringify(body);
  const signature = options.signature === undefined ? createHmac('sha256', options.secret ?? SECRET).update(raw).digest('hex') : options.signature;
  const req = request(t.app).post(`/auth/2fa/webhooks/${options.provider ?? 'http'}`).set('content-type', 'application/json');
  if (signature !== null) req.set('x-signature', signature);
  return req.send(raw);
}

async function auditTypes(t: TestApp): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for await (const e of t.stores.audit.list({})) events.push(e);
  return events;
}


describe('delivery through the generic HTTP provider, with receipts', () => {
  it('delivers the code through the provider, and signed receipts move its status forward only', async () => {
    const s = await setup();
    const { t } = s;
    const c = await s.alice();
    const sent = await c.send().expect(202);
    expect(sent.body.deliveryStatus).toBe('accepted');
    expect((await c.get('/auth/2fa/sms/status').expect(200)).body).toMatchObject({ status: 'accepted', channel: 'sms' });
    const providerId = await s.providerIdOf(sent.body.challengeId);
    expect(providerId).toMatch(/^gen-/);
    const at = () => t.clock.nowMs() / 1000;

    t.clock.advanceSeconds(4);
    expect((await receipt(t, { id: providerId, status: 'delivered', timestamp: at() }).expect(200)).body).toEqual({ ok: true, changed: 1 });
    // Replayed and out-of-order receipts are accepted (200, so the provider stops retrying) and change nothing.
    expect((await receipt(t, { id: providerId, status: 'delivered', timestamp: at() }).expect(200)).body.changed).toBe(0);
    expect((await receipt(t, { id: providerId, status: 'sent', timestamp: at() }).expect(200)).body.changed).toBe(0);
    expect((await receipt(t, { id: providerId, status: 'failed', timestamp: at() }).expect(200)).body.changed).toBe(0);
    expect((await c.get('/auth/2fa/sms/status').expect(200)).body.status).toBe('delivered');

    const metrics = (await request(t.app).get('/metrics').expect(200)).text;
    expect(metrics).toContain('stepguard_sms_delivery_latency_seconds_bucket{le="5",provider="http"} 1');
    expect(metrics).toContain('stepguard_sms_delivery_latency_seconds_bucket{le="2",provider="http"} 0');
    expect(metrics).toContain('stepguard_sms_sent_total{country="US",provider="http",channel="sms"} 1');
    expect(metrics).toMatch(/stepguard_step_up_decisions_total\{action="login",outcome="step-up"\} \d/);

    await c.verify(s.lastCode()).expect(200);
    expect((await request(t.app).get('/metrics').expect(200)).text).toContain('stepguard_verifications_total{factor="sms",result="success",country="US"} 1');
  });

  it('refuses unsigned, badly signed, stale, unknown and misrouted receipts with 401, changing nothing', async () => {
    const s = await setup();
    const { t } = s;
    const c = await s.alice();
    const sent = await c.send().expect(202);
    const providerId = await s.providerIdOf(sent.body.challengeId);
    const body = { id: providerId, status: 'undelivered', timestamp: t.clock.nowMs() / 1000 };
    const refusals = [
      await receipt(t, body, { signature: null }),
      await receipt(t, body, { secret: 'not-the-secret-0123456789' }),
      await receipt(t, body, { signature: 'zz' }),
      await receipt(t, { ...body, timestamp: t.clock.nowMs() / 1000 - 3600 }),
      await receipt(t, { ...body, id: 'gen-unknown' }),
      await receipt(t, body, { provider: 'twilio' }),
      await receipt(t, body, { provider: 'no-such-provider' }),
    ];
    expect(refusals.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401, 401]);
    expect(refusals[0]?.body.error.code).toBe('unsigned_receipt');
    expect((await c.get('/auth/2fa/sms/status').expect(200)).body.status).toBe('accepted');
  });

  it('offers a call after an undelivered SMS, only as a resend, in the user\'s language', async () => {
    const s = await setup();
    const { t } = s;
    const c = await s.alice();
    // A call is the fallback for an SMS, not a first try.
    expect((await c.send({ channel: 'voice' }).expect(409)).body.error.code).toBe('channel_unavailable');
    const sent = await c.post('/auth/2fa/sms/send', {}).set('accept-language', 'de-DE,de;q=0.9,en;q=0.5').expect(202);
    expect(s.lastBody()).toMatch(/^\d{6} ist Ihr stepguard Bestätigungscode\. Nicht weitergeben\.\n\n@localhost #\d{6}$/);
    const providerId = await s.providerIdOf(sent.body.challengeId);
    await receipt(t, { id: providerId, status: 'undelivered', timestamp: t.clock.nowMs() / 1000, errorCode: '30003' }).expect(200);
    const status = (await c.get('/auth/2fa/sms/status').expect(200)).body;
    expect(status).toEqual({ status: 'undelivered', channel: 'sms', alternatives: { voice: true, whatsapp: false, otherFactors: [] } });
    expect((await auditTypes(t)).some((e) => e.type === 'sms_undelivered' && e.reasons.includes('provider_error_30003'))).toBe(true);

    expect((await c.send({ channel: 'voice' }).expect(429)).body.error.code).toBe('resend_too_early');
    t.clock.advanceSeconds(30);
    const call = await c.post('/auth/2fa/sms/send', { channel: 'voice' }).set('accept-language', 'de').expect(202);
    expect(call.body).toMatchObject({ channel: 'voice', resent: true, challengeId: sent.body.challengeId });
    const request2 = s.fakes[0]?.requests.at(-1)?.json();
    expect(request2?.channel).toBe('voice');
    const spoken = String(request2?.body);
    expect(spoken).toMatch(/^Ihr stepguard Bestätigungscode lautet (\d, ){5}\d\. Noch einmal: (\d, ){5}\d\.$/);
    const code = (spoken.match(/\d/g) ?? []).slice(0, 6).join('');
    await c.verify(code).expect(200);
  });

  it('fails over to the next provider when the first keeps answering 500', async () => {
    const s = await setup({ servers: 2 });
    const [primary, secondary] = s.fakes;
    if (!primary || !secondary) throw new Error('two fake providers expected');
    primary.defaultReply = () => ({ status: 500, body: {} });
    const c = await s.alice();
    await c.send().expect(202);
    expect(primary.requests).toHaveLength(4);
    expect(secondary.requests).toHaveLength(1);
    await c.verify(s.lastCode(secondary)).expect(200);
    expect((await request(s.t.app).get('/metrics').expect(200)).text).toContain('stepguard_sms_provider_failures_total{provider="http",outcome="transient"} 4');
  });

  it('fails over within the provider timeout when the first provider hangs', async () => {
    const s = await setup({ servers: 2, providerTimeoutMs: 400 });
    const [primary, secondary] = s.fakes;
    if (!primary || !secondary) throw new Error('two fake providers expected');
    primary.defaultReply = () => 'hang';
    const c = await s.alice();
    const started = Date.now();
    await c.send().expect(202);
    expect(Date.now() - started).toBeLessThan(400 + 1000);
    expect([primary.requests.length, secondary.requests.length]).toEqual([1, 1]);
    await c.verify(s.lastCode(secondary)).expect(200);
  });

  it('answers 503 when every provider refuses, and spends no budget on it', async () => {
    const s = await setup();
    s.fakes[0]!.defaultReply = () => ({ status: 400, body: {} });
    const c = await s.alice();
    for (let i = 0; i < 5; i += 1) expect((await c.send().expect(503)).body.error.code).toBe('sms_unavailable');
    expect(s.fakes[0]?.requests).toHaveLength(5);
    s.fakes[0]!.defaultReply = genericAccepted;
    await c.send().expect(202);
  });
});

describe('anti-pumping over HTTP', () => {
  it('refuses with 429 sms_blocked naming no threshold, audits the rule and counts it', async () => {
    const s = await setup();
    const { t } = s;
    const c = await t.client();
    await c.post('/auth/signup', { username: 'mallory', password: 'a long enough password' }).expect(201);
    await c.login('mallory', 'a long enough password').expect(200);
    const results = [];
    for (let i = 0; i < 7; i += 1) results.push(await c.post('/auth/2fa/phone', { phone: `+4474${i}0123456` }));
    // New numbers from one address: three an hour.
    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 429, 429, 429, 429]);
    const refused = results[3]?.body;
    expect(refused.error.code).toBe('sms_blocked');
    expect(JSON.stringify(refused)).not.toMatch(/\d/);
    expect(results[3]?.headers['retry-after']).toBeUndefined();
    const blocked = (await auditTypes(t)).filter((e) => e.type === 'sms_blocked');
    expect(blocked.map((e) => e.reasons)).toEqual(Array.from({ length: 4 }, () => ['pumping_ip_budget']));
    expect(blocked[0]).toMatchObject({ outcome: 'blocked', country: 'GB' });
    expect(JSON.stringify(blocked)).not.toContain('0123456');
    expect((await request(t.app).get('/metrics').expect(200)).text).toContain('stepguard_sms_blocked_total{rule="ip_budget",mode="enforce"} 4');
    expect(s.fakes[0]?.requests).toHaveLength(3);
  });

  it('refuses premium-rate and VoIP numbers with 422 before anything is sent', async () => {
    const s = await setup();
    const c = await s.t.client();
    await c.post('/auth/signup', { username: 'trent', password: 'a long enough password' }).expect(201);
    await c.login('trent', 'a long enough password').expect(200);
    for (const phone of ['+449098790000', '+445603456789', '+18005550199']) {
      const res = await c.post('/auth/2fa/phone', { phone }).expect(422);
      expect(res.body.error.code).toBe('phone_not_allowed');
    }
    expect(s.fakes[0]?.requests).toHaveLength(0);
  });
});
