import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { softPasskey } from '../helpers/softPasskey';
import { DEMO_OPERATOR } from '../../src/demo/createDemoApp';
import { totpCodeAt } from '../../src/core/totp/totp';

/**
 * Red team #17, second pass (attacker 1: knows only the operator's password). The first-factor
 * wait (adminRouter firstFactorWaitSeconds, 72 h) exempts any factor that had another instance
 * enrolled before it, leaving it to the account cool-off. But backup codes can be the first
 * "instance" and are generated with the password alone; a passkey bound next with one of those
 * codes as the step-up is no longer "first", so only factorChange.coolOffSeconds holds it back.
 * The same with an authenticator app bound first: it waits, the passkey bound on its step-up does not.
 * A host that runs a shorter cool-off (valid: 0..90 days) gets that instead of the 72 h wait:
 * the passkey was bound on nothing more than the password, and it opens the console.
 * Fault: src/core/assurance/waitingFirstFactorRefs.ts (any earlier instance, backup codes or a
 * factor still waiting itself, ends the wait) with src/service/highRiskFactorTimes.ts.
 */
const ADMIN = '/admin/2fa';
const HOUR = 3600;

describe('red team #17 (2nd pass): the first-factor wait after backup codes bound with the password alone', () => {
  let t: TestApp;
  beforeEach(async () => {
    // The console's default 72 h wait; a host's one-hour cool-off.
    t = await createTestApp({ adminFirstFactorWaitSeconds: 72 * HOUR, guardOptions: { factorChange: { coolOffSeconds: HOUR } } });
  });
  afterEach(async () => {
    await t.close();
  });

  it('a passkey bound with a backup code the password alone minted does not open the console before the 72 h wait', async () => {
    const attacker = await t.client();
    await attacker.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
    // 1. Backup codes first: the account has no second factor, so the password alone may bind them.
    const minted = await attacker.post('/auth/2fa/backup-codes', {}).expect(201);
    const codes = minted.body.codes as string[];
    t.clock.advanceSeconds(30);
    await attacker.post('/auth/2fa/backup-codes/verify', { code: codes[0] }).expect(200);
    // 2. A passkey of the attacker's own, stepped up with a code from step 1.
    const key = softPasskey({ rpID: t.guard.config.webauthn.rpID, origin: t.guard.config.webauthn.origins[0] as string });
    const creation = await attacker.post('/auth/2fa/webauthn/registration/options', {}).expect(200);
    await attacker.post('/auth/2fa/webauthn/registration/verify', { response: key.register(creation.body), nickname: 'attacker key' }).expect(201);
    // (30 s later, as a person would: the same millisecond made both "first".)
    // 3. The cool-off (1 h) runs out; the 72 h wait has not.
    t.clock.advanceSeconds(2 * HOUR);
    const request = await attacker.post('/auth/2fa/webauthn/authentication/options', {}).expect(200);
    await attacker.post('/auth/2fa/webauthn/authentication/verify', { response: key.authenticate(request.body) }).expect(200);

    expect((await attacker.get(`${ADMIN}/`)).status).toBe(403);
  });

  it('a passkey bound with the step-up of a still-waiting authenticator app does not open the console before the 72 h wait', async () => {
    const attacker = await t.client();
    await attacker.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
    // 1. An authenticator app first (password alone): it waits 72 h itself.
    const setup = await attacker.post('/auth/2fa/totp/setup', {}).expect(201);
    await attacker.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).expect(201);
    t.clock.advanceSeconds(30);
    await attacker.post('/auth/2fa/totp/verify', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).expect(200);
    // 2. A passkey bound on the app's step-up is not "first", so only the 1 h cool-off holds it.
    const key = softPasskey({ rpID: t.guard.config.webauthn.rpID, origin: t.guard.config.webauthn.origins[0] as string });
    const creation = await attacker.post('/auth/2fa/webauthn/registration/options', {}).expect(200);
    await attacker.post('/auth/2fa/webauthn/registration/verify', { response: key.register(creation.body), nickname: 'attacker key' }).expect(201);
    t.clock.advanceSeconds(2 * HOUR);
    const request = await attacker.post('/auth/2fa/webauthn/authentication/options', {}).expect(200);
    await attacker.post('/auth/2fa/webauthn/authentication/verify', { response: key.authenticate(request.body) }).expect(200);

    expect((await attacker.get(`${ADMIN}/`)).status).toBe(403);
  });

  it('control: the same passkey bound as the first factor waits (403) two hours in', async () => {
    const attacker = await t.client();
    await attacker.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
    const key = softPasskey({ rpID: t.guard.config.webauthn.rpID, origin: t.guard.config.webauthn.origins[0] as string });
    const creation = await attacker.post('/auth/2fa/webauthn/registration/options', {}).expect(200);
    await attacker.post('/auth/2fa/webauthn/registration/verify', { response: key.register(creation.body), nickname: 'attacker key' }).expect(201);
    t.clock.advanceSeconds(2 * HOUR);
    const request = await attacker.post('/auth/2fa/webauthn/authentication/options', {}).expect(200);
    await attacker.post('/auth/2fa/webauthn/authentication/verify', { response: key.authenticate(request.body) }).expect(200);
    expect((await attacker.get(`${ADMIN}/`)).status).toBe(403);
  });
});
