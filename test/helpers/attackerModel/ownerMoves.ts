import { generate } from 'otplib';
import type { HttpJar, JarResponse } from '../httpJar';
import { ALICE, COOL_OFF_MS, isAttackerNumber, type Model } from './modelTypes';
import type { World } from './World';

/** The factor the owner prefers for a fresh step-up (falling back to the others). */
export type Via = 'sms' | 'otp' | 'backup';

/** The authenticator app's code at `nowMs` (otplib, the DESIGN.md §8 parameters). */
export function totpCode(secret: string, nowMs: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(nowMs / 1000), period: 30, digits: 6, algorithm: 'sha1' });
}

const tabJar = (w: World, tab: number): HttpJar => w.tabs[tab] as HttpJar;
const mark = (w: World) => ({ sms: w.sms.length, audits: w.audits.length });

export async function ownerLogin(w: World, m: Model, tab: number): Promise<void> {
  const res = await tabJar(w, tab).post('/auth/login', { username: ALICE.username, password: ALICE.password });
  if (res.status !== 200) w.fail('errors', `alice's own login answered ${res.status}`);
  m.tabs[tab] = { ...(m.tabs[tab] as Model['tabs'][number]), signedIn: true, acr: 'aal1' };
}

async function ensureSignedIn(w: World, m: Model, tab: number): Promise<void> {
  if (!m.tabs[tab]?.signedIn) await ownerLogin(w, m, tab);
}

/** Send and verify a code to alice's number (the owner reads her own phone, never the attacker's). */
export async function ownerSmsStepUp(w: World, tab: number, options: { action?: string; remember?: boolean } = {}): Promise<JarResponse | null> {
  const jar = tabJar(w, tab);
  const phone = await w.boundPhone();
  if (!phone || isAttackerNumber(phone)) return null;
  const from = w.sms.length;
  const sent = await jar.post('/auth/2fa/sms/send', options.action ? { action: options.action } : {});
  if (sent.status !== 202) return sent;
  const code = w.codeSince(from, (to) => to === phone);
  if (!code) return sent;
  return jar.post('/auth/2fa/sms/verify', { code, ...(options.remember ? { remember: true } : {}) });
}

async function ownerTotpStepUp(w: World, m: Model, tab: number): Promise<JarResponse | null> {
  const enrolled = new Set((await w.t.guard.service.listFactors(ALICE.id)).filter((f) => f.type === 'totp').map((f) => f.id));
  const app = m.totp.filter((a) => enrolled.has(a.factorId)).at(-1);
  if (!app) return null;
  // A used time step is never accepted again: the owner waits for the app's next code.
  w.t.clock.advanceSeconds(30);
  w.note('  (clock +30 s for the next TOTP code)');
  return tabJar(w, tab).post('/auth/2fa/totp/verify', { code: await totpCode(app.secret, w.t.clock.nowMs()) });
}

async function ownerBackupStepUp(w: World, m: Model, tab: number): Promise<JarResponse | null> {
  const code = m.backupCodes.shift();
  return code ? tabJar(w, tab).post('/auth/2fa/backup-codes/verify', { code }) : null;
}

/** Signed in, then a second factor now: `via` first, the others if it cannot. */
export async function ownerStepUp(w: World, m: Model, tab: number, via: Via, remember = false): Promise<boolean> {
  await ensureSignedIn(w, m, tab);
  const order: Via[] = [via, ...(['sms', 'otp', 'backup'] as Via[]).filter((v) => v !== via)];
  for (const v of order) {
    const res = v === 'sms' ? await ownerSmsStepUp(w, tab, { remember }) : v === 'otp' ? await ownerTotpStepUp(w, m, tab) : await ownerBackupStepUp(w, m, tab);
    if (res?.status === 200) {
      w.count(`owner step-up: ${v}`);
      return true;
    }
  }
  return false;
}

async function prepare(w: World, m: Model, tab: number, fresh: Via | null): Promise<HttpJar> {
  await ensureSignedIn(w, m, tab);
  if (fresh) await ownerStepUp(w, m, tab, fresh);
  return tabJar(w, tab);
}

/** After a successful removal alice keeps a real factor (backup codes are not one). */
async function expectRealFactorLeft(w: World, what: string): Promise<void> {
  if (!w.checks('accounting')) return;
  const enrolled = await w.t.guard.service.listEnrolledFactors(ALICE.id);
  if (!enrolled.some((f) => f !== 'backup')) w.fail('accounting', `${what} removed alice's last real factor (left: ${JSON.stringify(enrolled)}); expected 409 last_factor`);
}

export async function ownerTotpSetup(w: World, m: Model, tab: number, fresh: Via | null): Promise<void> {
  const jar = await prepare(w, m, tab, fresh);
  const setup = await jar.post('/auth/2fa/totp/setup');
  if (setup.status === 201 && typeof setup.body?.secret === 'string') (m.tabs[tab] as Model['tabs'][number]).pendingTotp = setup.body.secret;
}

export async function ownerTotpConfirm(w: World, m: Model, tab: number): Promise<void> {
  const secret = m.tabs[tab]?.pendingTotp;
  if (!secret) return;
  const before = new Set((await w.t.guard.service.listFactors(ALICE.id)).map((f) => f.id));
  const phoneBefore = await w.boundPhone();
  const at = mark(w);
  const res = await tabJar(w, tab).post('/auth/2fa/totp/confirm', { code: await totpCode(secret, w.t.clock.nowMs()) });
  if (res.status !== 201) return;
  (m.tabs[tab] as Model['tabs'][number]).pendingTotp = null;
  const added = (await w.t.guard.service.listFactors(ALICE.id)).find((f) => f.type === 'totp' && !before.has(f.id));
  if (added) m.totp.push({ secret, factorId: added.id });
  await w.changeCompleted('totp_added', phoneBefore, at);
}

export async function ownerEnrolTotp(w: World, m: Model, tab: number, fresh: Via | null): Promise<void> {
  await ownerTotpSetup(w, m, tab, fresh);
  await ownerTotpConfirm(w, m, tab);
}

export async function ownerBindPhone(w: World, m: Model, tab: number, number: string, fresh: Via | null): Promise<void> {
  const jar = await prepare(w, m, tab, fresh);
  const phoneBefore = await w.boundPhone();
  const at = mark(w);
  const start = await jar.post('/auth/2fa/phone', { phone: number });
  if (start.status !== 202) return;
  const code = w.codeSince(at.sms, (to) => to === number);
  if (!code) return;
  const done = await jar.post('/auth/2fa/phone/verify', { code });
  if (done.status !== 200 || phoneBefore === number) return;
  m.phoneAddedAtMs = w.t.clock.nowMs();
  await w.changeCompleted(phoneBefore ? 'phone_changed' : 'phone_bound', phoneBefore, at);
}

export async function ownerRemovePhone(w: World, m: Model, tab: number, fresh: Via | null): Promise<void> {
  const jar = await prepare(w, m, tab, fresh);
  const phoneBefore = await w.boundPhone();
  const others = await w.aliceSessionsBesides(jar);
  const at = mark(w);
  const res = await jar.post('/auth/2fa/phone/remove');
  if (res.status !== 200) return;
  await w.changeCompleted('phone_removed', phoneBefore, at);
  await expectRealFactorLeft(w, 'POST /auth/2fa/phone/remove');
  await w.expectOthersRevoked('removing the phone', jar, others);
}

/**
 * Replace the number by removing it and binding one again (issue 11's cool-off escape): first an
 * authenticator app when there is none, so the phone is not the last factor.
 */
export async function ownerRemoveThenAdd(w: World, m: Model, tab: number, number: string, via: Via): Promise<void> {
  if (!(await w.t.guard.service.listEnrolledFactors(ALICE.id)).some((f) => f !== 'sms' && f !== 'backup')) await ownerEnrolTotp(w, m, tab, via);
  await ownerRemovePhone(w, m, tab, via);
  await ownerBindPhone(w, m, tab, number, via === 'sms' ? 'otp' : via);
  // Does the new number approve payments? Not during the cool-off (checked in ownerTransfer).
  await ownerTransfer(w, m, tab, 25);
}

/** Change the number, then change it back. */
export async function ownerChangeAndBack(w: World, m: Model, tab: number, number: string, via: Via): Promise<void> {
  const original = await w.boundPhone();
  await ownerBindPhone(w, m, tab, number, via);
  if (original && !isAttackerNumber(original)) await ownerBindPhone(w, m, tab, original, via);
  await ownerTransfer(w, m, tab, 25);
}

export async function ownerRegenerateBackupCodes(w: World, m: Model, tab: number, fresh: Via | null): Promise<void> {
  const jar = await prepare(w, m, tab, fresh);
  const phoneBefore = await w.boundPhone();
  const at = mark(w);
  const res = await jar.post('/auth/2fa/backup-codes');
  if (res.status !== 201 || !Array.isArray(res.body?.codes)) return;
  m.backupCodes = [...(res.body.codes as string[])];
  await w.changeCompleted('backup_codes_regenerated', phoneBefore, at);
}

export async function ownerRemoveFactor(w: World, m: Model, tab: number, pick: number, fresh: Via | null): Promise<void> {
  const jar = await prepare(w, m, tab, fresh);
  const factors = await w.t.guard.service.listFactors(ALICE.id);
  const factor = factors[pick % Math.max(factors.length, 1)];
  if (!factor) return;
  const phoneBefore = await w.boundPhone();
  const others = await w.aliceSessionsBesides(jar);
  const at = mark(w);
  const res = await jar.post(`/auth/2fa/factors/${factor.id}/remove`);
  if (res.status !== 200) return;
  m.totp = m.totp.filter((a) => a.factorId !== factor.id);
  if (factor.type === 'backup_codes') m.backupCodes = [];
  await w.changeCompleted(`${factor.type}_removed`, phoneBefore, at);
  await expectRealFactorLeft(w, `POST /auth/2fa/factors/<${factor.type}>/remove`);
  // Backup codes are a recovery method, not a factor: the contract revokes sessions for factors.
  if (factor.type !== 'backup_codes') await w.expectOthersRevoked(`removing a ${factor.type} factor`, jar, others);
}

export async function ownerPasskeyOptions(w: World, m: Model, tab: number, fresh: Via | null): Promise<void> {
  const jar = await prepare(w, m, tab, fresh);
  const res = await jar.post('/auth/2fa/webauthn/registration/options');
  if (res.status === 200) w.count('owner passkey options');
}

export async function ownerRevokeTrustedDevices(w: World, m: Model, tab: number, all: boolean): Promise<void> {
  const jar = await prepare(w, m, tab, null);
  if (all) {
    await jar.post('/auth/2fa/trusted-devices/revoke-all');
    return;
  }
  const [device] = await w.t.guard.service.listTrustedDevices(ALICE.id);
  if (device) await jar.post(`/auth/2fa/trusted-devices/${device.id}/revoke`);
}

/** A transfer approved by SMS (POST /transfer -> 401 -> send -> verify -> POST /transfer). */
export async function ownerTransfer(w: World, m: Model, tab: number, amount: number): Promise<void> {
  const jar = await prepare(w, m, tab, null);
  const body = { amount, payee: 'Carol' };
  let res = await jar.post('/transfer', body);
  if (res.status === 401 && res.body?.error?.code === 'insufficient_user_authentication') {
    const verified = await ownerSmsStepUp(w, tab, { action: 'transfer' });
    if (verified?.status === 200) res = await jar.post('/transfer', body);
  }
  if (res.status !== 200) return;
  w.count('owner transfer approved');
  const ageMs = w.t.clock.nowMs() - m.phoneAddedAtMs;
  if (w.checks('cooloff') && ageMs < COOL_OFF_MS) {
    w.fail('cooloff', `a transfer was approved by SMS to a number bound ${Math.round(ageMs / 3600_000)} h ago, inside the account's 7-day cool-off`);
  }
}

export async function ownerLogout(w: World, m: Model, tab: number): Promise<void> {
  const jar = tabJar(w, tab);
  const signedIn = m.tabs[tab]?.signedIn === true;
  const copy = w.jar(`owner-tab${tab}-old-cookie`, jar).pin('sg.sid');
  const res = await jar.post('/auth/logout');
  if (!signedIn) return;
  if (res.status !== 200) w.fail('errors', `alice's logout answered ${res.status}`);
  if (!w.checks('revocation')) return;
  const after = await w.probe(copy);
  if (after.authenticated) w.fail('revocation', `after POST /auth/logout the old cookie of tab ${tab} is still signed in (acr ${after.acr})`);
}

/**
 * Sign out everywhere else. It passes the binding rule (a thief with the password or a cookie
 * must not lock the owner out), so without a usable fresh factor it is `401 fresh_factor_required`.
 */
export async function ownerRevokeAll(w: World, m: Model, tab: number, fresh: Via | null): Promise<void> {
  const jar = await prepare(w, m, tab, fresh);
  const others = await w.aliceSessionsBesides(jar);
  const res = await jar.post('/auth/2fa/sessions/revoke-all');
  if (res.status === 401 && res.body?.error?.code === 'fresh_factor_required') return;
  if (!w.checks('revocation')) return;
  if (res.status !== 200) w.fail('revocation', `POST /auth/2fa/sessions/revoke-all answered ${res.status} ${res.body?.error?.code ?? ''}`);
  w.count('owner signed out everywhere else');
  await w.expectOthersRevoked('sign out everywhere', jar, others);
  const me = await w.probe(jar);
  if (!me.authenticated) w.fail('revocation', 'sign out everywhere also signed out the session that asked for it');
}

/** Requests with a copy of the cookie in flight while the owner logs out: none may revive the session. */
export async function ownerLogoutRace(w: World, m: Model, tab: number): Promise<void> {
  await ensureSignedIn(w, m, tab);
  if (m.tabs[tab]?.acr === 'aal1') await ownerSmsStepUp(w, tab);
  // Back after a few minutes: cached risk decisions have gone stale, so guarded reads write them again.
  w.t.clock.advanceSeconds(301);
  w.note('  (clock +301 s)');
  const jar = tabJar(w, tab);
  const copy = w.jar(`owner-tab${tab}-in-flight`, jar).pin('sg.sid');
  // Requests that write the session as they end: a fresh risk decision cached per action, a pending transfer.
  const inFlight = (i: number) =>
    [
      () => copy.get('/account'),
      () => copy.get('/auth/2fa/methods?action=transfer'),
      () => copy.post('/transfer', { amount: 5 + i, payee: 'Carol' }),
      () => copy.get('/auth/session'),
    ][i % 4]!();
  const results = await Promise.all([...[0, 1, 2, 3, 4, 5, 6, 7].map(inFlight), jar.post('/auth/logout'), ...[8, 9, 10, 11, 12, 13, 14, 15].map(inFlight)]);
  if (results[8]?.status !== 200) w.fail('errors', `alice's logout answered ${results[8]?.status}`);
  if (!w.checks('revocation')) return;
  const account = await copy.get('/account');
  const after = await w.probe(copy);
  if (account.status !== 401 || after.authenticated) {
    w.fail('revocation', `after a logout raced by in-flight requests the old cookie gets ${account.status} on /account (session authenticated: ${after.authenticated})`);
  }
}

/** The thief copies the tab's session cookie (only it), before or after a step-up. */
export async function captureCookie(w: World, m: Model, tab: number, stepUp: boolean, then: 'nothing' | 'logout' | 'revoke-all'): Promise<void> {
  await ensureSignedIn(w, m, tab);
  if (stepUp) await ownerStepUp(w, m, tab, 'sms');
  w.attacker = w.jar('thief', tabJar(w, tab), ['sg.sid']).pin('sg.sid');
  const p = await w.probe(w.attacker);
  m.captured = !p.authenticated ? 'dead' : p.acr === 'aal1' ? 'aal1' : 'live';
  w.note(`  = captured tab ${tab}'s cookie at ${p.acr ?? 'no session'}`);
  if (then === 'logout') await ownerLogout(w, m, tab);
  if (then === 'revoke-all') await ownerRevokeAll(w, m, 1 - tab, 'sms');
}
