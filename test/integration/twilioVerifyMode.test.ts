import { TwilioVerifyProvider } from '../../src/sms/providers/TwilioVerifyProvider';
import { createTestApp } from '../helpers/createTestApp';
import { startFakeSmsProviderServer, type FakeSmsProviderServer } from '../helpers/fakeSmsProviderServer';

const SID = `AC${'c3'.repeat(16)}`;
const SERVICE = `VA${'d4'.repeat(16)}`;
const GOOD = '424242';

let fake: FakeSmsProviderServer;
afterEach(async () => {
  await fake?.close();
});

async function setup() {
  fake = await startFakeSmsProviderServer((req) => {
    if (req.path.endsWith('/Verifications')) return { status: 201, body: { sid: `VE${fake.requests.length}`, status: 'pending' } };
    const ok = req.form().get('Code') === GOOD;
    return { status: 200, body: { status: ok ? 'approved' : 'pending', valid: ok } };
  });
  const verifyProvider = new TwilioVerifyProvider({ accountSid: SID, authToken: 'tok', serviceSid: SERVICE, baseUrl: fake.url });
  const t = await createTestApp({ guardOptions: { sms: { verifyProvider } } });
  return t;
}

describe('Twilio Verify mode: the provider owns the code, stepguard keeps the limits', () => {
  it('starts a verification instead of texting a code, and checks the code with the provider', async () => {
    const t = await setup();
    const c = await t.client();
    await c.login().expect(200);
    const sent = await c.send().expect(202);
    expect(sent.body.deliveryStatus).toBe('accepted');
    expect(t.sms.messages).toHaveLength(0);
    expect(fake.requests[0]?.path).toBe(`/v2/Services/${SERVICE}/Verifications`);
    expect(Object.fromEntries(fake.requests[0]?.form() ?? [])).toEqual({ To: '+14155550123', Channel: 'sms', Locale: 'en' });
    const wrong = await c.verify('111111').expect(401);
    expect(wrong.body.error).toMatchObject({ code: 'invalid_code', attemptsLeft: 4 });
    await c.verify(GOOD).expect(200);
    expect(fake.requests.map((r) => r.path.split('/').at(-1))).toEqual(['Verifications', 'VerificationCheck', 'VerificationCheck']);
    // Single use stays ours: the same code again finds no challenge, without asking Twilio.
    await c.verify(GOOD).expect(409);
    expect(fake.requests).toHaveLength(3);
  });

  it('counts tries before asking the provider: after 5 wrong codes it is not asked again', async () => {
    const t = await setup();
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    for (let i = 0; i < 5; i += 1) await c.verify('111111').expect(401);
    expect((await c.verify(GOOD).expect(429)).body.error.code).toBe('too_many_attempts');
    expect(fake.requests.filter((r) => r.path.endsWith('/VerificationCheck'))).toHaveLength(5);
  });

  it('fails closed (503) when the provider cannot check a code', async () => {
    const t = await setup();
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    fake.script.push({ status: 500, body: {} });
    expect((await c.verify(GOOD).expect(503)).body.error.code).toBe('service_unavailable');
    expect((await c.get('/account')).status).toBe(401);
  });
});
