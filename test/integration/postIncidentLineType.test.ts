import { createHmac } from 'node:crypto';
import request from 'supertest';
import { deriveAuditKey, verifyAuditChain, type AuditEvent } from '../../src/core/audit/auditChain';
import type { PhoneIntelProvider } from '../../src/risk/types';
import { HttpSmsProvider } from '../../src/sms/providers/HttpSmsProvider';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { genericAccepted, startFakeSmsProviderServer, type FakeSmsProviderServer } from '../helpers/fakeSmsProviderServer';

const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';

/**
 * Post-incident reviews ("how much of last night's traffic was VoIP?"): every SMS send, refusal
 * and delivery report in the audit trail names the number's line type, where that came from
 * (carrier lookup or numbering plan) and the country; the chain still verifies.
 */
describe('line type, its source and the country on SMS audit events', () => {
  let t: TestApp | undefined;
  let fake: FakeSmsProviderServer | undefined;
  afterEach(async () => {
    await t?.close();
    await fake?.close();
    t = undefined;
    fake = undefined;
  });

  const events = (app: TestApp, userId: string, type: string): AuditEvent[] => app.audit.unsafeChain(userId).filter((e) => e.type === type);
  const carrierSays = (lineType: string): PhoneIntelProvider => ({ lookup: async () => ({ lineType }) });

  async function signedInUser(app: TestApp, name: string) {
    const c = await app.client();
    const created = await c.post('/auth/signup', { username: name, password: 'correct horse battery' }).expect(201);
    await c.login(name, 'correct horse battery').expect(200);
    return { c, userId: String(created.body.user.id) };
  }

  it('a code sent to a bound number: the numbering plan\'s type', async () => {
    t = await createTestApp();
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    expect(events(t, 'u1', 'otp_sent')).toEqual([expect.objectContaining({ lineType: 'FIXED_LINE_OR_MOBILE', lineTypeSource: 'numbering_plan', country: 'US' })]);
    expect(verifyAuditChain(deriveAuditKey(PEPPER), t.audit.unsafeChain('u1')).ok).toBe(true);
  });

  it('a code to a new number: the carrier lookup\'s type', async () => {
    t = await createTestApp({ guardOptions: { risk: { phoneIntel: carrierSays('MOBILE') } } });
    const { c, userId } = await signedInUser(t, 'victor');
    await c.post('/auth/2fa/phone', { phone: '+447400123456' }).expect(202);
    expect(events(t, userId, 'otp_sent')).toEqual([expect.objectContaining({ lineType: 'MOBILE', lineTypeSource: 'carrier_lookup', country: 'GB' })]);
  });

  it('a send refused for its line type, by the carrier lookup and by the numbering plan', async () => {
    t = await createTestApp({ guardOptions: { risk: { phoneIntel: carrierSays('VOIP') } } });
    const voip = await signedInUser(t, 'mallory');
    await voip.c.post('/auth/2fa/phone', { phone: '+447400123456' }).expect(422);
    expect(events(t, voip.userId, 'sms_blocked')).toEqual([expect.objectContaining({ lineType: 'VOIP', lineTypeSource: 'carrier_lookup', country: 'GB', reasons: ['pumping_line_type'] })]);
    await t.close();
    t = await createTestApp();
    const uan = await signedInUser(t, 'oscar');
    await uan.c.post('/auth/2fa/phone', { phone: '+445511234567' }).expect(422);
    expect(events(t, uan.userId, 'sms_blocked')).toEqual([expect.objectContaining({ lineType: 'UAN', lineTypeSource: 'numbering_plan', country: 'GB' })]);
  });

  it('a security notice to the old number', async () => {
    t = await createTestApp();
    const c = await t.client();
    await c.stepUp();
    await c.post('/auth/2fa/phone', { phone: '+447400123456' }).expect(202);
    await c.post('/auth/2fa/phone/verify', { code: t.sms.lastCode() }).expect(200);
    expect(events(t, 'u1', 'security_notice_sent')).toEqual([expect.objectContaining({ lineType: 'FIXED_LINE_OR_MOBILE', lineTypeSource: 'numbering_plan', country: 'US' })]);
    expect(verifyAuditChain(deriveAuditKey(PEPPER), t.audit.unsafeChain('u1')).ok).toBe(true);
  });

  it.each([['memory'], ['redis']])('a delivery report that the message did not arrive (delivery records in %s)', async (backend) => {
    const secret = 'receipt-secret-for-the-tests-0123';
    fake = await startFakeSmsProviderServer(genericAccepted);
    t = await createTestApp({ redis: backend === 'redis', smsProviders: [new HttpSmsProvider({ name: 'http', baseUrl: fake.url, bearerToken: 'tok', from: 'Demo', webhookSecret: secret })] });
    const c = await t.client();
    await c.login().expect(200);
    const sent = await c.send().expect(202);
    const providerId = (await t.stores.deliveries.latestForChallenge('u1', sent.body.challengeId))?.providerMessageId as string;
    const raw = JSON.stringify({ id: providerId, status: 'undelivered', timestamp: t.clock.nowMs() / 1000 });
    await request(t.app)
      .post('/auth/2fa/webhooks/http')
      .set('content-type', 'application/json')
      .set('x-signature', createHmac('sha256', secret).update(raw).digest('hex'))
      .send(raw)
      .expect(200);
    expect(events(t, 'u1', 'sms_undelivered')).toEqual([expect.objectContaining({ lineType: 'FIXED_LINE_OR_MOBILE', lineTypeSource: 'numbering_plan', country: 'US' })]);
    expect(verifyAuditChain(deriveAuditKey(PEPPER), t.audit.unsafeChain('u1')).ok).toBe(true);
  });

  it('events that are not about an SMS keep their shape (and older events their MACs)', async () => {
    t = await createTestApp();
    const c = await t.client();
    await c.login().expect(200);
    const login = events(t, 'u1', 'login_succeeded')[0] as AuditEvent;
    expect(login).not.toHaveProperty('lineType');
    // Removing the line type from an event that had one breaks its MAC.
    await c.send().expect(202);
    const sent = events(t, 'u1', 'otp_sent')[0] as AuditEvent;
    const { lineType: _l, lineTypeSource: _s, ...stripped } = sent;
    expect(verifyAuditChain(deriveAuditKey(PEPPER), [login, stripped as AuditEvent]).ok).toBe(false);
  });
});
