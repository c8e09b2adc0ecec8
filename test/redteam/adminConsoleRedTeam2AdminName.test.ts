import { ADMIN_COMMANDS } from '../../src/admin/adminCommands';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { DEMO_ACCOUNT } from '../../src/demo/createDemoApp';

/**
 * Red team #17, second pass. The first pass made a reason one line of plain text (no control,
 * invisible or direction characters) on every path. The operator's NAME beside it was left out:
 * `stepguard factors reset ... --admin $'bob\u202e'` ran on a demo node over the real command
 * channel (exit 0) and the audit trail holds `actor: "admin:bob\u202e"` (an export and a SIEM show
 * the name reversed/hidden; `--admin $'eve\nfactor_changed actor=admin:alice'` passed the same
 * way). The console checks a host's operatorIdOf against OPERATOR_ID; the command channel
 * (src/admin/adminCommands.ts factors.reset `admin: z.string().min(1).max(100)`) and
 * src/service/resetFactor.ts (what the CLI on Mongo and a host call) take any string.
 */
const BAD_NAMES = ['bob\u202e', 'eve\nfactor_changed actor=admin:alice', 'mal\u200blory', 'x\u0007'];

describe('red team #17 (2nd pass): the operator name in a reset is plain text too', () => {
  it.each(BAD_NAMES)('the command channel refuses --admin %j', (admin) => {
    const parsed = ADMIN_COMMANDS['factors.reset'].safeParse({ user: 'u1', factor: 'sms', reason: 'ticket 4711', admin });
    expect(parsed.success).toBe(false);
  });

  describe('service.resetFactor', () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await createTestApp();
    });
    afterEach(async () => {
      await t.close();
    });

    it('writes no audit record whose actor holds a direction override', async () => {
      const aliceId = t.users.idOf(DEMO_ACCOUNT.username) as string;
      await t.guard.service.resetFactor({ userId: aliceId, factor: 'sms', reason: 'ticket 4711', admin: 'bob\u202e' }).catch(() => undefined);
      const actors: string[] = [];
      for await (const e of t.stores.audit.list({ userId: aliceId })) if (e.actor) actors.push(e.actor);
      expect(actors.filter((a) => a.includes('\u202e'))).toEqual([]);
    });
  });
});
