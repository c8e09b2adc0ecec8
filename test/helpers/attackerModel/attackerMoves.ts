import { ALICE, BOB, attackerNumber, bobNumber, isAttackerNumber, isBobNumber, type Model } from './modelTypes';
import { totpCode } from './ownerMoves';
import { attackRecovery, type RecoveryMove } from './recoveryMoves';
import type { World } from './World';

/** Everything an attacker tries; each kind of attacker gets the moves that make sense for it. */
export type AttackMove =
  | 'login'
  | 'account'
  | 'transfer'
  | 'sms-step-up'
  | 'guess-sms'
  | 'bind-phone'
  | 'remove-phone'
  | 'totp'
  | 'backup-codes'
  | 'remove-factor'
  | 'rename-factor'
  | 'passkey'
  | 'revoke-trusted'
  | 'revoke-all'
  | 'logout'
  | 'read'
  | 'use-alice-codes'
  | RecoveryMove;

const FAKE_CREDENTIAL = {
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  rawId: 'AAAAAAAAAAAAAAAAAAAAAA',
  type: 'public-key',
  response: { clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0', attestationObject: 'o2NmbXRkbm9uZQ' },
};

/** Codes the attacker can read: SMS to its own numbers (bob: to his own). */
function reads(w: World): (to: string) => boolean {
  return w.kind === 'other-user' ? isBobNumber : isAttackerNumber;
}

/**
 * One attacker move with `w.attacker` (its own session, the captured cookie, or bob). `arg`
 * picks among numbers, factors and amounts. The invariants are checked by World.step.
 */
export async function attack(w: World, m: Model, move: AttackMove, arg: number): Promise<void> {
  const jar = w.attacker;
  const svc = w.t.guard.service;
  // The password attacker and bob sign in whenever they like; the thief only has the cookie.
  if (move !== 'login' && move !== 'logout') {
    if (w.kind === 'password' && !m.attackerSignedIn) await signIn(w, m);
    if (w.kind === 'other-user' && !m.bobSignedIn) await signIn(w, m);
  }
  w.count(`attacker move: ${move}`);
  switch (move) {
    case 'login':
      return signIn(w, m);
    case 'account':
      await jar.get('/account');
      return;
    case 'transfer': {
      const body = { amount: 10 + (arg % 5) * 100, payee: 'Mallory' };
      const first = await jar.post('/transfer', body);
      if (first.status !== 401) return;
      const from = w.sms.length;
      const sent = await jar.post('/auth/2fa/sms/send', { action: 'transfer' });
      const code = sent.status === 202 ? w.codeSince(from, reads(w)) : null;
      if (code) await jar.post('/auth/2fa/sms/verify', { code });
      await jar.post('/transfer', body);
      return;
    }
    case 'sms-step-up': {
      const from = w.sms.length;
      const sent = await jar.post('/auth/2fa/sms/send', {});
      const code = sent.status === 202 ? w.codeSince(from, reads(w)) : null;
      if (code) await jar.post('/auth/2fa/sms/verify', { code, remember: arg % 2 === 0 });
      return;
    }
    case 'guess-sms': {
      // Certainly wrong: differs from every code ever sent.
      const sent = new Set(w.sms.map((s) => /#(\d+)\s*$/.exec(s.body)?.[1]));
      let guess = 100000 + arg;
      while (sent.has(String(guess))) guess += 1;
      await jar.post('/auth/2fa/sms/verify', { code: String(guess) });
      return;
    }
    case 'bind-phone': {
      const number = w.kind === 'other-user' ? bobNumber(arg % 3) : attackerNumber(arg % 3);
      const from = w.sms.length;
      const start = await jar.post('/auth/2fa/phone', { phone: number });
      const code = start.status === 202 ? w.codeSince(from, (to) => to === number) : null;
      if (code) await jar.post('/auth/2fa/phone/verify', { code });
      return;
    }
    case 'remove-phone':
      await jar.post('/auth/2fa/phone/remove');
      return;
    case 'totp': {
      const setup = await jar.post('/auth/2fa/totp/setup');
      if (setup.status !== 201 || typeof setup.body?.secret !== 'string') return;
      const secret = setup.body.secret as string;
      const confirmed = await jar.post('/auth/2fa/totp/confirm', { code: await totpCode(secret, w.t.clock.nowMs()) });
      if (confirmed.status !== 201) return;
      w.t.clock.advanceSeconds(30);
      await jar.post('/auth/2fa/totp/verify', { code: await totpCode(secret, w.t.clock.nowMs()) });
      return;
    }
    case 'backup-codes': {
      const res = await jar.post('/auth/2fa/backup-codes');
      const code = res.status === 201 ? (res.body?.codes as string[] | undefined)?.[0] : undefined;
      if (code) await jar.post('/auth/2fa/backup-codes/verify', { code });
      return;
    }
    case 'remove-factor': {
      const factors = await svc.listFactors(ALICE.id);
      const target = factors[arg % Math.max(factors.length, 1)];
      await jar.post(`/auth/2fa/factors/${target?.id ?? 'no-such-factor'}/remove`);
      return;
    }
    case 'rename-factor': {
      const factors = await svc.listFactors(ALICE.id);
      const target = factors[arg % Math.max(factors.length, 1)];
      if (!target) return;
      const res = await jar.post(`/auth/2fa/factors/${target.id}/rename`, { nickname: 'pwned' });
      if (w.kind === 'other-user' && res.status === 200 && w.checks('attacker')) w.fail('attacker', `bob renamed alice's ${target.type} factor`);
      return;
    }
    case 'passkey':
      await jar.post('/auth/2fa/webauthn/registration/options');
      await jar.post('/auth/2fa/webauthn/registration/verify', { response: FAKE_CREDENTIAL, nickname: 'mine' });
      return;
    case 'revoke-trusted': {
      const [device] = await svc.listTrustedDevices(ALICE.id);
      await jar.post(`/auth/2fa/trusted-devices/${device?.id ?? 'no-such-device'}/revoke`);
      return;
    }
    case 'revoke-all':
      await jar.post('/auth/2fa/sessions/revoke-all');
      return;
    case 'logout':
      await jar.post('/auth/logout');
      return;
    case 'read': {
      const factors = await jar.get('/auth/2fa/factors');
      await jar.get('/auth/2fa/methods');
      await jar.get('/auth/2fa/phone');
      if (w.kind === 'other-user' && factors.status === 200 && w.checks('attacker')) {
        const text = JSON.stringify(factors.body);
        for (const f of await svc.listFactors(ALICE.id)) if (text.includes(f.id)) w.fail('attacker', `bob's GET /auth/2fa/factors lists alice's ${f.type} factor`);
      }
      return;
    }
    case 'recovery-start':
    case 'recovery-complete':
    case 'recovery-cancel':
      return attackRecovery(w, m, move, () => signIn(w, m));
    case 'use-alice-codes': {
      // Bob holds codes that are alice's (a shoulder-surfed SMS, a backup sheet, her TOTP app).
      const smsCode = w.codeSince(0, (to) => !isBobNumber(to) && !isAttackerNumber(to));
      if (smsCode) await jar.post('/auth/2fa/sms/verify', { code: smsCode });
      const backup = m.backupCodes[arg % Math.max(m.backupCodes.length, 1)];
      if (backup) await jar.post('/auth/2fa/backup-codes/verify', { code: backup });
      const app = m.totp[0];
      if (app) await jar.post('/auth/2fa/totp/verify', { code: await totpCode(app.secret, w.t.clock.nowMs()) });
      const probe = await w.probe(jar);
      if (w.checks('attacker') && probe.authenticated && probe.acr !== 'aal1' && !(await svc.listEnrolledFactors(w.bobId ?? '')).length) {
        w.fail('attacker', `bob reached ${probe.acr} with alice's codes and no factor of his own`);
      }
      return;
    }
  }
}

async function signIn(w: World, m: Model): Promise<void> {
  const credentials = w.kind === 'other-user' ? BOB : ALICE;
  const res = await w.attacker.post('/auth/login', { username: credentials.username, password: credentials.password });
  if (res.status !== 200) w.fail('errors', `${w.attacker.name}'s password login answered ${res.status}`);
  if (w.kind === 'other-user') m.bobSignedIn = true;
  else m.attackerSignedIn = true;
}
