/**
 * The bench's floor (issue #12 item 4): a typical Express + Passport app without stepguard.
 * helmet, express-session on connect-redis (ioredis), passport.session(), JSON and urlencoded
 * parsers, and `GET /me`, which needs `req.user`. The bench compares the demo's guarded
 * `GET /account` and forward-auth with `GET /me` on the same Redis.
 *
 * Env: PORT, REDIS_URL. `POST /login` signs in `{ username }` (any bench name; untimed, so no
 * password hashing here).
 */
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { Redis } from 'ioredis';
import passport from 'passport';

type User = { id: string; username: string };

// The same client options as the demo's (stepguard's createRedisClient: auto-pipelining among
// them), so the comparison measures what stepguard adds, not how the Redis client is set up.
const redis = new Redis(process.env.REDIS_URL as string, { enableAutoPipelining: true });
// connect-redis speaks node-redis; the same few calls on ioredis.
const client = {
  get: (key: string) => redis.get(key),
  set: (key: string, value: string, options?: { expiration?: { type: 'EX'; value: number } }) =>
    options?.expiration ? redis.set(key, value, 'EX', options.expiration.value) : redis.set(key, value),
  expire: (key: string, seconds: number) => redis.expire(key, seconds),
  del: (keys: string[] | string) => redis.del(...(Array.isArray(keys) ? keys : [keys])),
  mGet: (keys: string[]) => redis.mget(...keys),
};

const users = new Map<string, User>();
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
    store: new RedisStore({ client, prefix: 'floor:sess:' }),
  }),
);
app.use(passport.initialize());
app.use(passport.session());
app.use(express.json({ limit: '16kb' }));
app.use(express.urlencoded({ extended: false, limit: '16kb' }));

app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
app.post('/login', (req, res, next) => {
  const username = String((req.body as { username?: unknown }).username ?? '');
  const user = { id: `u-${username}`, username };
  users.set(user.id, user);
  req.login(user, (err) => (err ? next(err) : res.json({ ok: true })));
});
app.get('/me', (req, res) => {
  if (!req.user) return void res.status(401).json({ error: 'unauthenticated' });
  res.json({ user: req.user });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
// A clean exit on SIGTERM, so `--cpu-prof` writes its profile.
process.on('SIGTERM', () => {
  server.close();
  redis.disconnect();
  process.exit(0);
});
