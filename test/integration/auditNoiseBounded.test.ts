import { verifyAuditEvents } from '../../src/audit/verifyAuditEvents';
import type { AddressInfo } from 'node:net';
import { deriveAuditKey, type AuditEvent } from '../../src/core/audit/auditChain';
import { createTestApp, type TestApp } from '../helpers/createTestApp';

// The pepper createTestApp gives the demo: the audit MAC key derives from it.
const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';
const WRONG = 'not-the-password-123';

async function events(t: TestApp): Promise<AuditEvent[]> {
  const all: AuditEvent[] = [];
  for await (const e of t.audit.list({})) all.push(e);
  return all;
}

const countOf = (e: AuditEvent) => Number(/^count=(\d+)$/.exec(e.reasons.find((r) => r.startsWith('count=')) ?? '')?.[1] ?? NaN);

async function inParallel(n: number, width: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await work(next++);
  }));
}

describe('audit trail bounded against anonymous noise (11.4)', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('1,000 anonymous failed logins leave a handful of events, with every failure counted, and the chain verifies', async () => {
    // A small address budget keeps the slow part (scrypt on wrong passwords) short; the rest are throttled tries.
    t = await createTestApp({ guardOptions: { firstFactor: { address: { freeFailures: 10 } } } });
    // One listening server and plain fetch: a thousand requests in a second or two.
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const csrf = await fetch(`${base}/auth/csrf`);
    const headers = {
      cookie: csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '),
      'x-csrf-token': ((await csrf.json()) as { csrfToken: string }).csrfToken,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    const before = t.audit.size;
    const statuses = new Map<number, number>();
    try {
      await inParallel(1000, 20, async (i) => {
        const res = await fetch(`${base}/auth/login`, { method: 'POST', headers, body: JSON.stringify({ username: `nobody-${i}`, password: WRONG }) });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      });
    } finally {
      server.close();
    }
    // The address budget turned the rest away before any password was checked.
    expect(Object.fromEntries(statuses)).toEqual({ 401: 10, 429: 990 });
    // The minute ends: its counts are written.
    t.clock.advanceSeconds(60);
    await t.guard.service.firstFactor.flushAudit();

    expect(t.audit.size - before).toBeLessThanOrEqual(4);
    const anonymous = (await events(t)).filter((e) => e.userId === null && e.type.startsWith('login_'));
    const byType = (type: string) => anonymous.filter((e) => e.type === type);
    expect(byType('login_failed')).toHaveLength(1);
    expect(byType('login_throttled')).toHaveLength(1);
    expect(byType('login_failed_aggregate').map(countOf)).toEqual([9]);
    expect(byType('login_throttled_aggregate').map(countOf)).toEqual([989]);
    expect(anonymous.every((e) => e.ip === '127.0.0.1')).toBe(true);
    const report = await verifyAuditEvents(deriveAuditKey(PEPPER), t.audit.list({}), t.audit.prunedBeforeMs());
    expect(report.breaks).toEqual([]);
  }, 120_000);

  it('writes the counts of an ended minute when the next failure comes, without being asked', async () => {
    t = await createTestApp();
    const c = await t.client();
    for (let i = 0; i < 3; i += 1) await c.login(`nobody-${i}`, WRONG).expect(401);
    t.clock.advanceSeconds(61);
    await c.login('nobody-late', WRONG).expect(401);
    await new Promise((r) => setImmediate(r));
    const types = (await events(t)).filter((e) => e.userId === null && e.type.startsWith('login_failed')).map((e) => [e.type, e.reasons[0]]);
    expect(types).toEqual([
      ['login_failed', 'unknown_account'],
      ['login_failed_aggregate', 'count=2'],
      ['login_failed', 'unknown_account'],
    ]);
  });

  it('past the per-minute address limit, further addresses share one count', async () => {
    t = await createTestApp({ trustProxy: true, guardOptions: { firstFactor: { auditAddressesPerWindow: 5 } } });
    const c = await t.client();
    await inParallel(20, 5, (i) => c.post('/auth/login', { username: `nobody-${i}`, password: WRONG }).set('x-forwarded-for', `198.51.100.${i + 1}`).expect(401));
    t.clock.advanceSeconds(60);
    await t.guard.service.firstFactor.flushAudit();
    const anonymous = (await events(t)).filter((e) => e.userId === null && e.type.startsWith('login_failed'));
    expect(anonymous.filter((e) => e.type === 'login_failed')).toHaveLength(5);
    const aggregate = anonymous.filter((e) => e.type === 'login_failed_aggregate');
    expect(aggregate.map(countOf)).toEqual([15]);
    expect(aggregate[0]?.reasons).toContain('other_addresses');
  });

  it("never aggregates a known account's failures: one event each on its chain", async () => {
    t = await createTestApp();
    const c = await t.client();
    for (let i = 0; i < 5; i += 1) await c.login('alice', WRONG).expect(401);
    for (let i = 0; i < 5; i += 1) await c.login(`nobody-${i}`, WRONG).expect(401);
    await new Promise((r) => setImmediate(r));
    const alice = t.users.idOf('alice') as string;
    const all = await events(t);
    expect(all.filter((e) => e.userId === alice && e.type === 'login_failed')).toHaveLength(5);
    expect(all.filter((e) => e.userId === null && e.type === 'login_failed')).toHaveLength(1);
  });
});
