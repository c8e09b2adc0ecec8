import fc from 'fast-check';
import { attack, type AttackMove } from './attackerMoves';
import { ownerNumber, type AttackerKind, type Model } from './modelTypes';
import {
  captureCookie,
  ownerBindPhone,
  ownerChangeAndBack,
  ownerEnrolTotp,
  ownerLogin,
  ownerLogout,
  ownerLogoutRace,
  ownerPasskeyOptions,
  ownerRegenerateBackupCodes,
  ownerRemoveFactor,
  ownerRemovePhone,
  ownerRemoveThenAdd,
  ownerRevokeAll,
  ownerRevokeTrustedDevices,
  ownerStepUp,
  ownerTotpConfirm,
  ownerTotpSetup,
  ownerTransfer,
  type Via,
} from './ownerMoves';
import { ownerCancelRecovery } from './recoveryMoves';
import type { World } from './World';

type Actor = 'owner' | 'attacker' | 'env';

/** One step of a run: a label for the counterexample, a precondition, and what it does. */
class ModelCommand implements fc.AsyncCommand<Model, World> {
  constructor(
    private readonly label: string,
    private readonly actor: Actor,
    private readonly pre: (m: Readonly<Model>) => boolean,
    private readonly act: (w: World, m: Model) => Promise<void>,
  ) {}

  check(m: Readonly<Model>): boolean {
    return this.pre(m);
  }

  async run(m: Model, w: World): Promise<void> {
    await w.step(this.label, this.actor, m, () => this.act(w, m));
  }

  toString(): string {
    return this.label;
  }
}

const always = () => true;
const tab = fc.integer({ min: 0, max: 1 });
const via = fc.constantFrom<Via>('sms', 'otp', 'backup');
/** A fresh step-up first (with that factor preferred), or act with whatever the tab has. */
const fresh = fc.oneof({ weight: 3, arbitrary: via }, { weight: 1, arbitrary: fc.constant(null) });
const number = fc.integer({ min: 0, max: 3 }).map(ownerNumber);
const viaLabel = (v: Via | null) => (v ? `fresh ${v}` : 'no step-up');

/** The owner's commands (alice, two tabs that share nothing). */
function ownerCommands(kind: AttackerKind): fc.Arbitrary<fc.AsyncCommand<Model, World>>[] {
  const owner = (label: string, act: (w: World, m: Model) => Promise<void>, pre: (m: Readonly<Model>) => boolean = always) =>
    new ModelCommand(label, 'owner', pre, act);
  const commands: fc.Arbitrary<fc.AsyncCommand<Model, World>>[] = [
    tab.map((t) => owner(`owner.login(tab ${t})`, (w, m) => ownerLogin(w, m, t))),
    fc.tuple(tab, via, fc.boolean()).map(([t, v, r]) => owner(`owner.stepUp(tab ${t}, ${v}${r ? ', remember device' : ''})`, (w, m) => ownerStepUp(w, m, t, v, r).then(() => undefined))),
    fc.tuple(tab, fresh).map(([t, f]) => owner(`owner.totpSetup(tab ${t}, ${viaLabel(f)})`, (w, m) => ownerTotpSetup(w, m, t, f))),
    tab.map((t) => owner(`owner.totpConfirm(tab ${t})`, (w, m) => ownerTotpConfirm(w, m, t), (m) => m.tabs[t]?.pendingTotp != null)),
    fc.tuple(tab, fresh).map(([t, f]) => owner(`owner.enrolTotp(tab ${t}, ${viaLabel(f)})`, (w, m) => ownerEnrolTotp(w, m, t, f))),
    fc.tuple(tab, fresh).map(([t, f]) => owner(`owner.enrolTotp(tab ${t}, ${viaLabel(f)})`, (w, m) => ownerEnrolTotp(w, m, t, f))),
    fc.tuple(tab, number, fresh).map(([t, n, f]) => owner(`owner.bindPhone(tab ${t}, ${n}, ${viaLabel(f)})`, (w, m) => ownerBindPhone(w, m, t, n, f))),
    fc.tuple(tab, fresh).map(([t, f]) => owner(`owner.removePhone(tab ${t}, ${viaLabel(f)})`, (w, m) => ownerRemovePhone(w, m, t, f))),
    fc.tuple(tab, fresh).map(([t, f]) => owner(`owner.removePhone(tab ${t}, ${viaLabel(f)})`, (w, m) => ownerRemovePhone(w, m, t, f))),
    fc.tuple(tab, number, via).map(([t, n, v]) => owner(`owner.removeThenAdd(tab ${t}, ${n}, ${v})`, (w, m) => ownerRemoveThenAdd(w, m, t, n, v))),
    fc.tuple(tab, number, via).map(([t, n, v]) => owner(`owner.changeAndBack(tab ${t}, ${n}, ${v})`, (w, m) => ownerChangeAndBack(w, m, t, n, v))),
    fc.tuple(tab, fresh).map(([t, f]) => owner(`owner.regenerateBackupCodes(tab ${t}, ${viaLabel(f)})`, (w, m) => ownerRegenerateBackupCodes(w, m, t, f))),
    fc.tuple(tab, fc.nat(5), fresh).map(([t, k, f]) => owner(`owner.removeFactor(tab ${t}, #${k}, ${viaLabel(f)})`, (w, m) => ownerRemoveFactor(w, m, t, k, f))),
    fc.tuple(tab, fresh).map(([t, f]) => owner(`owner.passkeyOptions(tab ${t}, ${viaLabel(f)})`, (w, m) => ownerPasskeyOptions(w, m, t, f))),
    fc.tuple(tab, fc.boolean()).map(([t, all]) => owner(`owner.revokeTrustedDevices(tab ${t}, ${all ? 'all' : 'one'})`, (w, m) => ownerRevokeTrustedDevices(w, m, t, all))),
    fc.tuple(tab, fc.integer({ min: 1, max: 900 })).map(([t, a]) => owner(`owner.transfer(tab ${t}, ${a})`, (w, m) => ownerTransfer(w, m, t, a))),
    fc.tuple(tab, fc.integer({ min: 1, max: 900 })).map(([t, a]) => owner(`owner.transfer(tab ${t}, ${a})`, (w, m) => ownerTransfer(w, m, t, a))),
    tab.map((t) => owner(`owner.logout(tab ${t})`, (w, m) => ownerLogout(w, m, t))),
    fc.tuple(tab, fresh).map(([t, f]) => owner(`owner.signOutEverywhereElse(tab ${t}, ${viaLabel(f)})`, (w, m) => ownerRevokeAll(w, m, t, f))),
    tab.map((t) => owner(`owner.logoutRacingInFlightRequests(tab ${t})`, (w, m) => ownerLogoutRace(w, m, t))),
    // Alice reads a recovery notice and cancels it (only when one is pending: she acts on what she is told).
    ...[1, 2, 3].map(() => tab.map((t) => owner(`owner.cancelRecovery(tab ${t})`, (w, m) => ownerCancelRecovery(w, m, t), (m) => m.recovery.state === 'pending'))),
    fc.constantFrom(60, 240, 301, 3600, 86_400, 3 * 86_400, 8 * 86_400).map(
      (s) =>
        new ModelCommand(`clock.advance(${s} s)`, 'env', always, async (w) => {
          w.t.clock.advanceSeconds(s);
        }),
    ),
  ];
  if (kind === 'stolen-cookie') {
    const capture = fc.tuple(tab, fc.boolean(), fc.constantFrom<'nothing' | 'logout' | 'revoke-all'>('nothing', 'logout', 'revoke-all')).map(([t, s, then]) =>
      owner(`thief.captureCookie(tab ${t}, ${s ? 'after step-up' : 'before step-up'}, then owner: ${then})`, (w, m) => captureCookie(w, m, t, s, then), (m) => m.captured !== 'live'),
    );
    commands.push(capture, capture, capture);
  }
  return commands;
}

const MOVES: Record<AttackerKind, AttackMove[]> = {
  password: ['login', 'account', 'transfer', 'sms-step-up', 'guess-sms', 'bind-phone', 'bind-phone', 'remove-phone', 'totp', 'backup-codes', 'remove-factor', 'passkey', 'revoke-trusted', 'revoke-all', 'logout', 'read', 'recovery-start', 'recovery-start', 'recovery-complete', 'recovery-complete', 'recovery-complete', 'recovery-complete'],
  'stolen-cookie': ['account', 'transfer', 'sms-step-up', 'guess-sms', 'bind-phone', 'bind-phone', 'remove-phone', 'totp', 'backup-codes', 'remove-factor', 'passkey', 'revoke-trusted', 'revoke-all', 'logout', 'read', 'recovery-start', 'recovery-complete'],
  'other-user': ['login', 'account', 'transfer', 'sms-step-up', 'bind-phone', 'remove-phone', 'totp', 'backup-codes', 'remove-factor', 'remove-factor', 'rename-factor', 'passkey', 'revoke-trusted', 'revoke-trusted', 'revoke-all', 'logout', 'read', 'use-alice-codes', 'recovery-start', 'recovery-cancel', 'recovery-complete'],
};

/** The attacker's commands: every route it could try, as its kind allows. */
function attackerCommands(kind: AttackerKind): fc.Arbitrary<fc.AsyncCommand<Model, World>>[] {
  // The thief acts only with a cookie that is harmless: captured before a step-up, or revoked.
  // With none yet, it takes one from a tab as alice signs in (before any step-up).
  const pre = kind === 'stolen-cookie' ? (m: Readonly<Model>) => m.captured !== 'live' : always;
  const who = kind === 'password' ? 'attacker' : kind === 'stolen-cookie' ? 'thief' : 'bob';
  return MOVES[kind].map((move) =>
    fc.nat(20).map(
      (arg) =>
        new ModelCommand(`${who}.${move}(${arg})`, 'attacker', pre, async (w, m) => {
          if (kind === 'stolen-cookie' && m.captured === 'none') {
            await ownerLogin(w, m, arg % 2);
            await captureCookie(w, m, arg % 2, false, 'nothing');
          }
          if (kind === 'stolen-cookie' && m.captured === 'live') return;
          await attack(w, m, move, arg);
        }),
    ),
  );
}

/** Random interleavings of the owner's and the attacker's commands, at most `maxCommands` long. */
export function modelCommands(kind: AttackerKind, maxCommands: number) {
  return fc.commands([...ownerCommands(kind), ...attackerCommands(kind)], { maxCommands });
}
