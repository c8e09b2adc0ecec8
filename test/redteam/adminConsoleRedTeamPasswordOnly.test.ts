import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { softPasskey } from '../helpers/softPasskey';
import { DEMO_ACCOUNT, DEMO_OPERATOR } from '../../src/demo/createDemoApp';

/**
 * Red team, issue #17 (attacker 1: knows only the operator's password). The console asks for a
 * fresh passkey step-up "additionally" to the host's authorize, but an operator account with no
 * second factor may bind a first one with the password alone (binding rule), and a first factor
 * starts no cool-off: so the attacker binds their OWN passkey and steps up with it. The passkey
 * requirement then adds nothing to the password. Found: a passkey the account bound moments
 * ago on the strength of the password alone (aal1) must not open the console.
 */
const ADMIN = '/admin/2fa';

describe('red team #17: password-only operator and a passkey of their own', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('binding a first passkey with the password alone and stepping up with it does not open the console, nor let a support action through', async () => {
    const attacker = await t.client();
    await attacker.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
    const key = softPasskey({ rpID: t.guard.config.webauthn.rpID, origin: t.guard.config.webauthn.origins[0] as string });
    const creation = await attacker.post('/auth/2fa/webauthn/registration/options', {}).expect(200);
    await attacker.post('/auth/2fa/webauthn/registration/verify', { response: key.register(creation.body), nickname: 'attacker key' }).expect(201);
    const request = await attacker.post('/auth/2fa/webauthn/authentication/options', {}).expect(200);
    await attacker.post('/auth/2fa/webauthn/authentication/verify', { response: key.authenticate(request.body) }).expect(200);

    expect((await attacker.get(`${ADMIN}/`)).status).not.toBe(200);
    const aliceId = t.users.idOf(DEMO_ACCOUNT.username) as string;
    const reset = await attacker.post(`${ADMIN}/users/${aliceId}/reset-factor`, { factor: 'sms', reason: 'ticket 1' });
    expect(reset.status).toBeGreaterThanOrEqual(400);
    expect(await t.guard.service.maskedPhoneOf(aliceId)).not.toBeNull();
  });
});
