import { createHmac } from 'node:crypto';
import { HttpSmsProvider } from '../../src/sms/providers/HttpSmsProvider';
import { TwilioSmsProvider } from '../../src/sms/providers/TwilioSmsProvider';
import { TwilioVerifyProvider } from '../../src/sms/providers/TwilioVerifyProvider';
import { VonageSmsProvider } from '../../src/sms/providers/VonageSmsProvider';
import { twilioSignature, vonageSignature } from '../../src/sms/providers/receiptSignatures';
import { SmsProviderError } from '../../src/sms/SmsProviderError';
import { genericAccepted, startFakeSmsProviderServer, type FakeSmsProviderServer } from '../helpers/fakeSmsProviderServer';

const SID = `AC${'a1'.repeat(16)}`;
const VERIFY_SID = `VA${'b2'.repeat(16)}`;
const message = { to: '+447700900123', body: '123456 is your code.\n\n@example.com #123456', channel: 'sms' as const, idempotencyKey: 'ch1.1' };

let fake: FakeSmsProviderServer;
afterEach(async () => {
  await fake?.close();
});

describe('HttpSmsProvider (generic)', () => {
  it('posts {to, from, body, channel} as JSON with a bearer token and an idempotency key', async () => {
    fake = await startFakeSmsProviderServer(genericAccepted);
    const provider = new HttpSmsProvider({ baseUrl: `${fake.url}/v1/`, bearerToken: 'tok-123', from: 'Acme' });
    const result = await provider.send(message);
    expect(result).toEqual({ providerMessageId: expect.stringMatching(/^gen-/), status: 'accepted' });
    const [request] = fake.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers.authorization).toBe('Bearer tok-123');
    expect(request?.headers['idempotency-key']).toBe('ch1.1');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.json()).toEqual({ to: '+447700900123', from: 'Acme', body: message.body, channel: 'sms' });
  });

  it.each([
    [{ status: 429, body: {}, headers: { 'retry-after': '7' } }, 'transient', 7],
    [{ status: 503, body: {} }, 'transient', undefined],
    [{ status: 400, body: { error: 'bad number' } }, 'permanent', undefined],
    [{ status: 401, body: {} }, 'permanent', undefined],
    [{ status: 201, body: { status: 'accepted' } }, 'permanent', undefined],
  ])('classifies %j as %s', async (reply, kind, retryAfterSeconds) => {
    fake = await startFakeSmsProviderServer(() => reply);
    const provider = new HttpSmsProvider({ baseUrl: fake.url, bearerToken: 't', from: 'A' });
    const err = (await provider.send(message).catch((e: unknown) => e)) as SmsProviderError;
    expect(err).toBeInstanceOf(SmsProviderError);
    expect(err.kind).toBe(kind);
    expect(err.details.retryAfterSeconds).toBe(retryAfterSeconds);
    expect(err.message).not.toContain('123456');
  });

  it('times out a provider that hangs, as a transient failure', async () => {
    fake = await startFakeSmsProviderServer(() => 'hang');
    const provider = new HttpSmsProvider({ baseUrl: fake.url, bearerToken: 't', from: 'A', timeoutMs: 200 });
    const started = Date.now();
    const err = (await provider.send(message).catch((e: unknown) => e)) as SmsProviderError;
    expect(err.kind).toBe('transient');
    expect(err.details.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('accepts receipts signed over the raw body within the time window, and nothing else', () => {
    const provider = new HttpSmsProvider({ baseUrl: 'http://127.0.0.1:1', bearerToken: 't', from: 'A', webhookSecret: 'receipt-secret-0123456789' });
    const nowMs = Date.UTC(2026, 10, 22, 12);
    const receipt = (body: object, sign = 'receipt-secret-0123456789', at = nowMs) => {
      const raw = Buffer.from(JSON.stringify(body));
      return { rawBody: raw, contentType: 'application/json', headers: { 'x-signature': createHmac('sha256', sign).update(raw).digest('hex') }, url: '', nowMs: at };
    };
    const body = { id: 'gen-1', status: 'delivered', timestamp: nowMs / 1000 };
    expect(provider.verifyReceipt(receipt(body))).toEqual({ ok: true, receipts: [{ providerMessageId: 'gen-1', status: 'delivered', providerStatus: 'delivered' }] });
    expect(provider.verifyReceipt(receipt(body, 'another-secret-0123456789'))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(provider.verifyReceipt({ ...receipt(body), headers: {} })).toEqual({ ok: false, reason: 'bad_signature' });
    // A captured receipt replayed ten minutes later is stale.
    expect(provider.verifyReceipt(receipt(body, undefined, nowMs + 600_000))).toEqual({ ok: false, reason: 'stale' });
    expect(provider.verifyReceipt(receipt({ ...body, timestamp: undefined }))).toEqual({ ok: false, reason: 'stale' });
    expect(provider.verifyReceipt(receipt({ ...body, status: 'read-by-cat' }))).toEqual({ ok: false, reason: 'malformed' });
    const tampered = receipt(body);
    tampered.rawBody = Buffer.from(JSON.stringify({ ...body, status: 'failed' }));
    expect(provider.verifyReceipt(tampered)).toEqual({ ok: false, reason: 'bad_signature' });
    const noSecret = new HttpSmsProvider({ baseUrl: 'http://127.0.0.1:1', bearerToken: 't', from: 'A' });
    expect(noSecret.verifyReceipt(receipt(body))).toEqual({ ok: false, reason: 'bad_signature' });
  });
});

describe('TwilioSmsProvider', () => {
  const twilioReply = () => ({ status: 201, body: { sid: `SM${Date.now()}`, status: 'queued' } });

  it('posts form-encoded Messages.json with basic auth, a status callback and an idempotency token', async () => {
    fake = await startFakeSmsProviderServer(twilioReply);
    const provider = new TwilioSmsProvider({ accountSid: SID, authToken: 'auth-token', from: '+15005550006', baseUrl: fake.url });
    provider.setDefaultStatusCallbackUrl('https://app.example/auth/2fa/webhooks/twilio');
    const result = await provider.send(message);
    expect(result.status).toBe('accepted');
    const [request] = fake.requests;
    expect(request?.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:auth-token`).toString('base64')}`);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers['i-twilio-idempotency-token']).toBe('ch1.1');
    expect(Object.fromEntries(request?.form() ?? [])).toEqual({
      To: '+447700900123',
      From: '+15005550006',
      Body: message.body,
      StatusCallback: 'https://app.example/auth/2fa/webhooks/twilio',
    });
  });

  it('calls for the voice channel and prefixes WhatsApp numbers', async () => {
    fake = await startFakeSmsProviderServer(twilioReply);
    const provider = new TwilioSmsProvider({ accountSid: SID, authToken: 'x', from: '+15005550006', whatsappFrom: '+15005550007', baseUrl: fake.url });
    expect(provider.channels).toEqual(['sms', 'voice', 'whatsapp']);
    await provider.send({ ...message, channel: 'voice', body: 'Your code is 1, 2, 3.', locale: 'de' });
    await provider.send({ ...message, channel: 'whatsapp' });
    const [call, whatsapp] = fake.requests;
    expect(call?.path).toBe(`/2010-04-01/Accounts/${SID}/Calls.json`);
    expect(call?.form().get('Twiml')).toBe('<Response><Say language="de">Your code is 1, 2, 3.</Say><Pause length="1"/><Say language="de">Your code is 1, 2, 3.</Say></Response>');
    expect(whatsapp?.form().get('To')).toBe('whatsapp:+447700900123');
    expect(whatsapp?.form().get('From')).toBe('whatsapp:+15005550007');
  });

  it('computes X-Twilio-Signature as Twilio documents it', () => {
    const params = new URLSearchParams({ CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' });
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('accepts only receipts signed for the configured callback URL', () => {
    const url = 'https://app.example/auth/2fa/webhooks/twilio';
    const provider = new TwilioSmsProvider({ accountSid: SID, authToken: 'auth-token', from: '+15005550006', statusCallbackUrl: url });
    const params = new URLSearchParams({ MessageSid: 'SM1', MessageStatus: 'delivered', AccountSid: SID });
    const receipt = (signature: string) => ({ rawBody: Buffer.from(params.toString()), contentType: 'application/x-www-form-urlencoded', headers: { 'x-twilio-signature': signature }, url: 'https://evil.example/', nowMs: 0 });
    expect(provider.verifyReceipt(receipt(twilioSignature('auth-token', url, params)))).toMatchObject({ ok: true, receipts: [{ providerMessageId: 'SM1', status: 'delivered' }] });
    expect(provider.verifyReceipt(receipt(twilioSignature('auth-token', 'https://evil.example/', params)))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(provider.verifyReceipt(receipt(twilioSignature('wrong', url, params)))).toEqual({ ok: false, reason: 'bad_signature' });
  });
});

describe('VonageSmsProvider', () => {
  it('posts /sms/json with credentials, the number without +, and unicode type when needed', async () => {
    fake = await startFakeSmsProviderServer(() => ({ status: 200, body: { 'message-count': '1', messages: [{ status: '0', 'message-id': 'vmsg-1', 'message-price': '0.03330000' }] } }));
    const provider = new VonageSmsProvider({ apiKey: 'key', apiSecret: 'secret', from: 'Acme', baseUrl: fake.url });
    expect(await provider.send(message)).toEqual({ providerMessageId: 'vmsg-1', status: 'accepted', costMicros: 33_300 });
    await provider.send({ ...message, body: '123456 — код' });
    const [first, second] = fake.requests;
    expect(first?.path).toBe('/sms/json');
    expect(Object.fromEntries(first?.form() ?? [])).toEqual({ api_key: 'key', api_secret: 'secret', from: 'Acme', to: '447700900123', text: message.body, 'client-ref': 'ch1.1' });
    expect(second?.form().get('type')).toBe('unicode');
  });

  it('treats throttling (status 1) as transient and an invalid number (status 3) as permanent', async () => {
    fake = await startFakeSmsProviderServer(() => ({ status: 200, body: { messages: [{ status: '1' }] } }));
    const provider = new VonageSmsProvider({ apiKey: 'k', apiSecret: 's', from: 'A', baseUrl: fake.url });
    expect(((await provider.send(message).catch((e: unknown) => e)) as SmsProviderError).kind).toBe('transient');
    fake.script.push({ status: 200, body: { messages: [{ status: '3' }] } });
    expect(((await provider.send(message).catch((e: unknown) => e)) as SmsProviderError).kind).toBe('permanent');
  });

  it('verifies signed delivery receipts and their timestamp', () => {
    const provider = new VonageSmsProvider({ apiKey: 'k', apiSecret: 's', from: 'A', signatureSecret: 'sig-secret' });
    const nowMs = 1_800_000_000_000;
    const params: Record<string, string> = { messageId: 'vmsg-1', status: 'delivered', timestamp: String(nowMs / 1000), msisdn: '447700900123' };
    const signed = { ...params, sig: vonageSignature('sig-secret', params) };
    const receipt = (body: Record<string, string>, at = nowMs) => ({ rawBody: Buffer.from(new URLSearchParams(body).toString()), contentType: 'application/x-www-form-urlencoded', headers: {}, url: '', nowMs: at });
    expect(provider.verifyReceipt(receipt(signed))).toMatchObject({ ok: true, receipts: [{ providerMessageId: 'vmsg-1', status: 'delivered' }] });
    expect(provider.verifyReceipt(receipt({ ...signed, status: 'failed' }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(provider.verifyReceipt(receipt(signed, nowMs + 3_600_000))).toEqual({ ok: false, reason: 'stale' });
  });
});

describe('TwilioVerifyProvider (the provider owns the code)', () => {
  it('starts a verification on the asked channel and checks codes', async () => {
    fake = await startFakeSmsProviderServer((req) =>
      req.path.endsWith('/Verifications')
        ? { status: 201, body: { sid: 'VE1', status: 'pending' } }
        : { status: 200, body: { status: req.form().get('Code') === '424242' ? 'approved' : 'pending', valid: req.form().get('Code') === '424242' } },
    );
    const provider = new TwilioVerifyProvider({ accountSid: SID, authToken: 'tok', serviceSid: VERIFY_SID, baseUrl: fake.url });
    expect(await provider.start({ to: '+447700900123', channel: 'voice', locale: 'fr' })).toEqual({ providerMessageId: 'VE1', status: 'accepted' });
    expect(fake.requests[0]?.path).toBe(`/v2/Services/${VERIFY_SID}/Verifications`);
    expect(Object.fromEntries(fake.requests[0]?.form() ?? [])).toEqual({ To: '+447700900123', Channel: 'call', Locale: 'fr' });
    expect(await provider.check({ to: '+447700900123', code: '111111' })).toEqual({ valid: false });
    expect(await provider.check({ to: '+447700900123', code: '424242' })).toEqual({ valid: true });
    expect(fake.requests[2]?.path).toBe(`/v2/Services/${VERIFY_SID}/VerificationCheck`);
    fake.script.push({ status: 404, body: { code: 20404 } });
    expect(await provider.check({ to: '+447700900123', code: '424242' })).toEqual({ valid: false });
    fake.script.push({ status: 500, body: {} });
    await expect(provider.check({ to: '+447700900123', code: '424242' })).rejects.toBeInstanceOf(SmsProviderError);
  });
});
