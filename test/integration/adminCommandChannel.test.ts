import type { Cluster, Redis } from 'ioredis';
import type { AdminCommandListener } from '../../src/admin/listenForAdminCommands';
import { sendAdminCommand } from '../../src/admin/sendAdminCommand';
import { StepGuardConfigError } from '../../src/errors';
import { connectTestCluster, createTestAppOn, describeForEachBackend } from '../helpers/forEachStore';
import type { TestApp } from '../helpers/createTestApp';

/**
 * The admin command channel (issue 17 item 5) as nodes run it: each command is taken by exactly
 * one node however many listen, on one Redis and on the Cluster (the channel's keys share a hash
 * tag). The attacker's side is test/redteam/adminCommandChannel.test.ts; the CLI's, cliStores.
 */
const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';

describeForEachBackend('admin command channel', (backend) => {
  if (backend === 'memory') {
    it('refuses to listen without a Redis, naming the option', async () => {
      const t = await createTestAppOn('memory');
      expect(() => t.guard.listenForAdminCommands()).toThrow(StepGuardConfigError);
      expect(() => t.guard.listenForAdminCommands()).toThrow(/pass \{ redis \}/i);
    });
    return;
  }
  let t: TestApp;
  let listeners: AdminCommandListener[];
  let cli: Redis | Cluster;

  beforeAll(async () => {
    t = await createTestAppOn(backend);
    // Two nodes' listeners on the same channel.
    listeners = [0, 1].map(() => t.guard.listenForAdminCommands({ redis: t.redis as Redis | Cluster, keyPrefix: t.keyPrefix as string }));
    if (backend === 'cluster') {
      cli = connectTestCluster().cluster;
    } else {
      cli = (t.redis as Redis).duplicate({ commandTimeout: undefined, lazyConnect: false, enableOfflineQueue: true });
      cli.on('error', () => undefined);
    }
  });
  afterAll(async () => {
    await Promise.all(listeners.map((l) => l.close()));
    await cli.quit().catch(() => undefined);
    await t.close();
  });

  async function send(cmd: 'factors.list' | 'factors.reset', args: Record<string, string>): Promise<string[]> {
    t.clock.set(Date.now());
    const lines: string[] = [];
    for await (const chunk of sendAdminCommand({ redis: cli as Redis, keyPrefix: t.keyPrefix as string, pepper: PEPPER, cmd, args: args as never, timeoutMs: 5000 })) lines.push(...chunk);
    return lines;
  }

  it('answers each command once, from one of the nodes listening', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => send('factors.list', { user: 'u1' })));
    expect(answers).toEqual(Array.from({ length: 6 }, () => [JSON.stringify({ type: 'sms', phone: '+1 ••••••••23' })]));
  });

  it('runs a reset once although two nodes listen', async () => {
    expect(await send('factors.reset', { user: 'u1', factor: 'sms', reason: 'lost phone, ID checked', admin: 'dana' })).toEqual(['reset sms for u1: 1 removed']);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.audit.unsafeChain('u1').filter((e) => e.type === 'factor_changed' && e.actor === 'admin:dana')).toHaveLength(1);
    expect(t.sms.messages.filter((m) => m.to === '+14155550123' && !/#\d+\s*$/.test(m.body))).toHaveLength(1);
  });
});
