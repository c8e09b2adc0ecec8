import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import request from 'supertest';
import type { Request } from 'express';
import type { StepGuardService } from '../../src/service/createStepGuardService';
import { sessionLive, sessionLoadingHook } from '../../src/http/sessionLiveness';
import { createTestAppOn, type Backend } from '../helpers/forEachStore';
import type { TestApp } from '../helpers/createTestApp';
import { TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from '../helpers/withRedis';
import { fakeSessionRequest } from '../helpers/fakeSessionRequest';

/**
 * Red team, session 9: 9bb1806 (the revocation prefetch started by a session load is shared by
 * every request of that session id in flight, newest load's read, 100 ms after it settled at
 * most; entries are no longer deleted when a check takes them).
 *
 * Claim attacked: the read a check uses was started at or after its own request's session load,
 * so a revocation written before a request arrived is always seen by that request.
 *
 * Over real HTTP (the demo on real Redis and the real 3-master cluster): a thief with a copy of
 * the cookie (or the password only) keeps the session's shared read hot with parallel requests
 * and writes the session record back after it was revoked (as a request in flight that saves
 * late does), so every later request loads the old content and the prefetch path decides. At the
 * unit level (the real module, a fake service): the bounded maps under a bot cycling ids, and a
 * session id whose content changes under it.
 */
jest.setTimeout(60_000);

type Standing = 'live' | 'revoked' | 'superseded';

/** The session id inside an express-session cookie value (`s:<id>.<signature>`). */
function sidOf(cookie: string): string {
  const raw = decodeURIComponent(cookie);
  return raw.slice(2, raw.lastIndexOf('.'));
}

/** Fails (instead of hanging the suite) when `promise` does not settle in `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const backends: Backend[] = [...(TEST_REDIS_URL ? (['redis'] as const) : []), ...(TEST_REDIS_CLUSTER_NODES ? (['cluster'] as const) : [])];

// Without a redis-server these are skipped, loudly in the output (a failure under STEPGUARD_REQUIRE_REDIS=1, see globalSetup).
(backends.length ? describe.each(backends) : describe.skip.each(['redis'] as Backend[]))('red team session 9: the shared revocation prefetch over HTTP [%s]', (backend) => {
  let t: TestApp;
  let server: http.Server;
  beforeEach(async () => {
    t = await createTestAppOn(backend);
    server = http.createServer(t.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
  });
  afterEach(async () => {
    server.close();
    await t.close();
  });

  const sessionKey = (cookie: string) => `${t.keyPrefix ?? 'sg'}:sess:${sidOf(cookie)}`;
  const probe = (cookie: string) => request(server).get('/auth/session').set('accept', 'application/json').set('Cookie', `sg.sid=${cookie}`);
  /** `n` requests of one session in flight together (two tabs, a page's parallel fetches). */
  const batch = async (cookie: string, n: number) => (await Promise.all(Array.from({ length: n }, () => probe(cookie)))).map((r) => ({ status: r.status, user: (r.body as { user?: { username?: string } }).user?.username ?? null }));

  /** Counts revocation reads (each session load of a known id starts one; a check that cannot use it starts another). */
  function countReads(): { reads: () => number } {
    const service = t.guard.service;
    const original = service.sessionStanding;
    let reads = 0;
    service.sessionStanding = (input) => {
      reads++;
      return original.call(service, input);
    };
    return { reads: () => reads };
  }

  type Scenario = { victimCookie: string; revoke: () => Promise<void>; username: string };

  const scenarios: Record<string, () => Promise<Scenario>> = {
    // (2) a copy of the owner's cookie (stolen, or a second tab) after the owner's logout.
    'logout (a copy of the cookie)': async () => {
      const owner = await t.client();
      await owner.login().expect(200);
      return { victimCookie: owner.cookie('sg.sid') as string, username: 'alice', revoke: async () => void (await owner.post('/auth/logout').expect(200)) };
    },
    // (1) a thief who knows only the password signed in on its own; the owner signs out everywhere else.
    "the owner's sign out everywhere else (a password-only thief)": async () => {
      const thief = await t.client();
      await thief.login().expect(200);
      const owner = await t.client();
      await owner.stepUp();
      return { victimCookie: thief.cookie('sg.sid') as string, username: 'alice', revoke: async () => void (await owner.post('/auth/2fa/sessions/revoke-all').expect(200)) };
    },
    // (2) an old tab's cookie from before a step-up that replaced the session id.
    'a step-up superseding the old session id': async () => {
      const owner = await t.client();
      await owner.login().expect(200);
      const oldCookie = owner.cookie('sg.sid') as string;
      return {
        victimCookie: oldCookie,
        username: 'alice',
        revoke: async () => {
          await owner.send().expect(202);
          await owner.verify(t.sms.lastCode()).expect(200);
          expect(owner.cookie('sg.sid')).not.toBe(oldCookie);
        },
      };
    },
  };

  it.each(Object.keys(scenarios))(
    'after %s, every request of the old session is signed out, however many are in flight and however often the old record is written back',
    async (name) => {
      const redis = t.redis as NonNullable<TestApp['redis']>;
      const { victimCookie, revoke, username } = await (scenarios[name] as () => Promise<Scenario>)();
      const key = sessionKey(victimCookie);
      // (3) another signed-in user in flight at the same time.
      const bob = await t.client();
      await bob.post('/auth/signup', { username: 'bob', password: 'bob-password-0123456789' }).expect(201);
      await bob.login('bob', 'bob-password-0123456789').expect(200);
      const bobCookie = bob.cookie('sg.sid') as string;

      // Warm: the id is known to the node, parallel requests share the newest read.
      const before = await batch(victimCookie, 8);
      expect(before).toEqual(Array.from({ length: 8 }, () => ({ status: 200, user: username })));
      const snapshot = await redis.get(key);
      expect(snapshot).toContain('stepguard');
      const reads = countReads();

      // Requests in flight across the revocation: any answer is acceptable for them (they arrived before).
      const inFlight = batch(victimCookie, 8);
      await revoke();
      await inFlight;

      const after: { status: number; user: string | null }[] = [];
      const bobs: { status: number; user: string | null }[] = [];
      for (let round = 0; round < 6; round++) {
        // A request in flight that saves late writes the old record back under the old id.
        await redis.set(key, snapshot as string, 'EX', 3600);
        const [victim, other] = await Promise.all([batch(victimCookie, 6), batch(bobCookie, 2)]);
        after.push(...victim);
        bobs.push(...other);
      }
      expect({ signedInAfterRevoke: after.filter((r) => r.user !== null), errors: after.filter((r) => r.status >= 500) }).toEqual({ signedInAfterRevoke: [], errors: [] });
      expect(bobs).toEqual(Array.from({ length: 12 }, () => ({ status: 200, user: 'bob' })));
      // The prefetch path was the one deciding: about one read per request, not two.
      // (measured: 52-58 reads for 56 requests here; 74-75 before 9bb1806, which read again.)
      expect(reads.reads()).toBeLessThanOrEqual(8 + after.length + bobs.length + 16);
    },
  );

  it('a read from before the logout still in flight (no age bound while pending) is never handed to a request that arrived after the logout', async () => {
    const owner = await t.client();
    await owner.login().expect(200);
    const cookie = owner.cookie('sg.sid') as string;
    const redis = t.redis as NonNullable<TestApp['redis']>;
    await batch(cookie, 2);
    const snapshot = (await redis.get(sessionKey(cookie))) as string;

    // The next read answers as the store was when it ran (live) but arrives late: the entry
    // stays pending, so the 100 ms bound does not apply to it.
    const service = t.guard.service;
    const original = service.sessionStanding;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let heldStarted: () => void = () => undefined;
    const started = new Promise<void>((r) => (heldStarted = r));
    service.sessionStanding = async (input) => {
      service.sessionStanding = original;
      const standing = await original.call(service, input);
      heldStarted();
      await gate;
      return standing;
    };
    const early = probe(cookie).then((r) => r.body as { authenticated: boolean });
    await within(started, 5_000, 'the early request\'s load started a read');

    await owner.post('/auth/logout').expect(200);
    await redis.set(sessionKey(cookie), snapshot, 'EX', 3600);
    const late = await Promise.all([probe(cookie), probe(cookie)]);
    release();
    const earlyAnswer = await early;
    expect({ late: late.map((r) => (r.body as { authenticated: boolean }).authenticated) }).toEqual({ late: [false, false] });
    // The early request arrived before the logout: either answer is allowed; it got the live one.
    expect(typeof earlyAnswer.authenticated).toBe('boolean');
  });

  // FIXED in session 9 (a shared read that failed is read once more; a failed entry is dropped).
  // Was a FINDING (low, availability; fail closed, no bypass). Reproduction: one session, two
  // requests in flight together (a page's parallel fetches); the revocation read started by the
  // second one's session load fails (a Redis blip on that one MGET). Both requests get 503: the
  // first one's check takes the shared entry (the newest load's read) and fails with it, though
  // its own read was fine; before 9bb1806 the entry was taken once and the other request read
  // again. With N in flight, one failed read fails all N; a rejected entry also has no
  // settledAtMs, so the 100 ms bound never retires it (only the next load replaces it).
  // Suggested fix: when a prefetched (shared) answer rejects, read again once
  // (`prefetched.catch(() => service.sessionStanding(identity))`: a read started later is
  // still after the request's load, and a second failure still fails closed), and drop the
  // entry in loading()'s rejection handler if it is still the current one.
  it('one failed prefetch read fails at most the request whose read failed, not every request of the session in flight together', async () => {
    const owner = await t.client();
    await owner.login().expect(200);
    const cookie = owner.cookie('sg.sid') as string;
    await batch(cookie, 2);

    const service = t.guard.service;
    const original = service.sessionStanding;
    let calls = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let bothStarted: () => void = () => undefined;
    const started = new Promise<void>((r) => (bothStarted = r));
    service.sessionStanding = async (input) => {
      const call = ++calls;
      if (call === 2) bothStarted();
      if (call > 2) return original.call(service, input);
      await gate;
      if (call === 2) throw new Error('Connection is closed.');
      return original.call(service, input);
    };
    // Both session GETs are issued before either answers, so both loads precede both checks
    // (the page's two fetches arrive together); the session client calls redis.get at load time.
    const redis = t.redis as unknown as { get: (key: string) => Promise<string | null> };
    const originalGet = redis.get;
    let gets = 0;
    let bothLoading: () => void = () => undefined;
    const loadsIssued = new Promise<void>((r) => (bothLoading = r));
    redis.get = function gatedGet(this: unknown, key: string) {
      if (!key.includes(':sess:')) return originalGet.call(this, key);
      if (++gets === 2) bothLoading();
      return loadsIssued.then(() => originalGet.call(this, key));
    };
    const answers = Promise.all([probe(cookie), probe(cookie)]);
    await within(started, 5_000, 'both loads started a read');
    release();
    const statuses = (await answers).map((r) => r.status).sort();
    service.sessionStanding = original;
    redis.get = originalGet;
    // At most the request whose own read failed may fail.
    expect(statuses.filter((s) => s >= 500).length).toBeLessThanOrEqual(1);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Unit level: the real prefetcher (sessionLoadingHook + sessionLive), a fake revocation store. */

const USER = 'u1';

const fakeRequest = (sessionId: string, state: { bindingId: string; generation: number; epoch: number }): Request => fakeSessionRequest(sessionId, { userId: USER, ...state });

/** A revocation store with a generation floor; each read answers as the store is when it starts. */
function fakeService() {
  const store = { generation: 0 };
  let reads = 0;
  const promises: WeakRef<Promise<Standing>>[] = [];
  const service = {
    sessionStanding: (input: { generation: number }) => {
      reads++;
      const answer: Standing = input.generation < store.generation ? 'revoked' : 'live';
      const p = Promise.resolve(answer);
      promises.push(new WeakRef(p));
      return p;
    },
  } as unknown as StepGuardService;
  return { service, store, reads: () => reads, promises };
}

function forceGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

describe('red team session 9: the shared prefetch, unit level (real module)', () => {
  it('(4) a bot cycling 25,000 signed-in session ids keeps at most 10,000 prefetched reads alive (entries are no longer deleted on take)', async () => {
    const { service, promises } = fakeService();
    const loading = sessionLoadingHook(service);
    const state = { bindingId: 'b', generation: 0, epoch: 0 };
    for (let i = 0; i < 25_000; i++) {
      const id = `bot-${i}`;
      loading(id);
      await sessionLive(service, fakeRequest(id, state), USER); // remembered (a GET)
      loading(id); // the next request's load: an entry that stays after its check
      await sessionLive(service, fakeRequest(id, state), USER);
    }
    await new Promise((r) => setImmediate(r));
    const gc = forceGc();
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    const alive = promises.filter((w) => w.deref() !== undefined).length;
    // (measured: exactly 10,000 here; 0 before 9bb1806, which deleted an entry when a check took it.)
    expect(alive).toBeLessThanOrEqual(10_000);
    expect(alive).toBeGreaterThan(0); // the measure can fail: entries do stay alive
    // The service (and so its prefetcher) must outlive the count, or nothing is held at all.
    expect(loading).toBeInstanceOf(Function);
    expect(service).toBeDefined();
  });

  it('(4) a bot evicting the victim\'s entry between its load and its check makes it read again, never use anything older', async () => {
    const { service, store, reads } = fakeService();
    const loading = sessionLoadingHook(service);
    const state = { bindingId: 'victim-binding', generation: 0, epoch: 0 };
    loading('victim');
    await sessionLive(service, fakeRequest('victim', state), USER);
    loading('victim');
    await sessionLive(service, fakeRequest('victim', state), USER); // the entry stays (shared)
    store.generation = 1; // sign out everywhere
    loading('victim'); // a request arriving after it
    for (let i = 0; i < 10_001; i++) {
      loading(`evict-${i}`);
      await sessionLive(service, fakeRequest(`evict-${i}`, { bindingId: 'x', generation: 1, epoch: 0 }), USER);
      loading(`evict-${i}`);
    }
    const before = reads();
    expect(await sessionLive(service, fakeRequest('victim', state), USER)).toBe(false);
    expect(reads() - before).toBe(1); // evicted: read again
  });

  it('(2) same id, new content: a stale copy under the old identity never uses the read started for the new one, nor the other way round', async () => {
    const { service, store, reads } = fakeService();
    const loading = sessionLoadingHook(service);
    const oldState = { bindingId: 'b', generation: 0, epoch: 0 };
    const newState = { bindingId: 'b', generation: 1, epoch: 0 };
    loading('s');
    await sessionLive(service, fakeRequest('s', oldState), USER);
    // A factor change raises the generation and reissues the same id with the new one; the node
    // remembers the new identity.
    store.generation = 1;
    loading('s');
    await sessionLive(service, fakeRequest('s', newState), USER);
    // Two tabs: a request in flight saved the old record back; both load the id together.
    loading('s');
    loading('s');
    const before = reads();
    const [stale, fresh] = await Promise.all([sessionLive(service, fakeRequest('s', oldState), USER), sessionLive(service, fakeRequest('s', newState), USER)]);
    expect({ stale, fresh, extraReads: reads() - before }).toEqual({ stale: false, fresh: true, extraReads: 1 });
  });

  it('(2) a shared "revoked" answer signs out each request that uses it, and one request\'s sign-out (a new id) is never another\'s answer', async () => {
    const { service, store } = fakeService();
    const loading = sessionLoadingHook(service);
    const state = { bindingId: 'b', generation: 0, epoch: 0 };
    loading('s');
    await sessionLive(service, fakeRequest('s', state), USER);
    store.generation = 1;
    const tabs = Array.from({ length: 4 }, () => fakeRequest('s', state));
    let regenerated = 0;
    for (const tab of tabs) {
      (tab.session as unknown as { regenerate: (d: (e?: unknown) => void) => void }).regenerate = (done) => {
        regenerated++;
        (tab as unknown as { sessionID: string }).sessionID = `new-${regenerated}`;
        done();
      };
      loading('s');
    }
    const answers = await Promise.all(tabs.map((tab) => sessionLive(service, tab, USER)));
    expect({ answers, regenerated, users: tabs.map((tab) => (tab as Request & { user?: unknown }).user ?? null) }).toEqual({
      answers: [false, false, false, false],
      regenerated: 4,
      users: [null, null, null, null],
    });
  });
});
