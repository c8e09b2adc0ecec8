import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import request from 'supertest';
import type { Redis } from 'ioredis';
import { createStepGuard } from '../../src';
import { combineStores } from '../../src/stores/combineStores';
import { createRedisStores } from '../../src/stores/redis/createRedisStores';
import { createMemoryDurableStores } from '../../src/stores/memory/createMemoryStores';
import { ioredisSessionClient } from '../../src/stores/redis/ioredisSessionClient';
import { connectTestRedis } from '../helpers/withRedis';

/**
 * Red team, issue 12 (ab69b0d, the revocation check sent with the session load). The old check
 * read the revocation store where guard.router() runs; the prefetched one reads it when the
 * session store loads the session, and the check takes that answer however long ago it was
 * started. A host that loads the session before its body parser and mounts guard.router()
 * after it (session(), express.json(), passport, guard.router()) thereby moves the revocation
 * read from after the body to before it: a request whose headers came before a "sign out
 * everywhere" and whose body came after it runs signed in, where without onLoad it runs signed
 * out (src/http/sessionLiveness.ts, take(): no bound on the prefetch's age).
 */
jest.setTimeout(30_000);

const USER = { id: 'u1', username: 'alice' };
const PASSWORD = 'alice-password-123';

function hostApp(redis: Redis, keyPrefix: string, withOnLoad: boolean) {
  const guard = createStepGuard({ environment: 'test', stores: { custom: combineStores(createRedisStores(redis, keyPrefix), createMemoryDurableStores()) } });
  const passport = new Passport();
  passport.use(new LocalStrategy((u, p, done) => done(null, u === USER.username && p === PASSWORD ? USER : false)));
  passport.serializeUser<string>((user, done) => done(null, (user as typeof USER).id));
  passport.deserializeUser<string>((id, done) => done(null, id === USER.id ? USER : false));
  const prefix = `${keyPrefix}:sess:`;
  const app = express();
  app.use(
    session({
      secret: 'host-session-secret-0123456789-abcdef',
      resave: false,
      saveUninitialized: false,
      store: new RedisStore({ client: ioredisSessionClient(redis, withOnLoad ? { keyPrefix: prefix, onLoad: guard.sessionLoading } : {}), prefix, disableTouch: true }),
    }),
  );
  app.use(express.json());
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(guard.router());
  app.post('/login', passport.authenticate('local'), guard.firstFactor(), (_req, res) => res.json({ ok: true }));
  app.post('/act', (req, res) => res.json({ actedAs: (req.user as typeof USER | undefined)?.id ?? null, body: req.body as unknown }));
  app.post('/sign-out-everywhere', (req, res, next) => guard.signOut(req, { everywhere: true }).then(() => res.json({ ok: true }), next));
  return { app, guard };
}

function heldPost(port: number, path: string, cookie: string, body: string) {
  let send: () => void = () => undefined;
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { cookie, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.flushHeaders();
    send = () => void req.end(body);
  });
  return { done, release: () => send() };
}

describe.each([false, true])('red team issue 12: a request held across "sign out everywhere" (onLoad prefetch: %s)', (withOnLoad) => {
  let redis: Redis;
  let server: http.Server;
  afterEach(async () => {
    server?.close();
    await redis?.quit();
  });

  it('runs signed out when its body arrives after the revoke', async () => {
    const connected = await connectTestRedis();
    redis = connected.redis;
    const { app, guard } = hostApp(redis, connected.keyPrefix, withOnLoad);
    server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;

    const owner = request.agent(server);
    await owner.post('/login').send({ username: USER.username, password: PASSWORD }).expect(200);
    const thief = request.agent(server);
    await thief.post('/login').send({ username: USER.username, password: PASSWORD }).expect(200);
    // The thief's session id is known to this node now (the cached-id path is warm).
    expect((await thief.post('/act').send({}).expect(200)).body.actedAs).toBe(USER.id);
    const cookie = thief.jar.getCookie('connect.sid', { domain: '127.0.0.1', path: '/', secure: false, script: false });

    // Held until the session was loaded (with onLoad, its revocation read started then).
    const loaded = new Promise<void>((resolve) => {
      const original = guard.service.sessionStanding;
      guard.service.sessionStanding = async (...args) => {
        guard.service.sessionStanding = original;
        const live = await original.apply(guard.service, args);
        setImmediate(resolve);
        return live;
      };
      if (!withOnLoad) setTimeout(resolve, 150); // no read before the body: only the headers to wait for
    });
    const held = heldPost(port, '/act', `connect.sid=${cookie?.value}`, JSON.stringify({ act: 'after-revoke' }));
    await loaded;
    await owner.post('/sign-out-everywhere').expect(200);
    held.release();
    const answer = await held.done;
    expect(JSON.parse(answer.body)).toEqual({ actedAs: null, body: { act: 'after-revoke' } });
  });
});
