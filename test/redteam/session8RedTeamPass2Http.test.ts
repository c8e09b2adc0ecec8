import { createTestApp, type TestApp } from '../helpers/createTestApp';

/**
 * Red team, session 8, second pass: the port-dropping reading of req.ip (f52e4b0, b4e4a93) over
 * HTTP, with `trust proxy` off (req.ip is the socket's; X-Forwarded-For is the attacker's text
 * and must change nothing) and on (the proxy's entry is req.ip).
 */
const from = (ip: string) => ({ 'x-forwarded-for': ip });
const risk = { ipDenyList: ['66.66.0.0/16', '2001:db8:dead::/48'] };

describe('red team session 8, pass 2: trust proxy off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ trustProxy: false, guardOptions: { risk: { ipDenyList: ['66.66.0.0/16', '127.0.0.0/8', '::1'] } } });
  });
  afterAll(async () => {
    await t.close();
  });

  // HELD: with trust proxy off a forged X-Forwarded-For (any spelling, ports included) neither
  // moves the loopback client out of the list nor into another client's place.
  it.each(['203.0.113.9', '203.0.113.9:51234', '[2001:db8::1]:443', '::ffff:203.0.113.9'])('X-Forwarded-For %j does not take a listed (loopback) client out of the deny list', async (ip) => {
    const c = await t.client();
    await c.login().set(from(ip)).expect(200);
    const res = await c.get('/account').set(from(ip));
    expect([ip, res.status, res.body.error?.code]).toEqual([ip, 403, 'access_denied']);
  });
});

describe('red team session 8, pass 2: trust proxy on', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ trustProxy: true, guardOptions: { risk } });
  });
  afterAll(async () => {
    await t.close();
  });

  // HELD: every proxy-written port spelling of a denied client is denied and sends nothing.
  it.each(['66.66.1.2:1', '66.66.1.2:65535', '[::ffff:66.66.1.2]:443', '[::FFFF:4242:102]:8080', '[2001:db8:dead::7]:443', '[2001:DB8:DEAD::7%eth0]:1'])(
    'a denied client spelled %j gets a 403 on the send route and no SMS goes out',
    async (ip) => {
      const c = await t.client();
      await c.login().set(from('10.9.9.8')).expect(200);
      const before = t.sms.calls;
      const res = await c.send().set(from(ip));
      expect([ip, res.status]).toEqual([ip, 403]);
      expect(t.sms.calls).toBe(before);
    },
  );

  // HELD: a port that merely looks like more octets does not make a clean client a denied one.
  it('203.0.113.9:6666 is not read as 66.66.x.x, and gets no 5xx', async () => {
    const c = await t.client();
    await c.login().set(from('10.9.9.7')).expect(200);
    const res = await c.get('/account').set(from('203.0.113.9:6666'));
    expect(res.status).not.toBe(403);
    expect(res.status).toBeLessThan(500);
  });
});
