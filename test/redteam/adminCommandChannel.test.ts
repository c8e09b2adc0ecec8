import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { adminChannelKeys, ADMIN_CHANNEL_LIMITS } from '../../src/admin/adminCommands';
import type { AdminCommandListener } from '../../src/admin/listenForAdminCommands';
import { AdminChannelError, sendAdminCommand } from '../../src/admin/sendAdminCommand';
import { deriveAdminKey, openAdminMessage, sealAdminMessage } from '../../src/core/admin/adminMessageSeal';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeWithRedis, TEST_REDIS_URL } from '../helpers/withRedis';

/**
 * The admin command channel (issue 17 item 5) against someone who can write to the nodes' Redis
 * but does not hold the pepper, or who replays what they saw: every forged, replayed, stale,
 * unknown, malformed or oversize command is refused and changes nothing; a forged reply is not
 * believed; a command no node takes is withdrawn, never run later.
 */
const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';
const COMMAND_KEY = deriveAdminKey(PEPPER, 'command');
const REPLY_KEY = deriveAdminKey(PEPPER, 'reply');

describeWithRedis('admin command channel: what an attacker with Redis access cannot do', () => {
  let t: TestApp;
  let listener: AdminCommandListener;
  let cli: Redis;
  let keys: ReturnType<typeof adminChannelKeys>;

  beforeEach(async () => {
    t = await createTestApp({ redis: true });
    // The CLI stamps commands with the real clock; the node checks them against its own.
    t.clock.set(Date.now());
    listener = t.guard.listenForAdminCommands({ redis: t.redis as Redis, keyPrefix: t.keyPrefix as string });
    // The CLI's own connection: blocking reads, no command timeout.
    cli = new Redis(TEST_REDIS_URL as string, { lazyConnect: true, maxRetriesPerRequest: 1 });
    cli.on('error', () => undefined);
    await cli.connect();
    keys = adminChannelKeys(t.keyPrefix as string);
  });
  afterEach(async () => {
    await listener.close();
    await cli.quit().catch(() => undefined);
    await t.close();
  });

  const resetSms = (overrides: Record<string, unknown> = {}) => ({
    id: randomBytes(16).toString('hex'),
    ts: Date.now(),
    cmd: 'factors.reset',
    args: { user: 'u1', factor: 'sms', reason: 'lost phone, checked ID', admin: 'mallory' },
    ...overrides,
  });
  /** Pushes a raw message and returns the node's (opened) reply for `id`, or null when it gave none. */
  async function push(message: string, id: string | null): Promise<unknown> {
    await cli.lpush(keys.commands, message);
    if (id === null) {
      // The listener is serial: once a later command is answered, this one was handled.
      for await (const _ of sendAdminCommand({ redis: cli, keyPrefix: t.keyPrefix as string, pepper: PEPPER, cmd: 'factors.list', args: { user: 'nobody' }, timeoutMs: 5000 })) void _;
      return null;
    }
    const popped = await cli.blpop(keys.reply(id), 5);
    if (!popped) return null;
    const opened = openAdminMessage(REPLY_KEY, popped[1]);
    if (!opened.ok) throw new Error(`reply did not verify: ${opened.reason}`);
    return opened.body;
  }
  async function expectNothingChanged(): Promise<void> {
    expect(await t.guard.service.maskedPhoneOf('u1')).toBe('+1 ••••••••23');
    expect(t.sms.messages).toHaveLength(0);
    expect(t.audit.unsafeChain('u1').filter((e) => e.type === 'factor_changed')).toEqual([]);
  }

  it('refuses a command sealed without the pepper (wrong MAC), and changes nothing', async () => {
    const body = resetSms();
    const forged = sealAdminMessage(deriveAdminKey('another-pepper-the-attacker-guessed-0123456789', 'command'), body);
    expect(await push(forged, body.id)).toMatchObject({ id: body.id, ok: false, reason: 'bad_mac' });
    await expectNothingChanged();
    expect(t.logs()).toContain('"reason":"bad_mac"');
  });

  it('refuses a genuine command with its body edited after sealing', async () => {
    const sealed = sealAdminMessage(COMMAND_KEY, resetSms({ cmd: 'factors.list', args: { user: 'u1' } }));
    const body = JSON.parse(sealed.slice(sealed.indexOf('{'))) as { id: string };
    const edited = sealed.replace('"cmd":"factors.list","args":{"user":"u1"}', '"cmd":"factors.reset","args":{"user":"u1","factor":"sms","reason":"lost phone","admin":"x"}');
    expect(edited).not.toBe(sealed);
    expect(await push(edited, body.id)).toMatchObject({ ok: false, reason: 'bad_mac' });
    await expectNothingChanged();
  });

  it('runs a command once: the same sealed command again is refused as replayed', async () => {
    const body = resetSms();
    const sealed = sealAdminMessage(COMMAND_KEY, body);
    expect(await push(sealed, body.id)).toMatchObject({ ok: true, last: false, data: ['reset sms for u1: 1 removed'] });
    // The node ends an answer with a `last: true` message: read up to it, so the replay below
    // reads only its own answer (a DEL alone raced that last message on a loaded machine).
    for (;;) {
      const popped = await cli.blpop(keys.reply(body.id), 5);
      if (!popped) throw new Error('the first answer never ended');
      const opened = openAdminMessage(REPLY_KEY, popped[1]);
      if (opened.ok && (opened.body as { last?: boolean }).last) break;
    }
    await cli.del(keys.reply(body.id));
    const messagesAfterFirst = t.sms.messages.length;
    const eventsAfterFirst = t.audit.unsafeChain('u1').length;
    expect(await push(sealed, body.id)).toMatchObject({ ok: false, reason: 'replayed' });
    expect(t.sms.messages).toHaveLength(messagesAfterFirst);
    expect(t.audit.unsafeChain('u1')).toHaveLength(eventsAfterFirst);
  });

  it.each([
    ['more than a minute old', -ADMIN_CHANNEL_LIMITS.windowMs - 1000],
    ['more than a minute ahead', ADMIN_CHANNEL_LIMITS.windowMs + 1000],
  ])('refuses a command stamped %s', async (_, offsetMs) => {
    const body = resetSms({ ts: Date.now() + offsetMs });
    expect(await push(sealAdminMessage(COMMAND_KEY, body), body.id)).toMatchObject({ ok: false, reason: 'stale' });
    await expectNothingChanged();
  });

  it.each([
    ['a command outside the allow-list', { cmd: 'recovery.cancel', args: { user: 'u1' } }, 'unknown_command'],
    ['an inherited property name as the command', { cmd: 'constructor', args: {} }, 'unknown_command'],
    ['an unknown factor', { args: { user: 'u1', factor: 'retina', reason: 'lost phone', admin: 'x' } }, 'bad_arguments'],
    ['an extra argument', { args: { user: 'u1', factor: 'sms', reason: 'lost phone', admin: 'x', force: true } }, 'bad_arguments'],
    ['no reason', { args: { user: 'u1', factor: 'sms', reason: '  ', admin: 'x' } }, 'bad_arguments'],
  ])('refuses %s', async (_, overrides, reason) => {
    const body = resetSms(overrides);
    expect(await push(sealAdminMessage(COMMAND_KEY, body), body.id)).toMatchObject({ ok: false, reason });
    await expectNothingChanged();
  });

  it('refuses an oversize command unread, and changes nothing', async () => {
    const body = resetSms({ args: { user: 'u1', factor: 'sms', reason: 'x'.repeat(ADMIN_CHANNEL_LIMITS.maxCommandBytes), admin: 'x' } });
    expect(await push(sealAdminMessage(COMMAND_KEY, body), null)).toBeNull();
    expect(await cli.exists(keys.reply(body.id))).toBe(0);
    await expectNothingChanged();
    expect(t.logs()).toContain('"reason":"oversize"');
  });

  it('ignores garbage on the queue and keeps serving', async () => {
    expect(await push('not a command at all', null)).toBeNull();
    expect(await push('v1.AAAA.{"id":"../../etc"}', null)).toBeNull();
    await expectNothingChanged();
  });

  it('the CLI does not believe a reply that is not sealed with the reply key', async () => {
    await listener.close();
    const answer = (async () => {
      const lines: string[][] = [];
      for await (const chunk of sendAdminCommand({ redis: cli, keyPrefix: t.keyPrefix as string, pepper: PEPPER, cmd: 'audit.export', args: {}, timeoutMs: 5000 })) lines.push(chunk);
      return lines;
    })();
    // The attacker's own connection takes the command off the queue and answers it.
    const attacker = cli.duplicate();
    attacker.on('error', () => undefined);
    const popped = await attacker.brpop(keys.commands, 5);
    const command = popped?.[1] as string;
    const { id } = JSON.parse(command.slice(command.indexOf('{'))) as { id: string };
    // Sealed with the command key (all the attacker could copy), not the reply key.
    await attacker.rpush(keys.reply(id), sealAdminMessage(COMMAND_KEY, { id, seq: 0, last: true, ok: true, data: ['{"forged":true}'] }));
    await expect(answer).rejects.toThrow(/does not verify/);
    await attacker.quit();
  });

  it('a command no node takes in time is withdrawn, so it can never run later', async () => {
    await listener.close();
    const run = sendAdminCommand({ redis: cli, keyPrefix: t.keyPrefix as string, pepper: PEPPER, cmd: 'factors.reset', args: { user: 'u1', factor: 'sms', reason: 'lost phone', admin: 'x' }, timeoutMs: 300 });
    const error = await (async () => {
      try {
        for await (const _ of run) void _;
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(AdminChannelError);
    expect((error as AdminChannelError).kind).toBe('timeout');
    expect((error as Error).message).toMatch(/withdrawn: it will not run/);
    expect(await cli.llen(keys.commands)).toBe(0);
    // A node that starts listening now finds nothing to run.
    listener = t.guard.listenForAdminCommands({ redis: t.redis as Redis, keyPrefix: t.keyPrefix as string });
    await new Promise((r) => setTimeout(r, 200));
    await expectNothingChanged();
  });
});
