import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import type { Redis } from 'ioredis';
import { createConnection, type Connection } from 'mongoose';
import { createStepGuard } from '../../src/createStepGuard';
import { ensureMongoIndexes } from '../../src/stores/mongo/createMongoStores';
import type { AdminCommandListener } from '../../src/admin/listenForAdminCommands';
import { createDemoApp, DEMO_ACCOUNT } from '../../src/demo/createDemoApp';
import { cliBinWith, runCli } from '../helpers/cliBin';
import { startDemoProcess, type DemoProcess } from '../helpers/demoProcess';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { fakeClock } from '../helpers/fakeClock';
import { RecordingSmsProvider } from '../helpers/RecordingSmsProvider';
import { describeWithRedis, TEST_REDIS_URL } from '../helpers/withRedis';

/**
 * `stepguard factors ...` and `audit ...` on every store that runs here (issue 17 item 5), the
 * real bin: the audit file (STEPGUARD_AUDIT_FILE) and a running node over its Redis (REDIS_URL),
 * plus the store selection's refusals. MongoDB's path runs in the MONGODB_URI-gated contract tests.
 */
const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';
let cli: ReturnType<typeof cliBinWith>;
beforeAll(() => {
  cli = cliBinWith('FREE_TEXT_LIMITS');
}, 180_000);
afterAll(() => cli.cleanup());
const run = (args: string[], env: Record<string, string | undefined> = {}) => runCli(cli.bin, args, { STEPGUARD_PEPPER: PEPPER, ...env });

describe('store selection', () => {
  it.each([
    [['audit', 'export'], {}, /no audit store: MONGODB_URI, STEPGUARD_AUDIT_FILE and REDIS_URL are not set/],
    [['factors', 'list', '--user', 'u1'], {}, /no store for factors: MONGODB_URI and REDIS_URL are not set.*REDIS_URL \(and REDIS_KEY_PREFIX\) of a running node/],
    [['audit', 'export'], { STEPGUARD_AUDIT_FILE: '/nonexistent/audit.jsonl' }, /STEPGUARD_AUDIT_FILE: no file at "\/nonexistent\/audit.jsonl"/],
    [['audit', 'export'], { STEPGUARD_CLI_STORE: 'postgres' }, /STEPGUARD_CLI_STORE: "postgres" is not a store; use mongo, audit-file or node/],
    [['factors', 'list', '--user', 'u1'], { STEPGUARD_CLI_STORE: 'audit-file' }, /STEPGUARD_CLI_STORE=audit-file holds no factors/],
    [['audit', 'verify'], { STEPGUARD_CLI_STORE: 'node' }, /STEPGUARD_CLI_STORE=node needs REDIS_URL, which is not set/],
    [['factors', 'list', '--user', 'u1'], { REDIS_URL: 'redis://127.0.0.1:1', REDIS_KEY_PREFIX: 'a b' }, /REDIS_KEY_PREFIX: "a b" must be/],
    // A reason a reviewer would not read as stored (a right-to-left override) is refused before any store is asked.
    [['factors', 'reset', '--user', 'u1', '--factor', 'sms', '--reason', 'ticket \u202E1234'], { REDIS_URL: 'redis://127.0.0.1:1' }, /--reason must be one line of plain text \(it holds U\+202E/],
    [['factors', 'reset', '--user', 'u1', '--factor', 'sms', '--reason', 'ticket 1234', '--admin', 'bob\u202E'], { REDIS_URL: 'redis://127.0.0.1:1' }, /--admin must be one line of plain text \(it holds U\+202E/],
    [['factors', 'reset', '--user', 'u1', '--factor', 'sms', '--reason', 'ticket 1234', '--admin', 'x'.repeat(5000)], { REDIS_URL: 'redis://127.0.0.1:1' }, /--admin is longer than 100 characters/],
  ])('%j with %j exits 2 naming the variable and the fix', async (args, env, message) => {
    const r = await run(args, env);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });
});

describe('the audit file store (STEPGUARD_AUDIT_FILE)', () => {
  let file: string;

  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'stepguard-audit-')), 'audit.jsonl');
    const { app } = await createDemoApp({
      auditFile: file,
      pepper: PEPPER,
      sessionSecret: 'test-session-secret-that-is-long-enough-0123456789',
      smsProvider: new RecordingSmsProvider(),
      clock: fakeClock(),
      logger: pino({ level: 'silent' }),
      environment: 'test',
    });
    const agent = request.agent(app);
    const csrf = (await agent.get('/auth/csrf').expect(200)).body.csrfToken as string;
    const login = (username: string, password: string) => agent.post('/auth/login').set('x-csrf-token', csrf).set('accept', 'application/json').send({ username, password });
    await login(DEMO_ACCOUNT.username, 'wrong-password-here').expect(401);
    await login('nobody-here', 'wrong-password-here').expect(401);
    await login(DEMO_ACCOUNT.username, DEMO_ACCOUNT.password).expect(200);
  });

  it('exports the whole trail, chain by chain, as the file holds it', async () => {
    const r = await run(['audit', 'export'], { STEPGUARD_AUDIT_FILE: file });
    expect(r.code).toBe(0);
    const written = readFileSync(file, 'utf8').trim().split('\n');
    const exported = r.stdout.trim().split('\n');
    expect(exported.length).toBeGreaterThanOrEqual(3);
    expect([...exported].sort()).toEqual([...written].sort());
    const chains = exported.map((l) => JSON.parse(l).chainId as string);
    expect(new Set(chains)).toEqual(new Set(['u1', '_system']));
  });

  it('exports one user with --user', async () => {
    const r = await run(['audit', 'export', '--user', 'u1'], { STEPGUARD_AUDIT_FILE: file });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).chainId)).toEqual(expect.arrayContaining(['u1']));
    expect(r.stdout).not.toContain('"chainId":"_system"');
  });

  it('verifies the file', async () => {
    const r = await run(['audit', 'verify'], { STEPGUARD_AUDIT_FILE: file });
    expect(r.stdout).toMatch(/^OK: 2 chains, \d+ events, 0 broken$/m);
    expect(r.code).toBe(0);
  });

  it('fails verify (exit 1) on a tampered file, naming the event', async () => {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const i = lines.findIndex((l) => JSON.parse(l).chainId === 'u1' && JSON.parse(l).outcome === 'failure');
    expect(i).toBeGreaterThanOrEqual(0);
    const tampered = `${file}.tampered`;
    writeFileSync(tampered, `${lines.map((l, j) => (j === i ? l.replace('"outcome":"failure"', '"outcome":"success"') : l)).join('\n')}\n`);
    const r = await run(['audit', 'verify'], { STEPGUARD_AUDIT_FILE: tampered });
    expect(r.stdout).toContain(`BROKEN chain u1: event ${JSON.parse(lines[i] as string).id as string}`);
    expect(r.stdout).toMatch(/^FAILED: /m);
    expect(r.code).toBe(1);
  });

  // What a person reads (the ISO `ts`) and fields the MAC does not cover must not change unseen.
  it.each([
    ['a moved ts', (l: string) => l.replace(/"ts":"(\d{4})/, (_m, y: string) => `"ts":"${Number(y) - 1}`), /ts does not match/],
    ['an added field', (l: string) => l.replace(/^\{/, '{"approvedBy":"ceo",'), /unsigned field "approvedBy"/],
  ])('fails verify (exit 1) on %s', async (_name, edit, message) => {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const tampered = `${file}.edited`;
    writeFileSync(tampered, `${lines.map((l, j) => (j === 0 ? edit(l) : l)).join('\n')}\n`);
    expect(readFileSync(tampered, 'utf8')).not.toBe(readFileSync(file, 'utf8'));
    const r = await run(['audit', 'verify', '--file', tampered], { STEPGUARD_AUDIT_FILE: file });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(1);
  });
});

describeWithRedis('a running node through its Redis (REDIS_URL)', () => {
  let t: TestApp;
  let listener: AdminCommandListener;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ redis: true });
    listener = t.guard.listenForAdminCommands({ redis: t.redis as Redis, keyPrefix: t.keyPrefix as string });
    env = { REDIS_URL: TEST_REDIS_URL as string, REDIS_KEY_PREFIX: t.keyPrefix as string };
  });
  beforeEach(() => {
    // The CLI stamps its commands with the real clock; the node checks them against its own.
    t.clock.set(Date.now());
  });
  afterAll(async () => {
    await listener.close();
    await t.close();
  });

  it('lists the masked number and the factors', async () => {
    const c = await t.client();
    await c.stepUp();
    await c.post('/auth/2fa/backup-codes', {}).expect(201);
    const r = await run(['factors', 'list', '--user', 'u1'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([{ type: 'sms', phone: '+1 ••••••••23' }, expect.objectContaining({ type: 'backup_codes', label: 'Backup codes' })]);
    expect(r.stdout).not.toContain('4155550123');
  });

  it('resets the phone through the service: session signed out, the user told, audited with the admin and reason', async () => {
    const owner = await t.client();
    await owner.stepUp();
    await owner.get('/account').expect(200);
    const sent = t.sms.messages.length;
    const r = await run(['factors', 'reset', '--user', 'u1', '--factor', 'sms', '--reason', 'lost phone, ID checked at the desk', '--admin', 'carol'], env);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'reset sms for u1: 1 removed\n', '']);
    expect(await t.guard.service.maskedPhoneOf('u1')).toBeNull();
    expect((await owner.get('/auth/session')).body.authenticated).toBe(false);
    // The node's SMS provider told the number that was removed.
    expect(t.sms.messages.slice(sent).map((m) => m.to)).toEqual(['+14155550123']);
    const change = t.audit.unsafeChain('u1').filter((e) => e.type === 'factor_changed').pop();
    expect(change).toMatchObject({ actor: 'admin:carol', factor: 'sms', reasons: expect.arrayContaining(['change=factor_reset', 'reason=lost phone, ID checked at the desk']) });
  });

  it('exports and verifies the trail through the node', async () => {
    const exported = await run(['audit', 'export', '--user', 'u1'], env);
    expect([exported.code, exported.stderr, t.logs().includes('admin_command_failed') ? t.logs() : '']).toEqual([0, '', '']);
    const events = exported.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.length).toBe(t.audit.unsafeChain('u1').length);
    expect(events).toContainEqual(expect.objectContaining({ type: 'factor_changed', actor: 'admin:carol' }));
    const verified = await run(['audit', 'verify'], env);
    expect(verified.stdout).toMatch(/^OK: \d+ chains, \d+ events, 0 broken$/m);
    expect(verified.code).toBe(0);
  });

  it('says the pepper differs (exit 5) when the node refuses a command it cannot verify', async () => {
    const r = await run(['factors', 'list', '--user', 'u1'], { ...env, STEPGUARD_PEPPER: 'another-pepper-that-is-long-enough-0123456789' });
    expect(r.stderr).toMatch(/STEPGUARD_PEPPER here is not the node's/);
    expect(r.code).toBe(5);
  });

  it('exits 4 with a clear message when no node listens', async () => {
    const r = await run(['factors', 'reset', '--user', 'u1', '--factor', 'totp', '--reason', 'lost authenticator'], { ...env, REDIS_KEY_PREFIX: 'nobody-listens', STEPGUARD_NODE_TIMEOUT_SECONDS: '0.5' });
    expect(r.stderr).toMatch(/no node took the command within 0\.5 s \(withdrawn: it will not run\)\. Is a node running with the admin command channel on/);
    expect(r.code).toBe(4);
  });
});

describeWithRedis('the demo server (npm start) with REDIS_URL', () => {
  let demo: DemoProcess;
  let env: Record<string, string>;
  beforeAll(async () => {
    env = { REDIS_URL: TEST_REDIS_URL as string, REDIS_KEY_PREFIX: `demo${randomUUID().slice(0, 8)}` };
    demo = await startDemoProcess({ ...env, STEPGUARD_PEPPER: PEPPER, SESSION_SECRET: 'test-session-secret-that-is-long-enough-0123456789' }, cli.demoServer);
  }, 30_000);
  afterAll(async () => {
    await demo?.stop();
  });

  it('listens for admin commands: a reset from the CLI is done by the demo, whose provider texts the owner', async () => {
    const listed = await run(['factors', 'list', '--user', 'u1'], env);
    expect([listed.code, listed.stdout]).toEqual([0, `${JSON.stringify({ type: 'sms', phone: '+1 ••••••••23' })}\n`]);
    const reset = await run(['factors', 'reset', '--user', 'u1', '--factor', 'sms', '--reason', 'lost phone, ID checked'], env);
    expect([reset.code, reset.stdout]).toEqual([0, 'reset sms for u1: 1 removed\n']);
    const outbox = readFileSync(demo.outbox, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { to: string });
    expect(outbox.map((m) => m.to)).toEqual(['+14155550123']);
  });
});

const MONGODB_URI = process.env.MONGODB_URI;
if (!MONGODB_URI) console.warn('SKIPPED (MONGODB_URI not set): the CLI on MongoDB. Run `docker compose run --rm test` for it.');
(MONGODB_URI ? describe : describe.skip)('MongoDB (MONGODB_URI)', () => {
  // The database the URI names, shared with other runs: a user id of this run's own.
  const userId = `cli-${randomUUID().slice(0, 8)}`;
  let connection: Connection;
  beforeAll(async () => {
    connection = await createConnection(MONGODB_URI as string, { serverSelectionTimeoutMS: 5000 }).asPromise();
    await ensureMongoIndexes(connection);
    const guard = createStepGuard({ environment: 'test', stores: { mongo: connection }, secrets: { pepper: PEPPER, sessionSecret: 'test-session-secret-that-is-long-enough-0123456789' } });
    await guard.service.bindPhoneUnchecked(userId, '+14155550123');
    await guard.service.audit({ type: 'login_succeeded', outcome: 'success', userId });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('lists the masked number', async () => {
    const r = await run(['factors', 'list', '--user', userId], { MONGODB_URI });
    expect([r.code, r.stdout]).toEqual([0, `${JSON.stringify({ type: 'sms', phone: '+1 ••••••••23' })}\n`]);
  });

  it("exports and verifies the user's chain", async () => {
    const exported = await run(['audit', 'export', '--user', userId], { MONGODB_URI });
    expect(exported.code).toBe(0);
    expect(exported.stdout.trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['login_succeeded']);
    const verified = await run(['audit', 'verify', '--user', userId], { MONGODB_URI });
    expect([verified.code, verified.stdout]).toEqual([0, 'OK: 1 chains, 1 events, 0 broken\n']);
  });
});
