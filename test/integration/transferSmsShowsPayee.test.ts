import { createTestApp, type TestApp } from '../helpers/createTestApp';

// Issue 16.7: the code is bound to the exact payee, so the SMS must let the person tell payees
// apart (PSD2 dynamic linking): no folding of `Bób` into `Bob`, no cutting off the end.
describe('the transfer SMS shows the exact payee', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.close());

  /** Asks for a transfer, sends its code, and returns the message the phone got. */
  async function smsFor(c: Awaited<ReturnType<TestApp['client']>>, transfer: { amount: number; payee: string }) {
    await c.post('/transfer', transfer).expect(401);
    await c.send().expect(202);
    const message = t.sms.messages.at(-1);
    if (!message) throw new Error('no SMS sent');
    return message;
  }

  it('`Bób Smith` and `Bob Smith` produce different texts, each with its own payee', async () => {
    const c = await t.client();
    await c.stepUp();
    const accented = await smsFor(c, { amount: 250, payee: 'Bób Smith' });
    const plain = await smsFor(c, { amount: 250, payee: 'Bob Smith' });
    expect(accented.body).not.toBe(plain.body);
    expect(accented.body).toContain('250.00 to Bób Smith.');
    expect(plain.body).toContain('250.00 to Bob Smith.');
  });

  it('the code in the UCS-2 message approves exactly the payee it shows', async () => {
    const c = await t.client();
    await c.stepUp();
    await smsFor(c, { amount: 250, payee: 'Bób Smith' });
    await c.verify(t.sms.lastCode()).expect(200);
    await c.post('/transfer', { amount: 250, payee: 'Bob Smith' }).expect(401);
    await c.post('/transfer', { amount: 250, payee: 'Bób Smith' }).expect(200);
  });

  it('two 60-character payees differing only in the last character produce different texts, each shown whole', async () => {
    const stem = 'Handelsgesellschaft Mustermann und Partner Grundstuecksverwa';
    const a = `${stem.slice(0, 59)}A`;
    const b = `${stem.slice(0, 59)}B`;
    expect(a).toHaveLength(60);
    const c = await t.client();
    await c.stepUp();
    // 999: below the large-transfer rule, which would take SMS out of the acceptable factors.
    const first = await smsFor(c, { amount: 999, payee: a });
    const second = await smsFor(c, { amount: 999, payee: b });
    expect(first.body).not.toBe(second.body);
    expect(first.body).toContain(`999.00 to ${a}.`);
    expect(second.body).toContain(`999.00 to ${b}.`);
  });

  it('the voice fallback reads the amount and the payee too', async () => {
    const c = await t.client();
    await c.stepUp();
    await smsFor(c, { amount: 250, payee: 'Bób Smith' });
    t.clock.advanceSeconds(31);
    await c.send({ channel: 'voice' }).expect(202);
    const call = t.sms.messages.at(-1);
    expect(call?.channel).toBe('voice');
    expect(call?.body).toContain('250.00');
    expect(call?.body).toContain('Bób Smith');
  });

  it('reads them in the caller\'s language (de)', async () => {
    const c = await t.client();
    await c.stepUp();
    await c.post('/transfer', { amount: 99.5, payee: 'Müller & Söhne' }).expect(401);
    await c.post('/auth/2fa/sms/send', {}).set('accept-language', 'de').expect(202);
    expect(t.sms.messages.at(-1)?.body).toContain('99.50 an Müller & Söhne.');
    t.clock.advanceSeconds(31);
    await c.post('/auth/2fa/sms/send', { channel: 'voice' }).set('accept-language', 'de').expect(202);
    const call = t.sms.messages.at(-1);
    expect(call?.channel).toBe('voice');
    expect(call?.body).toMatch(/99\.50 an Müller & Söhne/);
  });
});
