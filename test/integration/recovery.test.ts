import type { Cluster } from 'ioredis';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { connectTestCluster, describeForEachBackend } from '../helpers/forEachStore';
import type { SecurityEventSeen } from '../helpers/attackerModel/modelTypes';
import { useCheapPasswordHashing } from '../helpers/cheapPasswordHashing';

/**
 * Issue 14 item 2, delayed self-service recovery, driven over HTTP against the demo with the
 * fake clock, on memory, Redis and the 3-master Redis Cluster: started, told on every channel,
 * cancelled by the owner from another session; completed after the wait (factors gone, account
 * cool-off on, a first factor again by password); an attacker who has only the password during
 * the wait. Cancel racing complete: recoveryRace.test.ts.
 */

const ALICE = { id: 'u1', phone: '+14155550123' };
const P1 = '+16505550100';
const HOUR = 3600;
const hasCode = (body: string) => /#\d+\s*$/.test(body);

// The wait and its rules are under test here, not scrypt.
useCheapPasswordHashing();

describeForEachBackend('self-service recovery', (backend) => {
  let t: TestApp;
  let cluster: Cluster | undefined;
  let events: SecurityEventSeen[];
  beforeEach(async () => {
    events = [];
    const guardOptions = { onSecurityEvent: (e: SecurityEventSeen) => void events.push(e) } as never;
    if (backend === 'cluster') {
      const connected = connectTestCluster();
      cluster = connected.cluster;
      t = await createTestApp({ redis: cluster, keyPrefix: connected.keyPrefix, guardOptions });
    } else {
      t = await createTestApp({ redis: backend === 'redis', guardOptions });
    }
  });
  afterEach(async () => {
    await t.close();
    await cluster?.quit().catch(() => undefined);
  });

  type Client = Awaited<ReturnType<TestApp['client']>>;
  const signedIn = async (): Promise<Client> => {
    const c = await t.client();
    await c.login().expect(200);
    return c;
  };
  /** Security notices (texts without a code) to alice's number after message `from`. */
  const noticesTo = (to: string, from: number) => t.sms.messages.slice(from).filter((m) => m.to === to && !hasCode(m.body)).map((m) => m.body);
  const audits = async (type: string) => {
    const out = [];
    for await (const e of t.stores.audit.list({ userId: ALICE.id })) if (e.type === type) out.push(e);
    return out;
  };
  const factorsOfAlice = async () => ({
    phone: (await t.guard.service.phoneBindingOf(ALICE.id))?.e164 ?? null,
    factors: (await t.guard.service.listFactors(ALICE.id)).map((f) => f.id).sort(),
  });

  it('is started, told on every channel, and cancelled by the owner from another session', async () => {
    const from = t.sms.messages.length;
    const asker = await signedIn();
    const started = await asker.post('/auth/2fa/recovery', {}).expect(202);
    expect(started.body.started).toBe(true);
    // A browser that never passed a second factor here: the wait is doubled (72 h x 2).
    expect(Date.parse(started.body.recovery.completesAt) - t.clock.nowMs()).toBe(144 * HOUR * 1000);
    expect(started.body.recovery.riskExtended).toBe(true);
    const [notice] = noticesTo(ALICE.phone, from);
    expect(notice).toContain('recover');
    expect(notice).toContain('http://localhost:3000/auth/2fa/recovery');
    const hooked = events.find((e) => e.type === 'recovery_started') as SecurityEventSeen & { recovery?: { cancelUrl: string; completesAtMs: number } };
    expect(hooked?.recovery).toEqual({ cancelUrl: 'http://localhost:3000/auth/2fa/recovery', completesAtMs: Date.parse(started.body.recovery.completesAt) });
    expect(await audits('recovery_started')).toHaveLength(1);

    t.clock.advanceSeconds(5 * HOUR);
    const owner = await signedIn();
    const seen = await owner.get('/auth/2fa/recovery').expect(200);
    expect(seen.body.recovery).toMatchObject({ status: 'pending', ready: false });
    const cancelled = await owner.post('/auth/2fa/recovery/cancel', {}).expect(200);
    expect(cancelled.body.recovery.status).toBe('cancelled');
    expect(noticesTo(ALICE.phone, from).some((b) => b.includes('cancelled'))).toBe(true);
    expect(events.some((e) => e.type === 'recovery_cancelled' && e.userId === ALICE.id)).toBe(true);
    expect((await audits('recovery_cancelled'))[0]?.actor).toBe('user');

    // Long after: nothing to complete, nothing changed.
    const before = await factorsOfAlice();
    t.clock.advanceSeconds(200 * HOUR);
    const late = await signedIn();
    expect((await late.post('/auth/2fa/recovery/complete', {})).body.error.code).toBe('no_recovery');
    expect(await factorsOfAlice()).toEqual(before);
  });

  it('completes after the wait: the factors go, the cool-off runs, and the user enrols again', async () => {
    const owner = await t.client();
    await owner.stepUp(); // this browser once passed a second factor: the plain 72 h wait
    const before = await factorsOfAlice();
    expect(before.phone).toBe(ALICE.phone);
    const started = await owner.post('/auth/2fa/recovery', {}).expect(202);
    expect(started.body.recovery.riskExtended).toBe(false);
    expect(Date.parse(started.body.recovery.completesAt) - t.clock.nowMs()).toBe(72 * HOUR * 1000);
    const other = await signedIn();

    // During the wait nothing changes, and high-risk actions are refused.
    const bind = await owner.post('/auth/2fa/phone', { phone: P1 });
    expect([bind.status, bind.body.error?.code]).toEqual([403, 'recovery_pending']);
    const transfer = await owner.post('/transfer', { amount: 10, payee: 'Carol' });
    expect([transfer.status, transfer.body.error?.code]).toEqual([403, 'recovery_pending']);

    // The reminder is due 24 h before the end; a request of the user's sends it.
    t.clock.advanceSeconds(47 * HOUR);
    const from = t.sms.messages.length;
    await owner.get('/auth/2fa/recovery').expect(200);
    expect(noticesTo(ALICE.phone, from)).toEqual([]);
    t.clock.advanceSeconds(1 * HOUR);
    const reminded = await owner.get('/auth/2fa/recovery').expect(200);
    expect(reminded.body.recovery).toMatchObject({ reminded: true, ready: false });
    expect(noticesTo(ALICE.phone, from).filter((b) => b.startsWith('Reminder'))).toHaveLength(1);
    expect(events.filter((e) => e.type === 'recovery_reminder')).toHaveLength(1);

    t.clock.advanceSeconds(24 * HOUR);
    await owner.login().expect(200); // a fresh password
    const completeFrom = t.sms.messages.length;
    const done = await owner.post('/auth/2fa/recovery/complete', {}).expect(200);
    expect(done.body).toMatchObject({ completed: true, removed: 1 });
    expect(await factorsOfAlice()).toEqual({ phone: null, factors: [] });
    // Audited as a factor change by the recovery; the old number and the host hook are told.
    const changed = (await audits('factor_changed')).at(-1);
    expect(changed?.actor).toBe('recovery');
    expect(changed?.reasons).toContain('change=recovery_completed');
    expect(noticesTo(ALICE.phone, completeFrom).some((b) => b.includes('recovered'))).toBe(true);
    expect(events.some((e) => e.type === 'factor_changed' && e.change === 'recovery_completed')).toBe(true);
    // The account's cool-off runs; every other session was signed out.
    const coolOff = await t.stores.coolOffs.get(ALICE.id, t.clock.nowMs());
    expect(coolOff?.untilMs).toBe(t.clock.nowMs() + 7 * 86_400_000);
    expect(Date.parse(done.body.coolOffUntil)).toBe(coolOff?.untilMs);
    expect((await other.get('/auth/session')).body.authenticated).toBe(false);
    expect((await owner.get('/auth/2fa/recovery')).body.recovery.status).toBe('completed');

    // The binding rule lets the fresh password bind a first factor again...
    await owner.post('/auth/2fa/phone', { phone: P1 }).expect(202);
    await owner.post('/auth/2fa/phone/verify', { code: t.sms.lastCode() }).expect(200);
    expect((await factorsOfAlice()).phone).toBe(P1);
    // ...which cannot approve a high-risk action inside the cool-off.
    await owner.post('/auth/2fa/sms/send', { action: 'transfer' });
    await owner.post('/auth/2fa/sms/verify', { code: t.sms.lastCode() });
    expect((await owner.post('/transfer', { amount: 10, payee: 'Carol' })).status).not.toBe(200);
  });

  it('gives an attacker with the password alone nothing during the wait, and nothing after the owner cancels', async () => {
    const owner = await t.client();
    await owner.stepUp();
    const before = await factorsOfAlice();
    const attacker = await signedIn();
    const started = await attacker.post('/auth/2fa/recovery', {}).expect(202);
    const endsAt = started.body.recovery.completesAt as string;

    // No factor change, no transfer, for the attacker and (paused) for the owner alike.
    for (const res of [
      await attacker.post('/auth/2fa/phone', { phone: P1 }),
      await attacker.post('/auth/2fa/totp/setup', {}),
      await attacker.post('/auth/2fa/backup-codes', {}),
      await owner.post('/transfer', { amount: 10, payee: 'Carol' }),
    ]) {
      expect([res.status, res.body.error?.code]).toEqual([403, 'recovery_pending']);
    }
    // Taking access away stays open to the owner (and closed to a password alone, as always).
    expect((await attacker.post('/auth/2fa/sessions/revoke-all', {})).body.error?.code).toBe('fresh_factor_required');
    const spare = await signedIn();
    await owner.post('/auth/2fa/sessions/revoke-all', {}).expect(200);
    expect((await spare.get('/auth/session')).body.authenticated).toBe(false);
    expect((await attacker.get('/auth/session')).body.authenticated).toBe(false);
    await attacker.refreshCsrf();
    // A second start, even from the owner's known browser (72 h), never shortens or restarts the wait.
    t.clock.advanceSeconds(10 * HOUR);
    await attacker.login().expect(200);
    const again = await attacker.post('/auth/2fa/recovery', {}).expect(200);
    expect([again.body.started, again.body.recovery.completesAt]).toEqual([false, endsAt]);
    await owner.login().expect(200);
    expect((await owner.post('/auth/2fa/recovery', {}).expect(200)).body.recovery.completesAt).toBe(endsAt);

    // Not before the end (110 h in: the reminder, due at 120 h, has not gone out yet).
    t.clock.advanceSeconds(100 * HOUR);
    await attacker.login().expect(200);
    const early = await attacker.post('/auth/2fa/recovery/complete', {});
    expect([early.status, early.body.error?.code, early.body.error?.completesAt]).toEqual([409, 'recovery_not_ready', endsAt]);
    expect(await factorsOfAlice()).toEqual(before);

    // The owner cancels (password only is enough); the attacker is too late forever after.
    await owner.login().expect(200);
    await owner.post('/auth/2fa/recovery/cancel', {}).expect(200);
    t.clock.advanceSeconds(30 * HOUR);
    await attacker.login().expect(200);
    const late = await attacker.post('/auth/2fa/recovery/complete', {});
    expect([late.status, late.body.error?.code]).toEqual([409, 'no_recovery']);
    expect(await factorsOfAlice()).toEqual(before);
    // And a stale password cannot complete anything either.
    t.clock.advanceSeconds(HOUR);
    expect((await attacker.post('/auth/2fa/recovery/complete', {})).body.error.code).toBe('fresh_password_required');
  });
});
