import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { softPasskey } from '../helpers/softPasskey';
import { DEMO_ACCOUNT, DEMO_OPERATOR } from '../../src/demo/createDemoApp';
import { DEFAULT_FIRST_FACTOR_WAIT_SECONDS } from '../../src/http/admin/adminRouterOptions';

/**
 * Red team, issue #17 (an operator's support actions). Found:
 * - the reason must be "one line of text", but only \p{Cc} is refused: U+2028 (line separator)
 *   and U+202E (right-to-left override) pass, so a reason can break lines or show reversed text
 *   in the audit trail a reviewer reads;
 * - a factor reset from the console is audited without the operator's request context (IP,
 *   request id, user agent), while unlock and revoke-access keep it: the most sensitive action
 *   is the one a post-incident review cannot trace to a connection.
 */
const ADMIN = '/admin/2fa';
type Client = Awaited<ReturnType<TestApp['client']>>;

async function steppedUpOperator(t: TestApp): Promise<Client> {
  const c = await t.client();
  await c.login(DEMO_OPERATOR.username, DEMO_OPERATOR.password).expect(200);
  const key = softPasskey({ rpID: t.guard.config.webauthn.rpID, origin: t.guard.config.webauthn.origins[0] as string });
  const creation = await c.post('/auth/2fa/webauthn/registration/options', {}).expect(200);
  await c.post('/auth/2fa/webauthn/registration/verify', { response: key.register(creation.body), nickname: 'Operator key' }).expect(201);
  // The operator's first passkey was bound with the password alone: the console counts it only
  // after the first-factor wait (adminConsoleRedTeamPasswordOnly.test.ts), so the clock passes it.
  t.clock.advanceSeconds(DEFAULT_FIRST_FACTOR_WAIT_SECONDS);
  const request = await c.post('/auth/2fa/webauthn/authentication/options', {}).expect(200);
  await c.post('/auth/2fa/webauthn/authentication/verify', { response: key.authenticate(request.body) }).expect(200);
  await c.get(`${ADMIN}/`).expect(200);
  return c;
}

async function auditOf(t: TestApp, userId: string) {
  const events = [];
  for await (const e of t.audit.list({ userId })) events.push(e);
  return events;
}

describe('red team #17: support actions', () => {
  let t: TestApp;
  let c: Client;
  let aliceId: string;
  beforeEach(async () => {
    t = await createTestApp();
    c = await steppedUpOperator(t);
    aliceId = t.users.idOf(DEMO_ACCOUNT.username) as string;
  });
  afterEach(async () => {
    await t.close();
  });

  it.each([
    ['a line separator (U+2028)', 'ticket 1\u2028approved by the CISO'],
    ['a paragraph separator (U+2029)', 'ticket 1\u2029approved'],
    ['a right-to-left override (U+202E)', 'ticket \u202e1 teg'],
    ['zero-width spaces (U+200B)', 'ticket\u200b\u200b\u200b 1'],
  ])('refuses a reason with %s (not one line of plain text)', async (_what, reason) => {
    const res = await c.post(`${ADMIN}/users/${aliceId}/unlock`, { reason });
    expect(res.status).toBe(400);
    expect((await auditOf(t, aliceId)).some((e) => e.type === 'second_factor_unlocked')).toBe(false);
  });

  it("a console reset is audited with the operator's request context, like unlock", async () => {
    await c.post(`${ADMIN}/users/${aliceId}/unlock`, { reason: 'ticket 2' }).expect(200);
    await c.post(`${ADMIN}/users/${aliceId}/reset-factor`, { factor: 'sms', reason: 'ticket 3' }).expect(200);
    const events = await auditOf(t, aliceId);
    const unlocked = events.find((e) => e.type === 'second_factor_unlocked');
    const reset = events.find((e) => e.type === 'factor_changed' && e.actor?.startsWith('admin:'));
    expect(unlocked?.ip).toBeTruthy();
    expect(reset).toBeDefined();
    expect({ ip: reset?.ip, requestId: reset?.requestId }).toEqual({ ip: unlocked?.ip, requestId: expect.anything() });
  });

  // A reset of a factor the user does not have (a misclick in the factor list, or the second of
  // two operators handling one ticket) removes nothing, yet it is audited as a factor change,
  // starts the 7-day cool-off on high-risk actions, signs the user out everywhere and tells them
  // a sign-in method "was removed".
  it('a reset that removes nothing changes nothing: no cool-off, no factor_changed, no sessions revoked', async () => {
    const alice = await t.client();
    await alice.login().expect(200);
    const res = await c.post(`${ADMIN}/users/${aliceId}/reset-factor`, { factor: 'totp', reason: 'ticket 5' }).expect(200);
    expect(res.body.removed).toBe(0);
    expect(await t.stores.coolOffs.get(aliceId, t.clock.nowMs())).toBeNull();
    expect((await auditOf(t, aliceId)).filter((e) => e.type === 'factor_changed' || e.type === 'sessions_revoked')).toEqual([]);
    expect((await alice.get('/auth/session').expect(200)).body.authenticated).not.toBe(false);
  });
});
