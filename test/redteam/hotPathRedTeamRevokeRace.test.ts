import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { totpCode } from '../helpers/attackerModel/ownerMoves';

/**
 * Red team, issue 12 (attack 2: a cookie racing a revoke). DESIGN §5 "Revocation sticks":
 * requests already in flight cannot undo a sign out everywhere / an operator's revoke.
 *
 * The session check is made once per request, when its headers arrive: guard.router()'s first
 * middleware runs before the router's body parser (and the prefetched check of issue 12 rides
 * with the session load, earlier still); every later check reuses that answer. A thief holding
 * a stepped-up copy of a session sends the headers of a factor change and holds the body; the
 * revoke happens; the thief sends the body. The change then runs for the revoked session:
 * - a removal revokes every session WITHOUT checking that the caller is still live
 *   (src/service/changeFactors.ts: revokeAllSessions with no `caller`; the script supports it),
 *   and afterChange reissues the thief's session under the new generation: the thief is signed
 *   in again and the owner, who had just signed everyone else out, is signed out;
 * - a TOTP confirm binds the thief's own authenticator after the revoke.
 * A held body is the deterministic form of the race; a plain concurrent request has the same
 * window, only shorter.
 */
jest.setTimeout(30_000);

type Raw = { status: number; body: string; setCookie: string[] };

/** A JSON POST whose headers go now and whose body goes on `release()`. */
function heldPost(port: number, path: string, headers: Record<string, string>, body: string) {
  let send: () => void = () => undefined;
  const done = new Promise<Raw>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-type': 'application/json', accept: 'application/json', 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, setCookie: ([] as string[]).concat(res.headers['set-cookie'] ?? []) }));
      },
    );
    req.on('error', reject);
    req.flushHeaders();
    send = () => void req.end(body);
  });
  return { done, release: () => send() };
}

/** Resolves once the next session check has its answer (the held request passed it). */
function nextSessionCheck(service: { sessionStanding: (...args: never[]) => Promise<unknown> }): Promise<void> {
  const original = service.sessionStanding;
  return new Promise((resolve) => {
    service.sessionStanding = (async (...args: never[]) => {
      service.sessionStanding = original;
      const live = await original.apply(service, args);
      setImmediate(resolve);
      return live;
    }) as typeof original;
  });
}

const sidOf = (raw: Raw) => raw.setCookie.map((c) => /^sg\.sid=([^;]+)/.exec(c)?.[1]).find(Boolean);

describe('red team issue 12: a factor change held open across a revoke', () => {
  let t: TestApp;
  let server: http.Server;
  let port: number;
  beforeEach(async () => {
    t = await createTestApp({ redis: true });
    server = http.createServer(t.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    server.close();
    await t.close();
  });

  /** The owner (SMS and an authenticator app) and a thief's stepped-up session of the same account. */
  async function ownerAndThief() {
    const owner = await t.client();
    await owner.stepUp();
    const setup = await owner.post('/auth/2fa/totp/setup').expect(201);
    await owner.post('/auth/2fa/totp/confirm', { code: await totpCode(setup.body.secret as string, t.clock.nowMs()) }).expect(201);
    const userId = ((await owner.get('/auth/session').expect(200)).body as { user: { id: string } }).user.id;
    const thief = await t.client();
    await thief.stepUp();
    const thiefSid = thief.cookie('sg.sid') as string;
    const account = (sid: string) => request(t.app).get('/account').set('accept', 'application/json').set('Cookie', `sg.sid=${sid}`);
    const totps = async () => (await t.guard.service.listFactors(userId)).filter((f) => f.type === 'totp').map((f) => f.id);
    return { owner, userId, thief, thiefSid, account, totps };
  }

  const revokes = {
    "the owner's sign out everywhere else": async (owner: Awaited<ReturnType<typeof t.client>>) => void (await owner.post('/auth/2fa/sessions/revoke-all').expect(200)),
    "an operator's revoke of every session": async (_owner: unknown, userId: string) => void (await t.guard.service.revokeAllSessions({ userId, reason: 'operator_revoked', actor: 'operator:op1' })),
  };

  it.each(Object.keys(revokes) as (keyof typeof revokes)[])('a factor removal whose headers came before %s is refused, and revives no session', async (kind) => {
    const { owner, userId, thiefSid, thief, account, totps } = await ownerAndThief();
    const [ownerTotp] = await totps();
    const checked = nextSessionCheck(t.guard.service);
    const held = heldPost(port, `/auth/2fa/factors/${ownerTotp}/remove`, { cookie: `sg.sid=${thiefSid}`, 'x-csrf-token': thief.csrfToken }, '{}');
    await checked; // the headers passed the session check; the body is held

    await revokes[kind](owner, userId);
    expect((await account(thiefSid)).status).toBe(401); // the thief's cookie is dead now

    held.release();
    const answer = await held.done;
    const revived = sidOf(answer);
    expect({
      heldRemoval: answer.status,
      authenticatorStillBound: (await totps()).includes(ownerTotp as string),
      thiefSignedInAgain: revived ? (await account(revived)).status === 200 : false,
    }).toEqual({ heldRemoval: 401, authenticatorStillBound: true, thiefSignedInAgain: false });
  });

  it("an authenticator confirm whose headers came before the owner's sign out everywhere binds nothing", async () => {
    const { owner, thiefSid, thief, totps } = await ownerAndThief();
    const before = await totps();
    // The thief starts its own authenticator setup while its session is live (a fresh SMS step-up allows it).
    const setup = await thief.post('/auth/2fa/totp/setup').expect(201);
    const code = await totpCode(setup.body.secret as string, t.clock.nowMs());
    const checked = nextSessionCheck(t.guard.service);
    const held = heldPost(port, '/auth/2fa/totp/confirm', { cookie: `sg.sid=${thief.cookie('sg.sid') ?? thiefSid}`, 'x-csrf-token': thief.csrfToken }, JSON.stringify({ code }));
    await checked;

    await owner.post('/auth/2fa/sessions/revoke-all').expect(200);

    held.release();
    const answer = await held.done;
    expect({ heldConfirm: answer.status, authenticators: (await totps()).length }).toEqual({ heldConfirm: 401, authenticators: before.length });
  });
});
