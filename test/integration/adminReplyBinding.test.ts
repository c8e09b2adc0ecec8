import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { adminChannelKeys } from '../../src/admin/adminCommands';
import type { AdminCommandListener } from '../../src/admin/listenForAdminCommands';
import { AdminChannelError, sendAdminCommand } from '../../src/admin/sendAdminCommand';
import { deriveAdminKey, sealAdminMessage } from '../../src/core/admin/adminMessageSeal';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeWithRedis, TEST_REDIS_URL } from '../helpers/withRedis';

/**
 * Replies bound to the message they answer (issue 17 item 5, after red team #17's forged
 * refusal): someone who can write to the nodes' Redis but has no pepper can delay or drop a
 * command (that is what Redis access is), but can never make the CLI report an outcome that is
 * not what happened: not with a copy of the command queued ahead of it for another node, not with
 * a forged message that copies its MAC, not with an earlier command's reply, and a command they
 * pop and hold is dead once the CLI gives up on it.
 */
const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';
const RESET = { user: 'u1', factor: 'sms', reason: 'lost phone, checked ID', admin: 'olivia' } as const;

describeWithRedis('admin command channel: replies bound to the message they answer', () => {
  let t: TestApp;
  let listeners: AdminCommandListener[];
  let cli: Redis;
  let attacker: Redis;
  let keys: ReturnType<typeof adminChannelKeys>;

  beforeEach(async () => {
    t = await createTestApp({ redis: true });
    t.clock.set(Date.now());
    listeners = [];
    cli = new Redis(TEST_REDIS_URL as string, { lazyConnect: true, maxRetriesPerRequest: 1 });
    cli.on('error', () => undefined);
    await cli.connect();
    attacker = cli.duplicate();
    attacker.on('error', () => undefined);
    keys = adminChannelKeys(t.keyPrefix as string);
  });
  afterEach(async () => {
    await Promise.all(listeners.map((l) => l.close()));
    await cli.quit().catch(() => undefined);
    await attacker.quit().catch(() => undefined);
    await t.close();
  });

  const listen = (nodes = 1) => {
    for (let i = 0; i < nodes; i += 1) listeners.push(t.guard.listenForAdminCommands({ redis: t.redis as Redis, keyPrefix: t.keyPrefix as string }));
  };
  /** Runs a reset from the CLI; resolves to its output, or to the AdminChannelError it ended with. */
  const resetFromCli = (timeoutMs: number): Promise<string[] | AdminChannelError> =>
    (async () => {
      const lines: string[] = [];
      try {
        for await (const chunk of sendAdminCommand({ redis: cli, keyPrefix: t.keyPrefix as string, pepper: PEPPER, cmd: 'factors.reset', args: RESET, timeoutMs })) lines.push(...chunk);
        return lines;
      } catch (err) {
        if (err instanceof AdminChannelError) return err;
        throw err;
      }
    })();
  const queuedCommand = async (): Promise<string> => {
    for (let i = 0; i < 200; i += 1) {
      const [queued] = await attacker.lrange(keys.commands, 0, 0);
      if (queued) return queued;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the CLI queued nothing');
  };
  const resets = () => t.audit.unsafeChain('u1').filter((e) => e.type === 'factor_changed').length;
  const idOf = (message: string) => (JSON.parse(message.slice(message.indexOf('{'))) as { id: string }).id;

  it('an exact copy queued ahead for a second node: the reset runs once and the CLI reports it, not "replayed"', async () => {
    const outcome = resetFromCli(5000);
    const real = await queuedCommand();
    // The copy goes where the nodes pop first; each of two nodes takes one of the two.
    await attacker.rpush(keys.commands, real);
    listen(2);
    expect(await outcome).toEqual(['reset sms for u1: 1 removed']);
    await new Promise((r) => setTimeout(r, 200));
    expect(resets()).toBe(1);
    expect(t.logs()).toContain('"reason":"replayed"');
  });

  it("a forged message that copies the real command's MAC gets a refusal the CLI does not take as its own", async () => {
    const outcome = resetFromCli(5000);
    const real = await queuedCommand();
    const mac = real.split('.')[1] as string;
    await attacker.rpush(keys.commands, `v1.${mac}.${JSON.stringify({ id: idOf(real), ts: Date.now(), cmd: 'factors.list', args: { user: 'u1' } })}`);
    listen();
    expect(await outcome).toEqual(['reset sms for u1: 1 removed']);
    expect(t.logs()).toContain('"reason":"bad_mac"');
    expect(resets()).toBe(1);
  });

  it("ignores an earlier command's reply, and a command popped and held never runs once the CLI gave up", async () => {
    // An earlier, genuine exchange whose sealed reply the attacker kept.
    listen();
    const earlier = { id: randomBytes(16).toString('hex'), ts: Date.now(), cmd: 'factors.list', args: { user: 'u1' } };
    await attacker.lpush(keys.commands, sealAdminMessage(deriveAdminKey(PEPPER, 'command'), earlier));
    const kept = [(await attacker.blpop(keys.reply(earlier.id), 5))?.[1], (await attacker.blpop(keys.reply(earlier.id), 5))?.[1]] as string[];
    expect(kept.every((m) => typeof m === 'string')).toBe(true);
    await listeners.pop()?.close();

    const started = Date.now();
    const outcome = resetFromCli(1000);
    const popped = await attacker.brpop(keys.commands, 5);
    const held = popped?.[1] as string;
    // The earlier reply, replayed into this command's reply list, again and again.
    const flood = setInterval(() => void attacker.rpush(keys.reply(idOf(held)), ...kept).catch(() => undefined), 200);
    const told = await outcome;
    clearInterval(flood);
    expect(told).toBeInstanceOf(AdminChannelError);
    expect((told as AdminChannelError).kind).toBe('timeout');
    expect((told as AdminChannelError).message).toMatch(/withdrawn: it will not run/);
    expect((told as AdminChannelError).message).toMatch(/answers not for this command ignored/);
    // Ignored answers do not extend the wait.
    expect(Date.now() - started).toBeLessThan(3000);

    // The held command, put back for a node: refused as used, the phone stays.
    await attacker.lpush(keys.commands, held);
    listen();
    for (let i = 0; i < 100 && (await attacker.llen(keys.commands)) > 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(await t.guard.service.maskedPhoneOf('u1')).toBe('+1 ••••••••23');
    expect(resets()).toBe(0);
    expect(t.sms.messages).toHaveLength(0);
  });
});
