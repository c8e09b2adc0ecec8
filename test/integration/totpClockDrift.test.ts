import { totpCodeAt } from '../../src/core/totp/totp';
import { createTestApp, wrongCode, type TestApp } from '../helpers/createTestApp';
import { describeForEachStore } from '../helpers/forEachStore';

const STEP_MS = 30_000;
const TWO_MINUTES_STEPS = 4;

/**
 * Issue #14 item 4: a phone whose clock is 2 minutes off still verifies, after a second,
 * consecutive code confirms the offset; the offset is then used at once. Codes outside the
 * window never open a way in on their own, count as failures, and are never accepted twice.
 */
describeForEachStore('TOTP clock drift', (useRedis) => {
  let t: TestApp;
  let c: Awaited<ReturnType<TestApp['client']>>;
  let secret: string;

  beforeEach(async () => {
    t = await createTestApp({ redis: useRedis });
    c = await t.client();
    await c.stepUp();
    const setup = await c.post('/auth/2fa/totp/setup', {}).expect(201);
    secret = setup.body.secret as string;
    await c.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(secret, t.clock.nowMs()) }).expect(201);
    // Well past the enrolment's step, so a slow device's codes are not "older than the last used one".
    t.clock.advanceSeconds(600);
  });
  afterEach(() => t.close());

  /** The code a device `offsetSteps` off shows now. */
  const deviceCode = (offsetSteps: number) => totpCodeAt(secret, t.clock.nowMs() + offsetSteps * STEP_MS);
  const verify = (code: string) => c.post('/auth/2fa/totp/verify', { code });
  const failures = () => t.stores.challenges.failureCount('u1', t.clock.nowMs());

  it.each([
    ['fast', TWO_MINUTES_STEPS],
    ['slow', -TWO_MINUTES_STEPS],
  ])('a device 2 minutes %s verifies after resync, then at once; neither code is accepted again', async (_how, offset) => {
    const first = await deviceCode(offset);
    expect((await verify(first).expect(401)).body.error.code).toBe('resync_needed');
    expect(await failures()).toBe(1);
    t.clock.advanceSeconds(30);
    const second = await deviceCode(offset);
    expect((await verify(second).expect(200)).body).toMatchObject({ verified: true, factor: 'otp' });
    expect(await failures()).toBe(0);
    const [factor] = await t.stores.factors.list('u1', 'totp');
    expect(factor?.data).toMatchObject({ offsetSteps: offset, pendingResync: null });

    for (const replay of [first, second]) expect((await verify(replay).expect(401)).body.error.code).toBe('invalid_code');
    t.clock.advanceSeconds(30);
    await verify(await deviceCode(offset)).expect(200);
    t.clock.advanceSeconds(3600);
    await verify(await deviceCode(offset)).expect(200);
    const chain = t.audit.unsafeChain('u1');
    expect(chain.filter((e) => e.reasons.includes('clock_resynced'))).toHaveLength(1);
    expect(chain.filter((e) => e.reasons.includes('clock_resync_started'))).toHaveLength(1);
  });

  it('attacker: a lone code outside the window is never accepted, not even sent again later', async () => {
    const code = await deviceCode(6);
    for (let i = 0; i < 3; i += 1) {
      expect((await verify(code).expect(401)).body.error.code).toBe('resync_needed');
      t.clock.advanceSeconds(30);
    }
    expect(await failures()).toBe(3);
  });

  it('attacker: the confirming code must be at the same offset as the first', async () => {
    await verify(await deviceCode(5)).expect(401);
    t.clock.advanceSeconds(30);
    expect((await verify(await deviceCode(-5)).expect(401)).body.error.code).toBe('resync_needed');
    t.clock.advanceSeconds(30);
    expect((await verify(await deviceCode(8)).expect(401)).body.error.code).toBe('resync_needed');
  });

  it('attacker: the two codes must be consecutive — a wrong guess between them starts over', async () => {
    await verify(await deviceCode(4)).expect(401);
    expect((await verify(wrongCode(await deviceCode(0))).expect(401)).body.error.code).toBe('invalid_code');
    t.clock.advanceSeconds(30);
    expect((await verify(await deviceCode(4)).expect(401)).body.error.code).toBe('resync_needed');
  });

  it('attacker: the first code expires after totp.resyncSeconds (300 s)', async () => {
    await verify(await deviceCode(4)).expect(401);
    t.clock.advanceSeconds(301);
    expect((await verify(await deviceCode(4)).expect(401)).body.error.code).toBe('resync_needed');
  });

  it('attacker: codes on the resync path count toward the lockout like any wrong code', async () => {
    for (let i = 0; i < 9; i += 1) await verify(wrongCode(await deviceCode(0))).expect(401);
    const locked = await verify(await deviceCode(4)).expect(423);
    expect(locked.body.error.code).toBe('locked');
    t.clock.advanceSeconds(30);
    // Locked: even the right confirming code gets nowhere, and nothing was remembered for later.
    expect((await verify(await deviceCode(4)).expect(423)).body.error.code).toBe('locked');
    const [factor] = await t.stores.factors.list('u1', 'totp');
    expect(factor?.data.pendingResync ?? null).toBeNull();
  });

  it('a device further off than 10 steps is not learned at all', async () => {
    expect((await verify(await deviceCode(11)).expect(401)).body.error.code).toBe('invalid_code');
    expect((await verify(await deviceCode(-11)).expect(401)).body.error.code).toBe('invalid_code');
  });

  it('of 20 concurrent confirming codes exactly one is accepted', async () => {
    await verify(await deviceCode(-4)).expect(401);
    t.clock.advanceSeconds(30);
    const code = await deviceCode(-4);
    const results = await Promise.all(Array.from({ length: 20 }, () => verify(code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    // The losers are replays, or were counted into the lockout before the winner cleared it.
    for (const r of results.filter((x) => x.status !== 200)) expect(['invalid_code', 'locked']).toContain(r.body.error.code);
  });

  it('the code page asks for the next code, announced, next to the authenticator field', async () => {
    const page = await c.agent
      .post('/auth/2fa/totp/verify')
      .type('form')
      .set('accept', 'text/html')
      .send({ code: await deviceCode(4), _csrf: c.csrfToken })
      .expect(401);
    expect(page.text).toMatch(/<p class="sg-error" role="alert" id="sg-choose-error">The clock of your authenticator app seems to be off\. Wait until the app shows the next code, then enter that one too\.<\/p>/);
    expect(page.text).toMatch(/<input id="sg-totp"[^>]*aria-invalid="true" aria-describedby="sg-choose-error"/);
  });
});

/** A phone whose clock is off can enrol too: its first code asks for the next, like a step-up. */
describe('TOTP clock drift at enrolment', () => {
  let t: TestApp;
  let c: Awaited<ReturnType<TestApp['client']>>;
  beforeEach(async () => {
    t = await createTestApp();
    c = await t.client();
    await c.stepUp();
  });
  afterEach(() => t.close());

  it('a device 2 minutes slow enrols after a second code at the same offset, and the offset is kept', async () => {
    const secret = (await c.post('/auth/2fa/totp/setup', {}).expect(201)).body.secret as string;
    const code = (offset: number) => totpCodeAt(secret, t.clock.nowMs() + offset * STEP_MS);
    const first = await code(-TWO_MINUTES_STEPS);
    expect((await c.post('/auth/2fa/totp/confirm', { code: first }).expect(401)).body.error.code).toBe('resync_needed');
    expect(await t.stores.factors.list('u1', 'totp')).toHaveLength(0);
    // The same code again is not the next one.
    expect((await c.post('/auth/2fa/totp/confirm', { code: first }).expect(401)).body.error.code).toBe('resync_needed');
    t.clock.advanceSeconds(30);
    await c.post('/auth/2fa/totp/confirm', { code: await code(-TWO_MINUTES_STEPS) }).expect(201);
    const [factor] = await t.stores.factors.list('u1', 'totp');
    expect(factor?.data).toMatchObject({ offsetSteps: -TWO_MINUTES_STEPS });
    t.clock.advanceSeconds(60);
    await c.post('/auth/2fa/totp/verify', { code: await code(-TWO_MINUTES_STEPS) }).expect(200);
  });

  it('a wrong code between the two starts over, and the page keeps the QR code and asks for the next code', async () => {
    const setup = await c.agent.post('/auth/2fa/totp/setup').type('form').set('accept', 'text/html').send({ _csrf: c.csrfToken }).expect(201);
    const secret = /<code id="sg-totp-secret">([A-Z2-7]+)<\/code>/.exec(setup.text)?.[1] as string;
    const form = (code: string) => c.agent.post('/auth/2fa/totp/confirm').type('form').set('accept', 'text/html').send({ code, _csrf: c.csrfToken });
    const page = await form(await totpCodeAt(secret, t.clock.nowMs() + 4 * STEP_MS)).expect(401);
    expect(page.text).toContain('id="sg-totp-secret"');
    expect(page.text).toMatch(/<p class="sg-error" role="alert" id="sg-totp-error">The clock of your authenticator app seems to be off\./);
    await form(wrongCode(await totpCodeAt(secret, t.clock.nowMs()))).expect(401);
    t.clock.advanceSeconds(30);
    const again = await form(await totpCodeAt(secret, t.clock.nowMs() + 4 * STEP_MS)).expect(401);
    expect(again.text).toContain('seems to be off');
    t.clock.advanceSeconds(30);
    await form(await totpCodeAt(secret, t.clock.nowMs() + 4 * STEP_MS)).expect(303);
  });
});
