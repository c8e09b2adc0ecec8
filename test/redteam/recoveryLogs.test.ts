import { createTestApp } from '../helpers/createTestApp';
import { useCheapPasswordHashing } from '../helpers/cheapPasswordHashing';

/** Red team (issue #14): a recovery's whole life (start, reminder, complete, re-enrol) logs no number, code or recovery id. */
useCheapPasswordHashing();

it('keeps numbers, codes and ids out of the logs through a recovery', async () => {
  const t = await createTestApp({});
  try {
    const c = await t.client();
    await c.login().expect(200);
    await c.send({}).expect(202);
    const code = t.sms.lastCode();
    await c.post('/auth/2fa/recovery', {}).expect(202);
    t.clock.advanceSeconds(150 * 3600);
    await c.get('/auth/2fa/recovery').expect(200);
    t.clock.advanceSeconds(25 * 3600);
    await c.login().expect(200);
    await c.post('/auth/2fa/recovery/complete', {}).expect(200);
    const ids: string[] = [];
    for await (const e of t.stores.audit.list({ userId: 'u1' })) for (const r of e.reasons ?? []) if (r.startsWith('recovery=')) ids.push(r.slice(9));
    const logs = t.logs();
    expect(ids.length).toBeGreaterThan(0);
    for (const secret of ['4155550123', code, ...ids]) expect({ secret, found: logs.includes(secret) }).toEqual({ secret, found: false });
  } finally {
    await t.close();
  }
});
