import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { useCheapPasswordHashing } from '../helpers/cheapPasswordHashing';

/**
 * Red team (issue #14): a password-only attacker loops start + cancel (any signed-in session may
 * cancel). recovery_started is never rate-limited and a change always reaches the hook, so the
 * owner's e-mail/push (onSecurityEvent) gets two messages per loop with no bound.
 */
useCheapPasswordHashing();

describe('red team: recovery start/cancel loop', () => {
  let t: TestApp;
  let events: { type: string }[];
  beforeEach(async () => {
    events = [];
    t = await createTestApp({ guardOptions: { onSecurityEvent: (e: { type: string }) => void events.push(e) } as never });
  });
  afterEach(async () => { await t.close(); });

  it('bounds how many recovery messages one password holder can send the owner in a day', async () => {
    const attacker = await t.client();
    const refused: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      await attacker.login().expect(200);
      const start = await attacker.post('/auth/2fa/recovery', {});
      if (start.status === 429) {
        refused.push(start.body.error?.code);
      } else {
        expect(start.status).toBe(202);
        await attacker.post('/auth/2fa/recovery/cancel', {}).expect(200);
      }
      t.clock.advanceSeconds(60);
    }
    const recoveryEvents = events.filter((e) => e.type.startsWith('recovery_'));
    expect(recoveryEvents.length).toBeLessThanOrEqual(10);
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused)).toEqual(new Set(['recovery_rate_limited']));
  });
});
