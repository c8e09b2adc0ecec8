import { twilioLookupProvider } from '../../src/risk/twilioLookupProvider';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { startFakeSmsProviderServer, type FakeSmsProviderServer } from '../helpers/fakeSmsProviderServer';

/**
 * Number ranges used for toll fraud that are valid, dialable and look like mobiles to a casual
 * check: they must be refused at binding, before any provider is called.
 */
describe('toll-fraud ranges at POST /auth/2fa/phone', () => {
  let t: TestApp;
  let fake: FakeSmsProviderServer | undefined;
  afterEach(async () => {
    await t?.close();
    await fake?.close();
    fake = undefined;
  });

  async function signedInUser(name: string) {
    const c = await t.client();
    const created = await c.post('/auth/signup', { username: name, password: 'correct horse battery' }).expect(201);
    await c.login(name, 'correct horse battery').expect(200);
    return { c, userId: String(created.body.user.id) };
  }

  it.each([
    ['a UK 070 personal number', '+447011234567'],
    ['a UK 070 personal number, spaced', '+44 70 3817 8688'],
    ['a German 0700 personal number', '+49 700 76457394'],
    ['a UK 055 UAN (corporate number)', '+445511234567'],
    ['a UK 03 UAN', '+443425534954'],
    ['a Swiss UAN', '+41512269476'],
  ])('refuses %s with the line-type error, and the provider is never called', async (_what, phone) => {
    t = await createTestApp();
    const { c, userId } = await signedInUser('mallory');
    const res = await c.post('/auth/2fa/phone', { phone }).expect(422);
    expect(res.body.error.code).toBe('phone_not_allowed');
    const blocked = t.audit.unsafeChain(userId).filter((e) => e.type === 'sms_blocked');
    expect(blocked.map((e) => e.reasons)).toEqual([['pumping_line_type']]);
    expect(t.sms.calls).toBe(0);
    expect(t.sms.messages).toEqual([]);
  });

  it('still binds a mobile and a US number (FIXED_LINE_OR_MOBILE)', async () => {
    t = await createTestApp();
    const { c } = await signedInUser('victor');
    await c.post('/auth/2fa/phone', { phone: '+447911123456' }).expect(202);
    const other = await signedInUser('wendy');
    await other.c.post('/auth/2fa/phone', { phone: '+16505550100' }).expect(202);
    expect(t.sms.messages.map((m) => m.to)).toEqual(['+447911123456', '+16505550100']);
  });

  it("falls back to the numbering plan when Twilio Lookup answers 'unknown', and refuses a type it has never seen", async () => {
    const reply = (type: string) => ({ status: 200, body: { phone_number: '+447911123456', line_type_intelligence: { type }, sim_swap: null } });
    fake = await startFakeSmsProviderServer((req) => reply(req.path.includes('447911123456') ? 'unknown' : 'brandNewType'));
    t = await createTestApp({ guardOptions: { risk: { phoneIntel: twilioLookupProvider({ accountSid: `AC${'e5'.repeat(16)}`, authToken: 'tok', baseUrl: fake.url }) } } });
    const { c } = await signedInUser('yves');
    await c.post('/auth/2fa/phone', { phone: '+447911123457' }).expect(422);
    await c.post('/auth/2fa/phone', { phone: '+447911123456' }).expect(202);
    expect(t.sms.messages.map((m) => m.to)).toEqual(['+447911123456']);
  });
});
