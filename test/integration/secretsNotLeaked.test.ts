import { createHmac } from 'node:crypto';
import { createTestApp, wrongCode, type TestApp } from '../helpers/createTestApp';
import { describeWithRedis } from '../helpers/withRedis';

const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';

describe('what the logs contain', () => {
  it('never holds a code, the full phone number or the session id', async () => {
    const t = await createTestApp();
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const first = t.sms.lastCode();
    await c.verify(wrongCode(first)).expect(401);
    const sid = c.cookie('sg.sid');
    await c.verify(first).expect(200);
    await c.post('/transfer', { amount: 1, payee: 'Bob' }).expect(401);
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
    await c.post('/transfer', { amount: 1, payee: 'Bob' }).expect(200);

    const logs = t.logs();
    expect(logs).toContain('otp_verified'); // the logs were captured at all
    for (const message of t.sms.messages) expect(logs).not.toContain(/#(\d+)/.exec(message.body)?.[1]);
    expect(logs).not.toContain(wrongCode(first));
    expect(logs).not.toContain('+14155550123');
    expect(logs).not.toContain('4155550123');
    expect(sid).toBeDefined();
    expect(logs).not.toContain(String(sid));
    expect(logs).not.toContain(decodeURIComponent(String(sid)).slice(2, 34));
  });
});

describeWithRedis('what Redis holds', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('stores only the HMAC of the code, bound to the challenge id', async () => {
    t = await createTestApp({ redis: true });
    const c = await t.client();
    await c.login().expect(200);
    const sent = await c.send().expect(202);
    const code = t.sms.lastCode();
    const redis = t.redis!;
    const keys = await redis.keys(`${t.keyPrefix}:*`);
    let dump = '';
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'hash') dump += JSON.stringify(await redis.hgetall(key));
      else if (type === 'string') dump += await redis.get(key);
      else if (type === 'zset') dump += JSON.stringify(await redis.zrange(key, 0, -1));
    }
    expect(dump).not.toContain(`"${code}"`);
    expect(dump).not.toMatch(new RegExp(`[^0-9a-f]${code}[^0-9a-f]`));
    // Budget and counter keys are named by keyed hashes, never by the number itself.
    expect(keys.some((k) => /\{rlg?:/.test(k))).toBe(true);
    expect(keys.join('\n')).not.toContain('4155550123');
    const challengeKey = keys.find((k) => /:ch:[^:]+$/.test(k));
    expect(challengeKey).toBeDefined();
    expect(challengeKey).toMatch(new RegExp(`^${t.keyPrefix}:\\{u:u1\\}:ch:`));
    const stored = await redis.hget(challengeKey!, 'codeHash');
    expect(stored).toBe(createHmac('sha256', PEPPER).update(`${sent.body.challengeId}:${code}`).digest('hex'));
  });
});
