import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { createStepGuard, type StepGuard } from '../../src';
import { SmsOtpStrategy } from '../../src/passport';
import { RecordingSmsProvider } from '../helpers/RecordingSmsProvider';

/** A host app that uses the strategy instead of the plugin's verify route. */
async function hostApp() {
  const sms = new RecordingSmsProvider();
  const guard: StepGuard = createStepGuard({ environment: 'test', sms: { provider: sms } });
  await guard.service.bindPhoneUnchecked('u1', '+14155550123');
  const strategy = new SmsOtpStrategy({ guard });
  const outcomes: string[] = [];
  const app = express();
  app.use(session({ secret: 'x'.repeat(40), resave: false, saveUninitialized: false }));
  app.use(express.json());
  app.use((req, _res, next) => {
    (req as unknown as { user: unknown }).user = { id: 'u1' };
    next();
  });
  app.post('/login', async (req, res) => {
    await guard.recordFirstFactor(req);
    res.json({ ok: true });
  });
  app.post('/send', async (req, res) => {
    // The host drives sending through the plugin's service and keeps the challenge in the session.
    const state = req.session.stepguard!;
    const result = await guard.service.sendSmsChallenge({ userId: 'u1', bindingId: state.bindingId, action: 'login' });
    if (!result.ok) return res.status(500).json(result);
    state.sms = { challengeId: result.challengeId, action: 'login', expiresAtMs: result.expiresAtMs, resendAvailableAtMs: result.resendAvailableAtMs, maskedPhone: result.maskedPhone };
    res.status(202).json({ ok: true });
  });
  app.post('/verify', (req, res, next) => {
    const s = Object.create(strategy) as SmsOtpStrategy & Record<string, unknown>;
    s.success = (_user: unknown, info: unknown) => {
      outcomes.push('success');
      res.json({ info, acr: guard.sessionInfo(req)?.acr });
    };
    s.fail = (challenge: unknown, status?: number) => {
      outcomes.push('fail');
      res.status(status ?? 401).json({ error: challenge });
    };
    s.error = (err: Error) => {
      outcomes.push('error');
      next(err);
    };
    s.authenticate(req);
  });
  return { app, sms, outcomes };
}

describe('SmsOtpStrategy', () => {
  it('requires the guard', () => {
    expect(() => new SmsOtpStrategy(undefined as never)).toThrow(TypeError);
    expect(() => new SmsOtpStrategy({} as never)).toThrow(/options\.guard/);
  });

  it('is named sms-otp', () => {
    const guard = createStepGuard({ environment: 'test' });
    expect(new SmsOtpStrategy({ guard }).name).toBe('sms-otp');
    expect(guard.strategies.smsOtp.name).toBe('sms-otp');
  });

  it('succeeds once with the right code, leaving the level to the route', async () => {
    const { app, sms, outcomes } = await hostApp();
    const agent = request.agent(app);
    await agent.post('/login').expect(200);
    await agent.post('/send').expect(202);
    const res = await agent.post('/verify').send({ code: sms.lastCode() }).expect(200);
    expect(res.body).toMatchObject({ info: { factor: 'sms', action: 'login' }, acr: 'aal2' });
    expect(outcomes).toEqual(['success']);
  });

  it('fails with the status of the reason, exactly once per request', async () => {
    const { app, sms, outcomes } = await hostApp();
    const agent = request.agent(app);
    await agent.post('/login').expect(200);
    await agent.post('/verify').send({ code: '123456' }).expect(409);
    await agent.post('/send').expect(202);
    await agent.post('/verify').send({ code: 12 }).expect(400);
    const wrong = sms.lastCode() === '000000' ? '111111' : '000000';
    const res = await agent.post('/verify').send({ code: wrong }).expect(401);
    expect(res.body.error).toMatchObject({ code: 'invalid_code', attemptsLeft: 4 });
    expect(outcomes).toEqual(['fail', 'fail', 'fail']);
  });
});
