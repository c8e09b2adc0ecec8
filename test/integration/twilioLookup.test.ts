import { twilioLookupProvider } from '../../src/risk/twilioLookupProvider';
import { createTestApp } from '../helpers/createTestApp';
import { startFakeSmsProviderServer, type FakeSmsProviderServer } from '../helpers/fakeSmsProviderServer';

const SID = `AC${'e5'.repeat(16)}`;
let fake: FakeSmsProviderServer;
afterEach(async () => {
  await fake?.close();
});

const lookupReply = (type: string | null, swapped: string | null = null) => ({
  status: 200,
  body: { phone_number: '+447400123456', line_type_intelligence: type ? { type, carrier_name: 'X' } : null, sim_swap: swapped ? { last_sim_swap: { last_sim_swap_date: swapped } } : null },
});

describe('Twilio Lookup v2 against a fake server', () => {
  it('asks for line type and SIM swap with basic auth, and maps the answer', async () => {
    fake = await startFakeSmsProviderServer(() => lookupReply('nonFixedVoip', '2026-11-20T10:00:00Z'));
    const lookup = twilioLookupProvider({ accountSid: SID, authToken: 'tok', baseUrl: fake.url });
    expect(await lookup.lookup('+447400123456')).toEqual({ lineType: 'VOIP', simSwappedAtMs: Date.parse('2026-11-20T10:00:00Z') });
    const [request] = fake.requests;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/v2/PhoneNumbers/%2B447400123456?Fields=line_type_intelligence,sim_swap');
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:tok`).toString('base64')}`);
    fake.script.push(lookupReply('mobile'), lookupReply('somethingNew'), lookupReply(null));
    expect(await lookup.lookup('+447400123456')).toEqual({ lineType: 'MOBILE', simSwappedAtMs: null });
    expect((await lookup.lookup('+447400123456'))?.lineType).toBe('UNKNOWN');
    expect((await lookup.lookup('+447400123456'))?.lineType).toBeNull();
  });

  it('answers null (no intel, not an outage) on errors and within its timeout when Twilio hangs', async () => {
    fake = await startFakeSmsProviderServer(() => ({ status: 404, body: {} }));
    const lookup = twilioLookupProvider({ accountSid: SID, authToken: 'tok', baseUrl: fake.url, timeoutMs: 300 });
    expect(await lookup.lookup('+447400123456')).toBeNull();
    fake.script.push({ status: 500, body: {} }, 'hang');
    expect(await lookup.lookup('+447400123456')).toBeNull();
    const started = Date.now();
    expect(await lookup.lookup('+447400123456')).toBeNull();
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('lets the carrier line type refuse a VoIP number the numbering plan calls mobile', async () => {
    fake = await startFakeSmsProviderServer((req) => lookupReply(req.path.includes('447400123456') ? 'nonFixedVoip' : 'mobile'));
    const t = await createTestApp({ guardOptions: { risk: { phoneIntel: twilioLookupProvider({ accountSid: SID, authToken: 'tok', baseUrl: fake.url }) } } });
    const c = await t.client();
    await c.post('/auth/signup', { username: 'victor', password: 'a long enough password' }).expect(201);
    await c.login('victor', 'a long enough password').expect(200);
    expect((await c.post('/auth/2fa/phone', { phone: '+447400123456' }).expect(422)).body.error.code).toBe('phone_not_allowed');
    await c.post('/auth/2fa/phone', { phone: '+447911123457' }).expect(202);
    expect(t.sms.messages.map((m) => m.to)).toEqual(['+447911123457']);
  });
});
