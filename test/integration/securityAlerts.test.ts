import { join } from 'node:path';
import type { SecurityEvent } from '../../src/config';
import { csvGeoLookup } from '../../src/risk/csvGeoLookup';
import type { AuditEvent } from '../../src/core/audit/auditChain';
import { totpCodeAt } from '../../src/core/totp/totp';
import { createTestApp, wrongCode, type TestApp } from '../helpers/createTestApp';

const geo = csvGeoLookup(join(__dirname, '../fixtures/geo.csv'));
const ALICE_PHONE = '+14155550123';
const HOME = '10.1.1.1'; // US
const PARIS = '20.1.1.1'; // FR
const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('security alerts to the owner', () => {
  let t: TestApp;
  let events: SecurityEvent[];

  async function start(guardOptions: Record<string, unknown> = {}) {
    events = [];
    t = await createTestApp({ trustProxy: true, guardOptions: { risk: { geo }, onSecurityEvent: (e: SecurityEvent) => void events.push(e), ...guardOptions } as never });
  }
  afterEach(async () => {
    await t?.close();
  });

  /** Texts to alice's number that carry no code: notices and alerts. */
  const alerts = () => t.sms.messages.filter((m) => m.to === ALICE_PHONE && !/#\d+\s*$/.test(m.body)).map((m) => m.body);
  async function audits(type: string): Promise<AuditEvent[]> {
    const list: AuditEvent[] = [];
    for await (const e of t.stores.audit.list({ userId: 'u1' })) if (e.type === type) list.push(e);
    return list;
  }
  /** Alice steps up at home by SMS: her device and her country become known. */
  async function aliceAtHome() {
    const c = await t.client();
    await c.login().set(from(HOME)).expect(200);
    await c.send().set(from(HOME)).expect(202);
    await c.verify(t.sms.lastCode()).set(from(HOME)).expect(200);
    return c;
  }
  async function signInFrom(ip: string) {
    const c = await t.client();
    await c.login().set(from(ip)).expect(200);
    return c;
  }

  it('20 sign-ins with the password from a new country in an hour: one alert, saying where and what to do; the rest held back and audited', async () => {
    await start();
    await aliceAtHome();
    t.clock.advanceSeconds(86_400);
    for (let i = 0; i < 20; i += 1) {
      await signInFrom(PARIS);
      t.clock.advanceSeconds(60);
    }
    expect(alerts()).toEqual(['New sign-in to stepguard from France. If this was not you, change your password now: someone knows it.']);
    const hooked = events.filter((e) => e.type === 'sign_in');
    expect(hooked).toHaveLength(1);
    expect(hooked[0]).toMatchObject({ change: 'new_country', alert: { kind: 'new_country', locale: 'en', country: 'FR', text: expect.stringContaining('France') } });
    const held = await audits('notice_blocked');
    expect(held.map((e) => e.reasons)).toEqual(Array(19).fill(['new_country', 'alert_rate_limit']));
    // An hour after the first, the next one is told again.
    t.clock.advanceSeconds(3600);
    await signInFrom(PARIS);
    expect(alerts()).toHaveLength(2);
  });

  it('a new device in a known country is told once, in the owner\'s language (alerts.localeOf), never in the browser\'s', async () => {
    await start({ alerts: { localeOf: () => 'de' } });
    await aliceAtHome();
    const c = await t.client();
    await c.login().set(from('10.9.9.9')).set('accept-language', 'fr').expect(200);
    expect(alerts()).toEqual(['Neue Anmeldung bei stepguard auf einem neuen Gerät. Waren Sie das nicht, ändern Sie sofort Ihr Passwort.']);
    expect(events.find((e) => e.type === 'sign_in')?.alert).toMatchObject({ kind: 'new_device', locale: 'de' });
  });

  it('tells nothing for an account without history, nor for the device it stepped up on', async () => {
    await start();
    await signInFrom(PARIS); // nothing to compare with yet
    const c = await aliceAtHome();
    await c.login().set(from(HOME)).expect(200); // the same browser again
    expect(alerts()).toEqual([]);
    expect(events.filter((e) => e.type === 'sign_in')).toEqual([]);
  });

  it('a factor change is told once: one SMS to the number and one hook event carrying the alert, not a notice and an alert', async () => {
    await start();
    const c = await aliceAtHome();
    const setup = await c.post('/auth/2fa/totp/setup').set(from(HOME)).expect(201);
    await c.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).set(from(HOME)).expect(201);
    expect(alerts()).toEqual(['A sign-in method (authenticator app) was added to your stepguard account. If this was not you, contact support now.']);
    const changes = events.filter((e) => e.type === 'factor_changed');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ change: 'totp_added', alert: { kind: 'factor_added', text: alerts()[0] } });
  });

  it('a lockout is told once an hour, however often a guesser with the password reaches it', async () => {
    await start({ sms: { pumping: { mode: 'observe' } } });
    await aliceAtHome();
    const c = await signInFrom(HOME);
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 2; i += 1) {
        await c.send().set(from(HOME)).expect(202);
        for (let j = 0; j < 5; j += 1) {
          const res = await c.verify(wrongCode(t.sms.lastCode())).set(from(HOME));
          expect([401, 423]).toContain(res.status);
        }
        t.clock.advanceSeconds(301);
      }
      t.clock.advanceSeconds(900); // the lock is over: guess again
    }
    expect(alerts().filter((a) => a.includes('too many wrong codes'))).toEqual(['stepguard: too many wrong codes, so the second step is paused. If this was not you, change your password now.']);
    expect(events.filter((e) => e.type === 'lockout')).toHaveLength(1);
    expect((await audits('notice_blocked')).map((e) => e.reasons)).toEqual([['lockout', 'alert_rate_limit']]);
  });

  it('sign-in alerts spend a budget of their own: many cannot starve the notice of a factor change', async () => {
    await start({ alerts: { perKindLimit: 100 } });
    const c = await aliceAtHome();
    for (let i = 0; i < 8; i += 1) await signInFrom(PARIS);
    const told = alerts().length;
    expect(told).toBe(5); // factorChange.noticesPerDay
    const setup = await c.post('/auth/2fa/totp/setup').set(from(HOME)).expect(201);
    await c.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).set(from(HOME)).expect(201);
    expect(alerts().slice(told)).toEqual([expect.stringContaining('(authenticator app) was added')]);
  });

  it('a recovery started and cancelled is told once each: its own notice by SMS (no second text), its event carrying the alert\'s words', async () => {
    await start({ alerts: { localeOf: () => 'fr' } });
    const owner = await aliceAtHome();
    const asker = await signInFrom(HOME);
    const textsBefore = alerts().length;
    await asker.post('/auth/2fa/recovery', {}).set(from(HOME)).expect(202);
    await owner.post('/auth/2fa/recovery/cancel', {}).set(from(HOME)).expect(200);
    // The recovery's own notices (with the date and the link), in the owner's language: exactly one text per event.
    expect(alerts().slice(textsBefore)).toEqual([expect.stringMatching(/^Quelqu'un demande à récupérer votre compte stepguard .*\/auth\/2fa\/recovery$/), expect.stringMatching(/^La récupération de votre compte stepguard a été annulée\./)]);
    const recovery = events.filter((e) => /^recovery_/.test(e.type));
    expect(recovery.map((e) => [e.type, e.alert?.kind, e.alert?.locale])).toEqual([
      ['recovery_started', 'recovery_started', 'fr'],
      ['recovery_cancelled', 'recovery_cancelled', 'fr'],
    ]);
    expect(recovery[0]?.alert?.text).toBe('Une récupération de votre compte stepguard a commencé. Si ce n\'est pas vous, connectez-vous et annulez-la.');
  });

  it('alerts can be turned off by kind, and SMS alerts altogether (the hook is still told)', async () => {
    await start({ alerts: { kinds: ['new_device'], sms: false } });
    await aliceAtHome();
    t.clock.advanceSeconds(86_400);
    await signInFrom(PARIS);
    await signInFrom('10.9.9.9');
    expect(alerts()).toEqual([]);
    expect(events.filter((e) => e.type === 'sign_in').map((e) => e.alert?.kind)).toEqual(['new_device']);
  });
});
