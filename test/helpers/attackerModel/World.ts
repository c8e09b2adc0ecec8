import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { AuditEvent } from '../../../src/core/audit/auditChain';
import { createTestApp, type TestApp } from '../createTestApp';
import { HttpJar, listen, type JarResponse } from '../httpJar';
import { ALICE, ALL_CHECKS, BOB, type AttackerKind, type CheckName, type Model, type SecurityEventSeen } from './modelTypes';

/** The checks this process runs: all, or those named in STEPGUARD_MODEL_CHECKS (a diagnosis aid). */
export const ENABLED_CHECKS: ReadonlySet<CheckName> = new Set(
  process.env.STEPGUARD_MODEL_CHECKS ? (process.env.STEPGUARD_MODEL_CHECKS.split(',').map((s) => s.trim()) as CheckName[]) : ALL_CHECKS,
);

/** Counts across all runs of a suite, so a suite can prove it exercised what it claims. */
export type Coverage = Record<string, number>;

export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

type Snapshot = { factors: string; devices: string };
type TabState = { signedIn: boolean; acr: string | null };

/** POSTs that may sign a session in or out or change its level: everything but sending a code. */
const SESSION_TOUCHING = /^\/auth\/(login|logout)$|^\/auth\/2fa\/(?!sms\/send$)/;

/**
 * The real system of one model run: a fresh demo app (memory, Redis or Cluster) on a loopback
 * port, the owner's two tabs, the attacker's jar, and everything the invariants read: every
 * answer, the audit events and the host-hook calls.
 */
export class World {
  readonly trace: string[] = [];
  readonly responses: { jar: string; res: JarResponse }[] = [];
  readonly events: SecurityEventSeen[] = [];
  readonly audits: AuditEvent[] = [];
  readonly tabs: HttpJar[];
  /** (a) the attacker's own jar; (b) the captured cookie; (c) bob. */
  attacker: HttpJar;
  bobId: string | null = null;
  /** Owner changes completed in the current step (the accounting invariant). */
  completed = 0;
  private readonly tabState: TabState[] = [
    { signedIn: false, acr: null },
    { signedIn: false, acr: null },
  ];

  private constructor(
    readonly kind: AttackerKind,
    readonly t: TestApp,
    readonly baseUrl: string,
    private readonly closeServer: () => Promise<void>,
    /** The guard refused the onSecurityEvent option (today's code): the hook check fails on the first change. */
    readonly hookMissing: boolean,
    readonly coverage: Coverage,
  ) {
    this.tabs = [this.jar('owner-tab0'), this.jar('owner-tab1')];
    this.attacker = this.jar(kind === 'other-user' ? 'bob' : kind === 'stolen-cookie' ? 'thief' : 'attacker');
  }

  static async create(kind: AttackerKind, redis: Redis | Cluster | undefined, coverage: Coverage): Promise<World> {
    // The hook is wired before the world exists; it forwards to the world once there is one.
    const sink: { world?: World } = {};
    const onSecurityEvent = (e: SecurityEventSeen) => void sink.world?.events.push(e);
    const keyPrefix = `am${randomBytes(5).toString('hex')}`;
    // Budgets observe-only: the model is about who may change factors, and owner and attacker share
    // alice's number; notices keep their own per-account budget.
    const base = { sms: { pumping: { mode: 'observe' as const } } };
    let t: TestApp;
    let hookMissing = false;
    try {
      t = await createTestApp({
        ...(redis ? { redis, keyPrefix } : {}),
        guardOptions: { ...base, onSecurityEvent } as never,
      });
    } catch (err) {
      if (!String(err).includes('onSecurityEvent')) throw err;
      hookMissing = true;
      t = await createTestApp({ ...(redis ? { redis, keyPrefix } : {}), guardOptions: base });
    }
    const server = await listen(t.app);
    const world = new World(kind, t, server.baseUrl, server.close, hookMissing, coverage);
    sink.world = world;
    try {
      await world.prepare();
    } catch (err) {
      await world.close();
      throw err;
    }
    return world;
  }

  /** Reads every audit event as it is stored, and (c) signs bob up. */
  private async prepare(): Promise<void> {
    const { t } = this;
    const insert = t.stores.audit.insert.bind(t.stores.audit);
    t.stores.audit.insert = async (event, expireAtMs) => {
      const result = await insert(event, expireAtMs);
      if (result === 'ok') this.audits.push(event);
      return result;
    };
    if (this.kind === 'other-user') {
      const signup = await this.attacker.post('/auth/signup', { username: BOB.username, password: BOB.password });
      if (signup.status !== 201) throw new Error(`bob's signup answered ${signup.status}`);
      this.bobId = signup.body.user.id as string;
    }
  }

  async close(): Promise<void> {
    this.coverage.requests = (this.coverage.requests ?? 0) + this.responses.length;
    await this.closeServer();
    await this.t.close();
  }

  /** A jar whose every answer is traced and kept for the step's checks. */
  jar(name: string, from?: HttpJar, cookieNames?: string[]): HttpJar {
    const jar = from ? from.clone(name, cookieNames) : new HttpJar(this.baseUrl, name);
    const tab = /^owner-tab(\d)$/.exec(name)?.[1];
    jar.observe = (res) => {
      this.responses.push({ jar: name, res });
      if (tab !== undefined) this.follow(this.tabState[Number(tab)] as TabState, res);
      const code = res.body?.error?.code;
      this.trace.push(`  ${name} ${res.method} ${res.path} -> ${res.status}${code ? ` ${code}` : ''}`);
    };
    return jar;
  }

  /** A tab's session as its own answers tell it: signed in, level, signed out. */
  private follow(state: TabState, res: JarResponse): void {
    const { method, path, status, body } = res;
    if (method === 'POST' && path === '/auth/login' && status === 200) Object.assign(state, { signedIn: true, acr: body?.acr ?? 'aal1' });
    else if (method === 'POST' && path === '/auth/logout' && status === 200) Object.assign(state, { signedIn: false, acr: null });
    else if (path === '/auth/session' && status === 200) {
      const mine = body?.authenticated === true && body?.user?.id === ALICE.id;
      Object.assign(state, { signedIn: mine, acr: mine ? (body?.acr ?? null) : null });
    } else if (status === 401 && body?.error?.code === 'unauthenticated') Object.assign(state, { signedIn: false, acr: null });
    else if (status === 200 && body?.verified === true && typeof body?.acr === 'string') state.acr = body.acr;
  }

  note(line: string): void {
    this.trace.push(line);
  }

  count(key: string): void {
    this.coverage[key] = (this.coverage[key] ?? 0) + 1;
  }

  fail(check: CheckName, message: string): never {
    throw new InvariantViolation(`[${check}] ${message}\n--- trace of this run (newest last) ---\n${this.trace.slice(-80).join('\n')}`);
  }

  checks(check: CheckName): boolean {
    return ENABLED_CHECKS.has(check);
  }

  get sms() {
    return this.t.sms.messages;
  }

  /** The newest code sent after `fromIndex` to a number `reads` accepts. */
  codeSince(fromIndex: number, reads: (to: string) => boolean): string | null {
    for (const m of this.sms.slice(fromIndex).reverse()) {
      const match = /#(\d+)\s*$/.exec(m.body);
      if (match?.[1] && reads(m.to)) return match[1];
    }
    return null;
  }

  async boundPhone(): Promise<string | null> {
    return (await this.t.guard.service.phoneBindingOf(ALICE.id))?.e164 ?? null;
  }

  /** Alice's factors (phone, factor ids) and trusted devices, read through the service. */
  async snapshot(): Promise<Snapshot> {
    const svc = this.t.guard.service;
    // Records, not listEnrolledFactors: what counts as enrolled may depend on the clock (cool-off).
    const [phone, factors, devices] = await Promise.all([svc.phoneBindingOf(ALICE.id), svc.listFactors(ALICE.id), svc.listTrustedDevices(ALICE.id)]);
    return {
      factors: JSON.stringify({ phone: phone?.e164 ?? null, factors: factors.map((f) => `${f.type}:${f.id}`).sort() }),
      devices: JSON.stringify(devices.map((d) => d.id).sort()),
    };
  }

  /** Who a jar's session is: `GET /auth/session`. */
  async probe(jar: HttpJar): Promise<{ authenticated: boolean; userId: string | null; acr: string | null }> {
    const res = await jar.get('/auth/session');
    if (res.status !== 200) return { authenticated: false, userId: null, acr: null };
    return { authenticated: res.body?.authenticated === true, userId: res.body?.user?.id ?? null, acr: res.body?.acr ?? null };
  }

  /** Polls briefly: a notice or audit write may finish just after the answer. */
  async eventually(predicate: () => boolean, ms = 250): Promise<boolean> {
    for (let waited = 0; ; waited += 10) {
      if (predicate()) return true;
      if (waited >= ms) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * One owner change went through (its completing route answered 2xx). The notice goes to the
   * number bound before the change, unless the anti-pumping guard refused it (then audited).
   */
  async changeCompleted(what: string, phoneBefore: string | null, mark: { sms: number; audits: number }): Promise<void> {
    this.completed += 1;
    this.count(`owner change: ${what}`);
    this.note(`  = owner change completed: ${what}`);
    if (!phoneBefore || !this.checks('accounting')) return;
    const told = await this.eventually(
      () =>
        this.sms.slice(mark.sms).some((m) => m.to === phoneBefore && !/#\d+\s*$/.test(m.body)) ||
        this.audits.slice(mark.audits).some((e) => e.type === 'notice_blocked' && e.userId === ALICE.id),
    );
    if (!told) this.fail('accounting', `${what}: no SMS notice to the number bound before the change (…${phoneBefore.slice(-2)}) and no notice_blocked audit event`);
  }

  /**
   * Every session of alice other than `caller`'s must be revoked after `what`: those that were
   * signed in before (probed by `before`) are signed out now.
   */
  async expectOthersRevoked(what: string, caller: HttpJar, before: HttpJar[]): Promise<void> {
    const callerSid = caller.cookie('sg.sid');
    for (const jar of before) {
      if (jar.cookie('sg.sid') === callerSid) continue;
      // Probed even when the check is off: the answer also tells the model the tab is signed out.
      const p = await this.probe(jar);
      if (p.authenticated && p.userId === ALICE.id && this.checks('revocation')) {
        this.fail('revocation', `${what} by ${caller.name} left ${jar.name}'s session of alice signed in (acr ${p.acr})`);
      }
    }
  }

  /** Alice's jars other than `caller` that are signed in as alice now (to check after a revocation). */
  async aliceSessionsBesides(caller: HttpJar): Promise<HttpJar[]> {
    const callerSid = caller.cookie('sg.sid');
    const jars = [...this.tabs, ...(this.kind === 'other-user' ? [] : [this.attacker])];
    const out: HttpJar[] = [];
    for (const jar of jars) {
      if (!jar.cookie('sg.sid') || jar.cookie('sg.sid') === callerSid) continue;
      const p = await this.probe(jar);
      if (p.authenticated && p.userId === ALICE.id) out.push(jar);
    }
    return out;
  }

  /** Runs one command and checks every invariant after it. */
  async step(label: string, actor: 'owner' | 'attacker' | 'env', m: Model, act: () => Promise<void>): Promise<void> {
    this.note(`# ${label}`);
    this.count('steps');
    const before = await this.snapshot();
    const mark = { responses: this.responses.length, audits: this.audits.length, events: this.events.length };
    this.completed = 0;
    await act();
    const after = await this.snapshot();
    const responses = this.responses.slice(mark.responses);

    if (this.checks('errors')) {
      const broken = responses.find((r) => r.res.status >= 500);
      if (broken) this.fail('errors', `${broken.jar} ${broken.res.method} ${broken.res.path} answered ${broken.res.status}`);
    }

    // A recovery alice did not cancel completed (recoveryMoves.ts checked it was legitimate): the account is no longer hers to defend.
    if (actor === 'attacker' && this.checks('attacker') && !m.recovery.lost) {
      if (after.factors !== before.factors) this.fail('attacker', `${label} changed alice's factors:\n  before ${before.factors}\n  after  ${after.factors}`);
      if (this.kind === 'other-user' && after.devices !== before.devices) this.fail('attacker', `${label} changed alice's trusted devices`);
      for (const { jar, res } of responses) {
        if (jar !== this.attacker.name || res.status !== 200) continue;
        if (res.path !== '/account' && res.path !== '/transfer') continue;
        if (this.kind === 'other-user') {
          if (res.path === '/account' && res.body?.user?.id !== this.bobId) this.fail('attacker', `bob's GET /account showed user ${res.body?.user?.id}`);
        } else {
          this.fail('attacker', `the attacker got 200 from ${res.method} ${res.path}`);
        }
      }
    }

    if (actor === 'owner' && this.checks('accounting')) {
      if (after.factors !== before.factors && this.completed === 0) {
        this.fail('accounting', `${label} changed alice's factors without a completed change route:\n  before ${before.factors}\n  after  ${after.factors}`);
      }
      if (this.completed > 0) {
        const audited = () => this.audits.slice(mark.audits).filter((e) => e.type === 'factor_changed' && e.userId === ALICE.id && e.reasons.some((r) => r.startsWith('change='))).length;
        if (!(await this.eventually(() => audited() >= this.completed))) {
          this.fail('accounting', `${label}: ${this.completed} factor change(s) but ${audited()} audit event(s) factor_changed (userId ${ALICE.id}, reasons change=...)`);
        }
        if (this.hookMissing) this.fail('accounting', `${label}: a factor changed, but createStepGuard refused the onSecurityEvent option, so no host hook was told`);
        const hooked = () => this.events.slice(mark.events).filter((e) => e.type === 'factor_changed' && e.userId === ALICE.id).length;
        if (!(await this.eventually(() => hooked() >= this.completed))) {
          this.fail('accounting', `${label}: ${this.completed} factor change(s) but ${hooked()} onSecurityEvent call(s) of type factor_changed`);
        }
      }
    }

    await this.probeAll(m, actor, responses);
  }

  /**
   * After every step: who the attacker's jar is now, and the invariants on it. A jar is probed
   * when it sent a request in the step or, for the thief (whose cookie is alice's own session),
   * when any request could have touched a session: sign-in, sign-out, step-ups, factor changes.
   * A tab follows its own answers (see `jar`); it is probed when another jar did such a request
   * (sign out everywhere, a factor removed elsewhere, the thief's logout of a shared session).
   */
  private async probeAll(m: Model, actor: 'owner' | 'attacker' | 'env', responses: { jar: string; res: JarResponse }[]): Promise<void> {
    const eventJars = new Set(responses.filter((r) => r.res.method === 'POST' && SESSION_TOUCHING.test(r.res.path)).map((r) => r.jar));
    const touched = responses.some((r) => r.jar === this.attacker.name);
    const attack = this.checks('attacker') && !m.recovery.lost;
    const wasSignedIn = m.tabs.map((tab) => tab.signedIn);
    for (const [i, jar] of this.tabs.entries()) {
      const elsewhere = [...eventJars].some((name) => name !== jar.name);
      if (this.tabState[i]?.signedIn && elsewhere) await this.probe(jar); // the answer updates tabState
      Object.assign(m.tabs[i] as Model['tabs'][number], this.tabState[i]);
    }
    if (this.kind === 'password' && touched) {
      const p = this.attacker.cookie('sg.sid') ? await this.probe(this.attacker) : { authenticated: false, userId: null, acr: null };
      m.attackerSignedIn = p.authenticated && p.userId === ALICE.id;
      if (attack && m.attackerSignedIn && p.acr !== 'aal1') this.fail('attacker', `the attacker's session of alice is at ${p.acr}`);
    } else if (this.kind === 'stolen-cookie' && m.captured !== 'none' && (touched || eventJars.size > 0)) {
      const p = await this.probe(this.attacker);
      const high = p.authenticated && p.acr !== 'aal1';
      if (m.captured === 'aal1') {
        if (attack && high) this.fail('attacker', `a cookie captured before the step-up is now at ${p.acr}`);
        if (!p.authenticated) m.captured = 'dead';
      } else if (m.captured === 'live') {
        if (!p.authenticated) m.captured = 'dead';
      } else if (p.authenticated && this.checks('revocation')) {
        this.fail('revocation', `the captured cookie's session came back to life (acr ${p.acr})`);
      }
    } else if (this.kind === 'other-user' && touched) {
      const p = await this.probe(this.attacker);
      m.bobSignedIn = p.authenticated;
      if (attack && p.authenticated && p.userId !== this.bobId) this.fail('attacker', `bob's cookie now belongs to ${p.userId}`);
      if (attack && actor === 'attacker') {
        for (const [i, was] of wasSignedIn.entries()) if (was && !m.tabs[i]?.signedIn) this.fail('attacker', `bob signed alice's tab ${i} out`);
      }
    }
  }
}
