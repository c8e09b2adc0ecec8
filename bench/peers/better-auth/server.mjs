// The peer of `npm run bench` scenario (f): better-auth's email + password sign-in and its
// two-factor plugin's OTP flow, on Postgres (pg) with Redis as secondary storage (sessions,
// verification values, rate limits), behind Express as its docs show. The bench signs every
// user in (untimed), then times: POST /api/auth/two-factor/send-otp -> the code from the
// outbox file -> POST /api/auth/two-factor/verify-otp -> GET /account, which needs the session
// that only a verified second factor creates.
//
// Env: PORT, DATABASE_URL, REDIS_URL, OUTBOX_FILE, BENCH_USERS (bench-1..bench-N@example.com,
// password bench-password-123, two-factor enabled).
import { appendFileSync } from 'node:fs';
import express from 'express';
import { betterAuth } from 'better-auth';
import { hashPassword } from 'better-auth/crypto';
import { getMigrations } from 'better-auth/db/migration';
import { fromNodeHeaders, toNodeHandler } from 'better-auth/node';
import { twoFactor } from 'better-auth/plugins/two-factor';
import { Redis } from 'ioredis';
import pg from 'pg';

const env = process.env;
const port = Number(env.PORT);
const baseURL = `http://127.0.0.1:${port}`;
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 10 });
// The same client options as stepguard's demo (auto-pipelining), so neither side wins by them.
const redis = new Redis(env.REDIS_URL, { enableAutoPipelining: true });
// INCR that sets the TTL only when it creates the counter (better-auth's contract for increment).
redis.defineCommand('incrWithTtl', { numberOfKeys: 1, lua: "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n" });

const auth = betterAuth({
  baseURL,
  secret: 'bench-only-secret-0123456789abcdef0123456789abcdef',
  database: pool,
  secondaryStorage: {
    get: (key) => redis.get(key),
    getAndDelete: (key) => redis.getdel(key),
    increment: (key, ttl) => redis.incrWithTtl(key, ttl),
    set: async (key, value, ttl) => {
      if (ttl) await redis.set(key, value, 'EX', ttl);
      else await redis.set(key, value);
    },
    delete: async (key) => {
      await redis.del(key);
    },
  },
  emailAndPassword: { enabled: true },
  // Rate limiting stays on (its production default, kept in Redis), with limits no single bench
  // client reaches: the work is measured, not refusals.
  rateLimit: {
    enabled: true,
    storage: 'secondary-storage',
    window: 60,
    max: 1_000_000,
    customRules: {
      '/sign-in/*': { window: 60, max: 1_000_000 },
      '/two-factor/*': { window: 60, max: 1_000_000 },
    },
  },
  plugins: [
    twoFactor({
      otpOptions: {
        // Written the way stepguard's outbox provider writes (synchronously), so neither
        // side's delivery costs more than the other's.
        async sendOTP({ user, otp }) {
          appendFileSync(env.OUTBOX_FILE, `${JSON.stringify({ to: user.email, body: `Your code: #${otp}`, at: new Date().toISOString() })}\n`, 'utf8');
        },
      },
    }),
  ],
});

async function migrateAndSeed() {
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  const users = Number(env.BENCH_USERS ?? 0);
  if (!users) return;
  // One scrypt hash for every bench account: sign-in is not what is timed.
  const hash = await hashPassword('bench-password-123');
  const now = new Date();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (let i = 1; i <= users; i += 1) {
      const id = `bench-user-${i}`;
      await client.query(
        'INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt", "twoFactorEnabled") VALUES ($1, $2, $3, true, $4, $4, true)',
        [id, `Bench ${i}`, `bench-${i}@example.com`, now],
      );
      await client.query(
        'INSERT INTO account (id, "accountId", "providerId", "userId", password, "createdAt", "updatedAt") VALUES ($1, $2, \'credential\', $2, $3, $4, $4)',
        [`bench-account-${i}`, id, hash, now],
      );
      // The row enabling two-factor creates (TOTP secret and backup codes unused here; the OTP
      // flow reads it for the account lockout).
      await client.query('INSERT INTO "twoFactor" (id, secret, "backupCodes", "userId") VALUES ($1, $2, $3, $4)', [`bench-2fa-${i}`, 'unused', 'unused', id]);
    }
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

await migrateAndSeed();

const app = express();
app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
// better-auth reads its own bodies: mounted before any body parser, as its Express guide says.
app.all('/api/auth/*splat', toNodeHandler(auth));
app.use(express.json());
app.get('/account', async (req, res) => {
  const session = await auth.api.getSession({ headers: fromNodeHeaders(req.headers) });
  if (!session) return res.status(401).json({ error: 'unauthenticated' });
  res.json({ user: { id: session.user.id, email: session.user.email } });
});
app.listen(port, '127.0.0.1');
