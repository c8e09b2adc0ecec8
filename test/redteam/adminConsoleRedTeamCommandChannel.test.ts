import { Redis } from 'ioredis';
import { adminChannelKeys } from '../../src/admin/adminCommands';
import type { AdminCommandListener } from '../../src/admin/listenForAdminCommands';
import { AdminChannelError, sendAdminCommand } from '../../src/admin/sendAdminCommand';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeWithRedis, TEST_REDIS_URL } from '../helpers/withRedis';

/**
 * Red team, issue #17 (admin command channel, someone who can write to the nodes' Redis but has
 * no pepper). A node answers a message whose MAC does NOT verify with a genuine, sealed refusal
 * to whatever well-formed id that message names (listenForAdminCommands: unverifiedIdOf). While
 * a real command waits in the queue (the node busy, or not yet listening), the attacker reads its
 * id and puts an unsigned message naming that id in front of it: the node seals "bad_mac" for
 * the id, the CLI believes the command was refused (exit 5, "STEPGUARD_PEPPER here is not the
 * node's") and the real command then runs anyway. The operator is told a reset did not happen
 * while it did. A refusal must never be attributed to an id the node could not verify.
 */
const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';

describeWithRedis('red team #17: a forged message cannot make a real command look refused', () => {
  let t: TestApp;
  let listener: AdminCommandListener | undefined;
  let cli: Redis;
  let attacker: Redis;

  beforeEach(async () => {
    t = await createTestApp({ redis: true });
    t.clock.set(Date.now());
    cli = new Redis(TEST_REDIS_URL as string, { lazyConnect: true, maxRetriesPerRequest: 1 });
    cli.on('error', () => undefined);
    await cli.connect();
    attacker = cli.duplicate();
    attacker.on('error', () => undefined);
  });
  afterEach(async () => {
    await listener?.close();
    await cli.quit().catch(() => undefined);
    await attacker.quit().catch(() => undefined);
    await t.close();
  });

  it('the CLI is not told "refused" for a command that then runs', async () => {
    const keys = adminChannelKeys(t.keyPrefix as string);
    const outcome = (async () => {
      try {
        for await (const _ of sendAdminCommand({ redis: cli, keyPrefix: t.keyPrefix as string, pepper: PEPPER, cmd: 'factors.reset', args: { user: 'u1', factor: 'sms', reason: 'lost phone, checked ID', admin: 'olivia' }, timeoutMs: 5000 })) void _;
        return 'ran';
      } catch (err) {
        return err instanceof AdminChannelError ? err.kind : String(err);
      }
    })();
    // The real command waits in the queue; the attacker reads its id.
    let queued: string[] = [];
    for (let i = 0; i < 100 && queued.length === 0; i += 1) {
      queued = await attacker.lrange(keys.commands, 0, -1);
      if (queued.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    const real = queued[0] as string;
    const { id } = JSON.parse(real.slice(real.indexOf('{'))) as { id: string };
    // An unsigned message naming that id, put at the end the nodes pop from (ahead of the real one).
    await attacker.rpush(keys.commands, `v1.AAAA.${JSON.stringify({ id, ts: Date.now(), cmd: 'factors.list', args: { user: 'u1' } })}`);
    listener = t.guard.listenForAdminCommands({ redis: t.redis as Redis, keyPrefix: t.keyPrefix as string });

    const told = await outcome;
    // Let the node drain the queue.
    for (let i = 0; i < 100 && (await attacker.llen(keys.commands)) > 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    const ranReset = (await t.guard.service.maskedPhoneOf('u1')) === null;
    // Whatever the CLI is told must match what happened.
    expect({ told, ranReset }).not.toEqual({ told: 'refused', ranReset: true });
    expect(told === 'ran').toBe(ranReset);
  });
});
