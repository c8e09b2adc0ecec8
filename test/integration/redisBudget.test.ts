import { setTimeout as sleep } from 'node:timers/promises';
import { createTestAppOn, type Backend } from '../helpers/forEachStore';
import { TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from '../helpers/withRedis';
import type { TestApp } from '../helpers/createTestApp';
import { countRedisWork, describeRedisWork, type RedisWork } from '../helpers/redisCommandCounter';

/**
 * Issue 12: the Redis work of one step-up, per HTTP request, on the real client (commands and
 * sequential round trips as test/helpers/redisCommandCounter.ts defines them; the session
 * store's commands included). A budget that fails prints every round trip with its commands.
 *
 * Before issue 12: send 24 commands in 9 round trips, verify 17 in 9, the first guarded read
 * after a step-up 8 in 4 (and 3 in 3 after that: the rolling session's EXPIRE). Session 5:
 * send 12 in 6, verify 7 in 5. Session 6 (writes that follow a decided outcome travel together):
 * - send, after the page asked for the step-up (the usual way: the risk decision is in the
 *   session): 11 in 3 — session + revocation → every budget and breaker (one script per
 *   hash-tag group), the challenge stored alongside (discarded if refused) and the account lock
 *   → the delivery record and its pointer with the session save.
 * - send right after sign-in (no decision yet): 12 in 4 — the risk reads (one script + one
 *   MGET) come before the budgets: the decision says whether SMS is acceptable at all, and a
 *   send the policy refuses must spend nothing.
 * - verify: 7 in 4 — session + revocation → reserve, compare and consume (one script) → the
 *   breaker's verified count, the old session's delete and the risk record together → the new
 *   session's save. The save waits for the delete's answer: a delete that failed must fail the
 *   verify, not leave the pre-step-up id alive behind a 200 (red team, session 6). The issue's
 *   2 would need the writes before the code is known to be right.
 * - a guarded read: 2 in 1 (the revocation check, an MGET of the user's generation and revoked
 *   keys, is sent with the session GET for a session id this node saw before: sessionLiveness.ts).
 */
const BUDGETS = {
  send: { commands: 11, roundTrips: 3 },
  sendRightAfterSignIn: { commands: 11, roundTrips: 3 },
  verify: { commands: 7, roundTrips: 3 },
  guardedRead: { commands: 2, roundTrips: 1 },
} as const;

function withinBudget(kind: keyof typeof BUDGETS, work: RedisWork): string {
  const budget = BUDGETS[kind];
  const fits = work.commands <= budget.commands && work.roundTrips <= budget.roundTrips;
  return fits ? 'within budget' : `over budget (≤ ${budget.commands} in ≤ ${budget.roundTrips})\n${describeRedisWork(kind, work)}`;
}

const BACKENDS: { backend: Backend; available: boolean }[] = [
  { backend: 'redis', available: Boolean(TEST_REDIS_URL) },
  { backend: 'cluster', available: Boolean(TEST_REDIS_CLUSTER_NODES) },
];

// The memory stores have no Redis to count: only the Redis and Cluster runs (skipped loudly
// without them, a failure under STEPGUARD_REQUIRE_REDIS=1, see globalSetup).
describe.each(BACKENDS)('Redis work per step-up request (issue 12 budget) [$backend]', ({ backend, available }) => {
  if (!available) {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED (no ${backend}): Redis budget`);
    it.skip('needs a Redis', () => undefined);
    return;
  }
  let t: TestApp;
  let counter: ReturnType<typeof countRedisWork>;
  beforeEach(async () => {
    t = await createTestAppOn(backend);
    counter = countRedisWork(t.redis!, t.keyPrefix);
  });
  afterEach(() => t.close());

  /** The work `run` causes, once anything it left in flight (a session save) has landed. */
  async function measure(run: () => Promise<unknown>): Promise<RedisWork> {
    await sleep(20);
    counter.reset();
    await run();
    await sleep(20);
    return counter.take();
  }

  /** A second session of alice, signed in, after a first step-up warmed the scripts. */
  async function signedInAfterWarmUp() {
    const warm = await t.client();
    await warm.stepUp();
    await warm.get('/account').expect(200);
    t.clock.advanceSeconds(10 * 60);
    const c = await t.client();
    await c.login().expect(200);
    return c;
  }

  it('a send after the page asked for the step-up stays within its budget (11 commands in 3 round trips)', async () => {
    const c = await signedInAfterWarmUp();
    await c.get('/account').expect(401);
    const work = await measure(() => c.send().expect(202));
    expect(withinBudget('send', work)).toBe('within budget');
  });

  it('a send right after sign-in, before any decision, stays within 11 commands in 3 round trips (the risk reads ride with the budget check)', async () => {
    const c = await signedInAfterWarmUp();
    const work = await measure(() => c.send().expect(202));
    expect(withinBudget('sendRightAfterSignIn', work)).toBe('within budget');
  });

  it('a verify stays within its budget (7 commands in 3 round trips: the old id ends with the consume)', async () => {
    const c = await signedInAfterWarmUp();
    await c.send().expect(202);
    const work = await measure(() => c.verify(t.sms.lastCode()).expect(200));
    expect(withinBudget('verify', work)).toBe('within budget');
  });

  it('the first guarded read after the step-up, and every later one, stay within 2 commands in 1 round trip (no session write, no risk read)', async () => {
    const c = await signedInAfterWarmUp();
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
    const first = await measure(() => c.get('/account').expect(200));
    const second = await measure(() => c.get('/account').expect(200));
    expect(withinBudget('guardedRead', first)).toBe('within budget');
    expect(withinBudget('guardedRead', second)).toBe('within budget');
  });

  it('guarded reads of one session in flight together (two tabs, a page\'s parallel fetches) cost 2 commands each: each shares the newest revocation read', async () => {
    const c = await signedInAfterWarmUp();
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
    await c.get('/account').expect(200);
    const parallel = 8;
    const work = await measure(() => Promise.all(Array.from({ length: parallel }, () => c.get('/account').expect(200))));
    const count = (name: string) => work.list.filter((cmd) => cmd.name === name).length;
    // One session load and one revocation read per request; a check that found its load's
    // read taken by another request used to read again (about 1.9 MGET per request at 32).
    expect({ GET: count('GET'), MGET: count('MGET'), commands: work.commands }).toEqual({ GET: parallel, MGET: parallel, commands: 2 * parallel });
  });

  it('the revocation check that rides with the session load still refuses a session revoked since its last request', async () => {
    const c = await signedInAfterWarmUp();
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
    await c.get('/account').expect(200);
    // Another node, another session: sign out everywhere (a "sign out everywhere" or a factor removal).
    await t.guard.service.revokeAllSessions({ userId: 'u1', reason: 'sign_out_everywhere', notify: false });
    const refused = await measure(() => c.get('/account').expect(401));
    // It was the check started with the load (one round trip for both) that refused it.
    expect(refused.list[0]?.name).toBe('GET');
    expect(refused.list.filter((cmd) => cmd.roundTrip === 1).map((cmd) => cmd.name)).toEqual(['GET', 'MGET']);
    await c.get('/account').expect(401);
  });

  it('counts what it claims: a guarded read loads the session at least', async () => {
    const c = await signedInAfterWarmUp();
    const work = await measure(() => c.get('/auth/session').expect(200));
    expect(work.list.map((cmd) => cmd.name)).toContain('GET');
    expect(work.roundTrips).toBeGreaterThanOrEqual(1);
  });
});
