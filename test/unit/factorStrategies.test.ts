import express, { type Request } from 'express';
import session from 'express-session';
import request from 'supertest';
import { createStepGuard } from '../../src';
import { BackupCodeStrategy, TotpStrategy, WebAuthnStrategy } from '../../src/passport';
import { sealSecret } from '../../src/core/crypto/secretBox';
import { newTotpSecret, totpCodeAt } from '../../src/core/totp/totp';
import { fakeClock } from '../helpers/fakeClock';

type Ending = { kind: 'success' | 'fail' | 'error'; status?: number; info?: unknown };

/**
 * Runs a strategy inside a real Express request (session included: a success finishes the
 * step-up, which writes the session) and resolves with how it ended, counting the endings.
 */
async function run(strategy: TotpStrategy | BackupCodeStrategy | WebAuthnStrategy, body: unknown, user: unknown = { id: 'u1' }): Promise<Ending[]> {
  const endings: Ending[] = [];
  const app = express();
  app.use(session({ secret: 'x'.repeat(40), resave: false, saveUninitialized: false }));
  app.use(express.json());
  app.post('/verify', (req, res) => {
    (req as unknown as { user: unknown }).user = user;
    const s = Object.create(strategy) as Record<string, unknown> & { authenticate(req: Request): void };
    const done = (e: Ending) => {
      endings.push(e);
      setTimeout(() => res.json({ ok: true }), 20);
    };
    s.success = (_u: unknown, info: unknown) => done({ kind: 'success', info });
    s.fail = (_c: unknown, status?: number) => done({ kind: 'fail', status });
    s.error = () => done({ kind: 'error' });
    s.authenticate(req);
  });
  await request(app).post('/verify').send(body as object);
  return endings;
}

describe('factor strategies', () => {
  const clock = fakeClock();
  const guard = createStepGuard({ environment: 'test', clock });
  const secret = newTotpSecret();
  let totpId = '';

  beforeAll(async () => {
    // Enrol through the service, as the routes do, with a secret the test knows.
    const sealedSecret = sealSecret(guard.config.keyring, guard.config.random, secret);
    // A first factor needs only a fresh password (the binding rule).
    const enrolled = await guard.service.confirmTotpEnrolment({ userId: 'u1', sealedSecret, code: await totpCodeAt(secret, clock.nowMs()), proof: { factors: { pwd: clock.nowMs() } } });
    if (!enrolled.ok) throw new Error(`enrolment refused: ${enrolled.reason}`);
    totpId = enrolled.factorId;
    expect(await guard.service.listEnrolledFactors('u1')).toEqual(['otp']);
  });

  it('are named totp, webauthn and backup-code, and need the guard', () => {
    expect(guard.strategies.totp.name).toBe('totp');
    expect(guard.strategies.webauthn.name).toBe('webauthn');
    expect(guard.strategies.backupCode.name).toBe('backup-code');
    expect(() => new TotpStrategy({} as never)).toThrow(TypeError);
    expect(() => new WebAuthnStrategy(undefined as never)).toThrow(TypeError);
    expect(() => new BackupCodeStrategy({} as never)).toThrow(TypeError);
  });

  it('totp: succeeds once for a fresh code, fails for a replay, 400 for junk, 401 without a user', async () => {
    clock.advanceSeconds(60);
    const code = await totpCodeAt(secret, clock.nowMs());
    expect(await run(guard.strategies.totp, { code })).toEqual([{ kind: 'success', info: expect.objectContaining({ ok: true }) }]);
    expect(await run(guard.strategies.totp, { code })).toEqual([{ kind: 'fail', status: 401 }]);
    expect(await run(guard.strategies.totp, { code: 12 })).toEqual([{ kind: 'fail', status: 400 }]);
    expect(await run(guard.strategies.totp, { code }, undefined)).toEqual([{ kind: 'fail', status: 401 }]);
  });

  it('backup-code: one success per code', async () => {
    // The account has an app now: regenerating needs a fresh step-up with it.
    const now = clock.nowMs();
    const regenerated = await guard.service.regenerateBackupCodes({ userId: 'u1', proof: { factors: { pwd: now, otp: now }, refs: { otp: totpId } } });
    if (!regenerated.ok) throw new Error(`regeneration refused: ${regenerated.reason}`);
    const { codes } = regenerated;
    expect(await run(guard.strategies.backupCode, { code: codes[0] })).toEqual([{ kind: 'success', info: expect.objectContaining({ remaining: 9 }) }]);
    expect(await run(guard.strategies.backupCode, { code: codes[0] })).toEqual([{ kind: 'fail', status: 401 }]);
    expect(await run(guard.strategies.backupCode, { code: ['x'] })).toEqual([{ kind: 'fail', status: 400 }]);
  });

  it('webauthn: refuses malformed assertions without calling the service', async () => {
    expect(await run(guard.strategies.webauthn, { response: 'nope' })).toEqual([{ kind: 'fail', status: 400 }]);
    expect(await run(guard.strategies.webauthn, {})).toEqual([{ kind: 'fail', status: 400 }]);
  });
});
