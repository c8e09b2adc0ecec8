import { createStepGuard } from '../../src/createStepGuard';
import { StepGuardConfigError } from '../../src/errors';
import { fakeClock } from '../helpers/fakeClock';

/**
 * Red team, issue #17 (audit sinks leaking secrets). SIEM ingest endpoints are often given as
 * `https://user:token@host/path`. audit.sinks accepts such a webhook URL, but fetch() refuses
 * every request to it with "Request cannot be constructed from a URL that includes credentials:
 * <the whole URL>", and the sink logs that message (audit_sink_failed): the ingest token lands
 * in the app's logs on every outage warning, and no record is ever delivered. Either the option
 * is refused when the guard is built (naming audit.sinks and the fix, without echoing the
 * token), or nothing logged contains the token.
 */
const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';
const TOKEN = 's3cret-ingest-token-9f8e7d';

describe('red team #17: a webhook URL with credentials', () => {
  it('never puts the credentials in a log line', async () => {
    const logs: string[] = [];
    const capture = (obj: object, msg?: string) => void logs.push(JSON.stringify(obj) + (msg ?? ''));
    const logger = { info: capture, warn: capture, error: capture };
    let guard: ReturnType<typeof createStepGuard>;
    try {
      guard = createStepGuard({
        environment: 'test',
        secrets: { pepper: PEPPER, sessionSecret: PEPPER },
        clock: fakeClock(),
        logger,
        audit: { sinks: [{ type: 'webhook', url: `http://siem-user:${TOKEN}@127.0.0.1:9/in`, secret: 'x'.repeat(32), initialBackoffMs: 1, maxBackoffMs: 1 }] },
      } as never);
    } catch (err) {
      // Refusing the option is a fix too: it must name the option and not echo the token.
      expect(err).toBeInstanceOf(StepGuardConfigError);
      expect((err as Error).message).toMatch(/audit\.sinks.*url/);
      expect((err as Error).message).not.toContain(TOKEN);
      return;
    }
    await guard.service.audit({ type: 'login_failed', outcome: 'failure', userId: 'u1' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await guard.closeAuditSinks(200);
    expect(logs.some((l) => l.includes('audit_sink_failed'))).toBe(true);
    expect(logs.filter((l) => l.includes(TOKEN))).toEqual([]);
  });
});
