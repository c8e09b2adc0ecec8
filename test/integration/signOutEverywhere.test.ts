import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeForEachStore } from '../helpers/forEachStore';

/**
 * Red-team findings (issue 11, "sessions that stay revoked"), first reproduced against the running
 * demo on memory and Redis:
 * 1. POST /auth/2fa/sessions/revoke-all needs no second factor: an attacker who knows only the
 *    password signs the owner's stepped-up sessions out everywhere and keeps their own.
 * 2. "Sign out everywhere" keeps the calling session under the same id, so a copy of the owner's
 *    stepped-up cookie (the stolen one) still gets GET /account 200 afterwards.
 * 3. The route checks liveness, then bumps the generation and adopts it: an attacker's
 *    revoke-all in flight when the owner signs out everywhere undoes it for the attacker.
 */
describeForEachStore('attack: sign out everywhere', (useRedis) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ redis: useRedis });
  });
  afterEach(async () => {
    await t.close();
  });

  const sid = (c: Awaited<ReturnType<TestApp['client']>>) => `sg.sid=${c.cookie('sg.sid')}`;
  const withCookie = (cookie: string) => ({
    get: (path: string) => request(t.app).get(path).set('accept', 'application/json').set('Cookie', cookie),
    post: (path: string, csrf: string, body: object = {}) =>
      request(t.app).post(path).set('accept', 'application/json').set('Cookie', cookie).set('x-csrf-token', csrf).send(body),
  });

  it('a password alone cannot sign the owner out everywhere', async () => {
    const owner = await t.client();
    await owner.stepUp();
    await owner.get('/account').expect(200);

    const attacker = await t.client();
    await attacker.login().expect(200);
    const res = await attacker.post('/auth/2fa/sessions/revoke-all', {});
    // A factor-less session must not be able to end the owner's sessions (fresh_factor_required).
    expect(res.status).toBe(401);
    await owner.get('/account').expect(200);
  });

  it("the owner's sign out everywhere kills a stolen copy of the owner's own stepped-up cookie", async () => {
    const owner = await t.client();
    await owner.stepUp();
    const stolen = withCookie(sid(owner));
    await stolen.get('/account').expect(200);

    await owner.post('/auth/2fa/sessions/revoke-all', {}).expect(200);

    // README: "A stolen session cookie stops working at logout, sign-out-everywhere or factor removal".
    const after = await stolen.get('/account');
    expect(after.status).toBe(401);
    expect((await stolen.get('/auth/session')).body.authenticated).toBe(false);
  });

  it("an attacker's revoke-all requests in flight do not undo the owner's sign out everywhere", async () => {
    // The owner's laptop: a stepped-up session whose cookie the attacker copied.
    const laptop = await t.client();
    await laptop.stepUp();
    const stolenCookie = sid(laptop);
    const stolenCsrf = laptop.csrfToken;
    // The owner's phone, later: steps up and signs out everywhere else.
    t.clock.advanceSeconds(60);
    const phone = await t.client();
    await phone.stepUp();

    const attacker = withCookie(stolenCookie);
    const inFlight: Promise<request.Response>[] = [];
    for (let i = 0; i < 10; i++) inFlight.push(attacker.post('/auth/2fa/sessions/revoke-all', stolenCsrf));
    const ownerAnswer = phone.post('/auth/2fa/sessions/revoke-all', {});
    for (let i = 0; i < 30; i++) inFlight.push(attacker.post('/auth/2fa/sessions/revoke-all', stolenCsrf));
    const [owner] = await Promise.all([ownerAnswer, ...inFlight]);

    // Whatever the interleaving: the owner asked to end every other session, so the stolen one ends.
    const afterAccount = await attacker.get('/account');
    const afterSession = await attacker.get('/auth/session');
    expect({ owner: owner.status, attackerAccount: afterAccount.status, attackerSignedIn: afterSession.body.authenticated }).toEqual({
      owner: 200,
      attackerAccount: 401,
      attackerSignedIn: false,
    });
  });
});
