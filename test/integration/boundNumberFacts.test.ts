import request from 'supertest';
import type { AuditEvent } from '../../src/core/audit/auditChain';
import { NUMBERING_PLAN } from '../../src/core/phone/normalizePhone';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { recordChallenges } from '../helpers/recordChallenges';

/**
 * Issue 12: a bound number's country and line type are read once, when it is bound, and kept
 * with the binding; the send keeps the country with the challenge, so neither the send, the risk
 * policy nor the verify parses the number per step-up. What they judge must be what the binding
 * and the challenge say: a line type kept as VoIP is refused even where the numbering plan would
 * let it through, and a binding from before (no line type kept) is still read from the number.
 */
describe('the bound number as its binding keeps it', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const events = (app: TestApp, userId: string, type: string): AuditEvent[] => app.audit.unsafeChain(userId).filter((e) => e.type === type);

  /** A fresh account bound (through the store, as an older release or another node would) to `e164`. */
  async function boundAccount(app: TestApp, name: string, e164: string, lineType?: string | null, numberingPlan: string = NUMBERING_PLAN) {
    const c = await app.client();
    const created = await c.post('/auth/signup', { username: name, password: 'correct horse battery' }).expect(201);
    const userId = String(created.body.user.id);
    await app.stores.phones.bind({
      userId,
      e164,
      phoneHash: `test-hash:${e164}`,
      country: 'US',
      ...(lineType !== undefined ? { lineType, numberingPlan } : {}),
      nowMs: app.clock.nowMs() - 30 * 86_400_000,
      maxAccountsPerNumber: 3,
    });
    await c.login(name, 'correct horse battery').expect(200);
    return { c, userId };
  }

  it('a number bound through the flow keeps its line type and country', async () => {
    t = await createTestApp();
    const c = await t.client();
    const created = await c.post('/auth/signup', { username: 'nora', password: 'correct horse battery' }).expect(201);
    const userId = String(created.body.user.id);
    await c.login('nora', 'correct horse battery').expect(200);
    await c.post('/auth/2fa/phone', { phone: '+447400123456' }).expect(202);
    await c.post('/auth/2fa/phone/verify', { code: t.sms.lastCode() }).expect(200);
    expect(await t.stores.phones.getActive(userId)).toMatchObject({ e164: '+447400123456', country: 'GB', lineType: 'MOBILE', numberingPlan: NUMBERING_PLAN });
  });

  it('a send judges the line type the binding keeps: kept as VoIP, it is refused though the numbering plan says otherwise', async () => {
    t = await createTestApp();
    const { c, userId } = await boundAccount(t, 'victor', '+12015550177', 'VOIP');
    await c.send().expect(422);
    expect(events(t, userId, 'sms_blocked')).toEqual([expect.objectContaining({ lineType: 'VOIP', lineTypeSource: 'numbering_plan', reasons: ['pumping_line_type'] })]);
    expect(t.sms.messages).toHaveLength(0);
  });

  it('a line type kept under another numbering plan (another libphonenumber release) is read again with this one', async () => {
    t = await createTestApp();
    const { c, userId } = await boundAccount(t, 'ivan', '+12015550179', 'VOIP', 'libphonenumber-js@0.0.1');
    await c.send().expect(202);
    expect(events(t, userId, 'otp_sent')).toEqual([expect.objectContaining({ lineType: 'FIXED_LINE_OR_MOBILE', lineTypeSource: 'numbering_plan', country: 'US' })]);
  });

  it('a binding from before the line type was kept is read from the number, as it always was', async () => {
    t = await createTestApp();
    const { c, userId } = await boundAccount(t, 'olga', '+12015550178');
    expect((await t.stores.phones.getActive(userId))?.lineType).toBeUndefined();
    await c.send().expect(202);
    expect(events(t, userId, 'otp_sent')).toEqual([expect.objectContaining({ lineType: 'FIXED_LINE_OR_MOBILE', lineTypeSource: 'numbering_plan', country: 'US' })]);
  });

  it('the challenge keeps the country the send read, and the verify counts the success under it', async () => {
    t = await createTestApp();
    // Kept as if the send had read another country: the verify must take the challenge's word for it.
    const created = recordChallenges(t, (record) => ({ ...record, country: 'CA' }));
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    expect(created.map((r) => r.country)).toEqual(['US']);
    await c.verify(t.sms.lastCode()).expect(200);
    const metrics = (await request(t.app).get('/metrics').expect(200)).text;
    expect(metrics).toContain('stepguard_verifications_total{factor="sms",result="success",country="CA"} 1');
  });
});
