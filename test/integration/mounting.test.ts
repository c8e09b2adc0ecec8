import express5 from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import request from 'supertest';
import { createStepGuard, StepGuardConfigError, type StepGuard } from '../../src';
import { createMemoryStores } from '../../src/stores';
import type { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import { RecordingSmsProvider } from '../helpers/RecordingSmsProvider';

// Express 4 is installed as the alias `express4`; both majors must mount stepguard the same way.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof express5;
const EXPRESSES: [string, typeof express5][] = [
  ['express 5', express5],
  ['express 4', express4],
];

const USER = { id: 'u1', username: 'alice' };
const PASSWORD = 'alice-password-123';

type Host = { app: express5.Express; guard: StepGuard; sms: RecordingSmsProvider; audit: MemoryAuditStore; hostErrors: string[] };

/** A host app mounted exactly as the README says, with its own parsers, 404 and error handler after stepguard. */
function hostApp(express: typeof express5): Host {
  const sms = new RecordingSmsProvider();
  const stores = createMemoryStores();
  const guard = createStepGuard({ environment: 'test', stores: { custom: stores }, sms: { provider: sms } });
  const passport = new Passport();
  passport.use(new LocalStrategy((username, password, done) => done(null, username === USER.username && password === PASSWORD ? USER : false)));
  passport.serializeUser<string>((user, done) => done(null, (user as typeof USER).id));
  passport.deserializeUser<string>((id, done) => done(null, id === USER.id ? USER : false));
  passport.use(guard.strategies.smsOtp);
  const hostErrors: string[] = [];

  const app = express();
  app.use(guard.webhooks());
  app.use(session({ secret: 'host-session-secret-0123456789-abcdef', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(guard.router());
  app.use(express.urlencoded({ extended: false }));
  app.use(express.json());
  app.post('/login', guard.firstFactor.throttle((req) => req.body.username), passport.authenticate('local'), guard.firstFactor(), (_req, res) => res.redirect(303, '/account'));
  app.get('/account', guard.requireStepUp('login'), (req, res) => res.json({ ok: true, acr: req.stepguard?.acr }));
  app.post('/verify-with-passport', passport.authenticate('sms-otp', { session: false }), (req, res) => res.json({ ok: true, acr: guard.sessionInfo(req)?.acr }));
  app.get('/boom', () => {
    throw new Error('a bug in the host');
  });
  app.use((_req: express5.Request, res: express5.Response) => void res.status(404).send('host 404'));
  app.use(guard.errorHandler());
  app.use((err: Error, _req: express5.Request, res: express5.Response, _next: express5.NextFunction) => {
    hostErrors.push(err.message);
    res.status(500).send('host error page');
  });
  return { app, guard, sms, audit: stores.audit as MemoryAuditStore, hostErrors };
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe.each(EXPRESSES)('mounting on %s', (_name, express) => {
  it('a forgotten call is an error when the app is built, naming the fix', () => {
    const guard = createStepGuard({ environment: 'test' });
    const app = express();
    expect(() => app.use(guard.router as never)).toThrow(StepGuardConfigError);
    expect(() => app.use(guard.router as never)).toThrow(/guard\.router\(/);
    expect(() => app.use(guard.webhooks as never)).toThrow(/guard\.webhooks\(/);
    expect(() => app.get('/a', guard.requireStepUp as never, (_req, res) => res.end())).toThrow(/guard\.requireStepUp\(/);
    expect(() => app.post('/login', guard.firstFactor as never)).toThrow(/guard\.firstFactor\(/);
    expect(() => app.post('/login', guard.firstFactor.throttle as never)).toThrow(/guard\.firstFactor\.throttle\(/);
    expect(() => express.Router().use(guard.errorHandler as never)).toThrow(/guard\.errorHandler\(/);
    // Called the right way, the same factories mount; inspecting them stays harmless.
    expect(() => app.use(guard.router())).not.toThrow();
    expect(guard.router.name).toBe('guard.router');
    // Read while a request runs (Express further down the stack), as an APM agent might: no throw.
    const probe = express();
    probe.get('/name', (_req, res) => res.json({ name: guard.requireStepUp.name }));
    return request(probe).get('/name').expect(200, { name: 'guard.requireStepUp' });
    expect(String(guard.firstFactor.check)).toContain('check');
  });

  it('a password, then a code through stepguard\'s own HTML forms (urlencoded, its own CSRF), lands on the guarded page', async () => {
    const { app, guard, sms } = hostApp(express);
    await guard.service.bindPhoneUnchecked(USER.id, '+14155550123');
    const agent = request.agent(app);
    await agent.post('/login').type('form').send({ username: USER.username, password: PASSWORD }).expect(303).expect('Location', '/account');
    const challenged = await agent.get('/account').set('Accept', 'text/html').expect(303);
    expect(challenged.headers.location).toBe('/auth/2fa?returnTo=%2Faccount');
    const page = await agent.get(challenged.headers.location as string).set('Accept', 'text/html').expect(200);
    await agent.post('/auth/2fa/sms/send').set('Accept', 'text/html').type('form').send({ _csrf: csrfOf(page.text) }).expect(303).expect('Location', '/auth/2fa/sms');
    const codePage = await agent.get('/auth/2fa/sms').set('Accept', 'text/html');
    const csrf = csrfOf(codePage.text);
    const verified = await agent.post('/auth/2fa/sms/verify').set('Accept', 'text/html').type('form').send({ code: sms.lastCode(), _csrf: csrf }).expect(303);
    expect(verified.headers.location).toBe('/account');
    expect((await agent.get('/account').expect(200)).body).toEqual({ ok: true, acr: 'aal2' });
  });

  it('stepguard\'s forms are refused without its CSRF token, before anything is sent', async () => {
    const { app, guard, sms } = hostApp(express);
    await guard.service.bindPhoneUnchecked(USER.id, '+14155550123');
    const agent = request.agent(app);
    await agent.post('/login').type('form').send({ username: USER.username, password: PASSWORD }).expect(303);
    const refused = await agent.post('/auth/2fa/sms/send').type('form').send({ _csrf: 'forged' }).expect(403);
    expect(refused.body.error.code).toBe('csrf_failed');
    expect(sms.messages).toHaveLength(0);
  });

  it('the host\'s 404s and errors stay the host\'s; stepguard answers only under its base path', async () => {
    const { app, hostErrors } = hostApp(express);
    expect((await request(app).get('/nope').expect(404)).text).toBe('host 404');
    expect((await request(app).get('/boom').expect(500)).text).toBe('host error page');
    expect(hostErrors).toEqual(['a bug in the host']);
    expect((await request(app).get('/auth/2fa/nope').expect(404)).body.error.code).toBe('not_found');
    expect((await request(app).get('/auth/2fa/csrf').expect(200)).body.csrfToken).toEqual(expect.any(String));
  });

  it('mounted under a path of its own, or before the session, it says how to mount it on the first request', async () => {
    const guard = createStepGuard({ environment: 'test' });
    const seen: string[] = [];
    const onError = (err: Error, _req: express5.Request, res: express5.Response, _next: express5.NextFunction) => {
      seen.push(err.message);
      res.status(500).end();
    };
    const underPath = express();
    underPath.use(session({ secret: 'host-session-secret-0123456789-abcdef', resave: false, saveUninitialized: false }));
    underPath.use('/auth/2fa', guard.router());
    underPath.use(onError);
    await request(underPath).get('/auth/2fa/csrf').expect(500);
    const beforeSession = express();
    beforeSession.use(guard.router());
    beforeSession.use(onError);
    await request(beforeSession).get('/auth/2fa/csrf').expect(500);
    expect(seen).toEqual([expect.stringMatching(/app\.use\(guard\.router\(\)\) at the top level, not under '\/auth\/2fa'/), expect.stringMatching(/after session\(/)]);
  });

  it('guard.firstFactor.throttle before passport.authenticate stops password guessing, with nothing to report per failure', async () => {
    const { app } = hostApp(express);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await request(app).post('/login').type('form').send({ username: USER.username, password: `wrong-${i}` })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const throttled = await request(app).post('/login').type('form').send({ username: USER.username, password: PASSWORD }).expect(429);
    expect(throttled.headers['retry-after']).toMatch(/^\d+$/);
    expect(throttled.body.error.code).toBe('too_many_login_attempts');
    // Another account from another address is not affected.
    await request(app).post('/login').set('X-Forwarded-For', '198.51.100.7').type('form').send({ username: 'bob', password: 'x' }).expect(401);
  });

  it('a Passport strategy finishes a step-up with the same effects as stepguard\'s route', async () => {
    const { app, guard, sms, audit } = hostApp(express);
    await guard.service.bindPhoneUnchecked(USER.id, '+14155550123');
    const agent = request.agent(app);
    await agent.post('/login').type('form').send({ username: USER.username, password: PASSWORD }).expect(303);
    const challenge = await agent.get('/account').expect(401);
    expect(challenge.body.error.code).toBe('insufficient_user_authentication');
    const { csrfToken } = (await agent.get('/auth/2fa/csrf')).body as { csrfToken: string };
    await agent.post('/auth/2fa/sms/send').set('x-csrf-token', csrfToken).send({}).expect(202);
    const before = await agent.get('/auth/2fa/methods').expect(200);
    expect(before.body.action).toBe('login');
    const verified = await agent.post('/verify-with-passport').send({ code: sms.lastCode() }).expect(200);
    expect(verified.body).toEqual({ ok: true, acr: 'aal2' });
    await agent.get('/account').expect(200);
    const events = audit.unsafeChain(USER.id).map((e) => `${e.type}:${e.factor ?? ''}:${e.action ?? ''}`);
    expect(events).toContain('step_up_satisfied:sms:login');
  });
});
