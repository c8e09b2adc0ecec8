/**
 * The bench's floor (issue #12 item 4): a typical Express + Passport app without stepguard.
 * helmet, express-session on connect-redis (ioredis), passport.session(), JSON and urlencoded
 * parsers, and `GET /me`, which needs `req.user`. The bench compares the demo's guarded
 * `GET /account` and forward-auth with `GET /me` on the same Redis. `POST /login` signs in
 * `{ username }` (any bench name; untimed, so no password hashing here).
 *
 * `revocationRead` (FLOOR_REVOCATION_READ=1) adds the least any server-side revocation check
 * costs, and nothing else: with each session load, one MGET of three keys (the user's session generation, this
 * session's revoked flag, its epoch floor), sent in the same round trip, answered before the
 * route runs, and a session it names revoked is refused. It is what stepguard's guard does on
 * every request (DESIGN.md §5: a logged-out or revoked session is refused on its next request),
 * without the policy: the bench reports it as a reference row, so the guard's ratio can be read
 * against what that one read alone costs.
 *
 * `stepguardSession` (FLOOR_STEPGUARD_SESSION=1) signs in with the session contents a stepped-up
 * demo session carries (stepguard's state and its CSRF secret, the same shape and lengths: about 490 bytes of JSON
 * against 200), and changes nothing else: express-session parses it on load and hashes it four
 * times a request (when loaded, for the cookie, for the save and for the touch), so its size is a
 * cost per request of its own (another reference row).
 */
import { RedisStore } from 'connect-redis';
import express, { type Express } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import { Passport } from 'passport';

type User = { id: string; username: string };

// Copied from a stepped-up demo session (ids and MACs are example values of the right lengths).
export const STEPGUARD_SESSION_CONTENTS = {
  stepguard: {
    userId: 'u1',
    bindingId: '0NiQxj9mGB4fsPXIp5Yx6w',
    factors: { pwd: 1795529809423, sms: 1795529809443 },
    generation: 0,
    epoch: 1,
    refs: { sms: '3SgvTlknDdSW0FSoKaR-a3G2iZDVxFqL' },
    risk: '1|127.0.0.1|TVaU1smWQUFFDrOfi-rAog.cdE4FvyzZJM_h0BAPZQpiv|login,tp0fo1,lB,s',
  },
  stepguardCsrf: '55_Zenk2xPkCwnrbZYVwKiHnVKcfHOponJs2RI9_L4I',
};

/** The key the revocation variant reads for a session's revoked flag (tests set it). */
export const floorRevokedKey = (keyPrefix: string, sessionId: string) => `${keyPrefix}{u}:revoked:${sessionId}`;

export function createFloorApp(options: { redis: Redis; keyPrefix?: string; revocationRead?: boolean; stepguardSession?: boolean }): Express {
  const { redis, revocationRead = false, stepguardSession = false } = options;
  const keyPrefix = options.keyPrefix ?? 'floor:';
  const sessionPrefix = `${keyPrefix}sess:`;
  // The revocation read started with each session load, for the request that loads it (the
  // newest load of a session wins, as stepguard's shared read does for parallel requests).
  const revocationReads = new Map<string, Promise<(string | null)[]>>();
  const readRevocation = (sessionId: string) => redis.mget(`${keyPrefix}{u}:generation`, floorRevokedKey(keyPrefix, sessionId), `${keyPrefix}{u}:epoch:${sessionId}`);
  // connect-redis speaks node-redis; the same few calls on ioredis.
  const client = {
    get: (key: string) => {
      const loading = redis.get(key);
      if (revocationRead) {
        const sessionId = key.slice(sessionPrefix.length);
        if (revocationReads.size >= 10_000) revocationReads.clear();
        revocationReads.set(sessionId, readRevocation(sessionId));
      }
      return loading;
    },
    set: (key: string, value: string, setOptions?: { expiration?: { type: 'EX'; value: number } }) =>
      setOptions?.expiration ? redis.set(key, value, 'EX', setOptions.expiration.value) : redis.set(key, value),
    expire: (key: string, seconds: number) => redis.expire(key, seconds),
    del: (keys: string[] | string) => redis.del(...(Array.isArray(keys) ? keys : [keys])),
    mGet: (keys: string[]) => redis.mget(...keys),
  };

  const users = new Map<string, User>();
  const passport = new Passport();
  passport.serializeUser((user, done) => done(null, (user as User).id));
  passport.deserializeUser((id: string, done) => done(null, users.get(id) ?? false));

  const app = express();
  app.use(helmet());
  app.use(
    session({
      name: 'floor.sid',
      secret: 'bench-floor-secret-0123456789abcdef',
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', maxAge: 12 * 3600 * 1000 },
      store: new RedisStore({ client, prefix: sessionPrefix }),
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  if (revocationRead) {
    app.use((req, res, next) => {
      if (!req.user) return next();
      const read = revocationReads.get(req.sessionID) ?? readRevocation(req.sessionID);
      read.then(([, revoked]) => (revoked === null ? next() : void res.status(401).json({ error: 'session_revoked' })), next);
    });
  }
  app.use(express.json({ limit: '16kb' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.post('/login', (req, res, next) => {
    const username = String((req.body as { username?: unknown }).username ?? '');
    const user = { id: `u-${username}`, username };
    users.set(user.id, user);
    req.login(user, (err) => {
      if (err) return next(err);
      if (stepguardSession) Object.assign(req.session, STEPGUARD_SESSION_CONTENTS);
      res.json({ ok: true });
    });
  });
  app.get('/me', (req, res) => {
    if (!req.user) return void res.status(401).json({ error: 'unauthenticated' });
    res.json({ user: req.user });
  });
  return app;
}
