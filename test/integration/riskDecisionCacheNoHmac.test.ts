import crypto from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/createTestApp';

/**
 * Issue 12: a guarded read that reuses the cached risk decision does not verify the device
 * cookie's HMAC again (it compares the cookie with the one verified when the decision was made);
 * a read that cannot reuse it verifies the cookie as before.
 */
describe('the cached risk decision spares the device HMAC', () => {
  let t: TestApp;
  let deviceMacs = 0;
  beforeEach(async () => {
    t = await createTestApp();
    const original = crypto.createHmac;
    jest.spyOn(crypto, 'createHmac').mockImplementation(((...args: Parameters<typeof crypto.createHmac>) => {
      const hmac = original(...args);
      const update = hmac.update.bind(hmac);
      hmac.update = ((data: crypto.BinaryLike, ...rest: unknown[]) => {
        if (typeof data === 'string' && data.startsWith('device:')) deviceMacs += 1;
        return (update as (...a: unknown[]) => crypto.Hmac)(data, ...rest);
      }) as typeof hmac.update;
      return hmac;
    }) as typeof crypto.createHmac);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await t.close();
  });

  it('a guarded read with the cached decision computes no device HMAC; one with another device cookie does', async () => {
    const c = await t.client();
    await c.stepUp();
    await c.get('/account').expect(200);
    deviceMacs = 0;
    await c.get('/account').expect(200);
    expect(deviceMacs).toBe(0);
    // The same session with a forged device cookie: verified (and refused) the full way.
    c.agent.jar.setCookie(`sg.device=${'A'.repeat(22)}.${'B'.repeat(22)}; Path=/`, '127.0.0.1', '/');
    await c.get('/account').expect(200);
    expect(deviceMacs).toBeGreaterThan(0);
  });
});
