import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { createConnection, type Connection } from 'mongoose';
import { createRedisClient, ensureMongoIndexes, StepGuardConfigError, trustProxyWarning } from '../index';
import { csvGeoLookup, maxmindGeoLookup } from '../policy';
import { ipListFrom } from '../risk/ipList';
import { smsProvidersFromEnv } from './smsProvidersFromEnv';
import { createDemoApp, DEMO_ACCOUNT } from './createDemoApp';

/**
 * `npm start`: the demo login server on embedded defaults (DESIGN.md §9). Every setting comes
 * from the environment; in development missing secrets are generated with a warning.
 */
async function main(): Promise<void> {
  const env = process.env;
  const production = env.NODE_ENV === 'production';
  const port = Number(env.PORT ?? 3000);
  const logger = pino({
    level: env.LOG_LEVEL ?? 'info',
    base: undefined,
    redact: { paths: ['code', 'phone', 'to_full', 'sessionId', 'req.headers.cookie'], censor: '[redacted]' },
  });
  // Said first, before anything else can stop the start: TRUST_PROXY=true hands req.ip (deny
  // list, Tor, geo, per-address budgets) to whatever the client writes in X-Forwarded-For.
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  const trustWarning = trustProxyWarning(trustProxy, production ? 'production' : 'development', 'TRUST_PROXY');
  if (trustWarning) logger.warn({ event: 'trust_proxy_every_hop' }, trustWarning);

  const smsProviders = smsProvidersFromEnv(env);
  let mongo: Connection | undefined;
  if (env.MONGODB_URI) {
    mongo = await createConnection(env.MONGODB_URI, { serverSelectionTimeoutMS: 5000 }).asPromise();
    await ensureMongoIndexes(mongo);
    logger.info({ event: 'mongodb_connected' }, 'Phone bindings, factors and the audit trail live in MongoDB');
  } else {
    logger.warn({ event: 'memory_durable_stores' }, 'No MONGODB_URI: phone bindings and the audit trail live in memory (development only)');
  }
  const redis = env.REDIS_URL ? await createRedisClient(env.REDIS_URL) : undefined;
  if (!redis) logger.warn({ event: 'memory_stores' }, 'No REDIS_URL: sessions and challenges live in memory (development only)');

  const sessionSecret = env.SESSION_SECRET ?? (production ? undefined : randomBytes(32).toString('base64url'));
  if (!env.SESSION_SECRET && !production) logger.warn({ event: 'generated_session_secret' }, 'SESSION_SECRET not set: generated one; sessions end on restart');

  const risk = {
    ...(env.GEOIP_MMDB ? { geo: await maxmindGeoLookup(env.GEOIP_MMDB) } : env.GEOIP_CIDR_FILE ? { geo: csvGeoLookup(env.GEOIP_CIDR_FILE) } : {}),
    ...(env.IP_DENY_FILE ? { ipDenyList: readIpListFile('IP_DENY_FILE', env.IP_DENY_FILE) } : {}),
    ...(env.TOR_EXIT_FILE ? { torExitList: readIpListFile('TOR_EXIT_FILE', env.TOR_EXIT_FILE) } : {}),
  };
  const { app, guard } = await createDemoApp({
    redis,
    mongo,
    guardOptions: {
      risk,
      ...(env.SMS_ALLOWED_COUNTRIES ? { phone: { allowedCountries: env.SMS_ALLOWED_COUNTRIES.split(',').map((c) => c.trim().toUpperCase()) } } : {}),
      ...(env.SMS_PUMPING_MODE ? { sms: { pumping: { mode: pumpingMode(env.SMS_PUMPING_MODE) } } } : {}),
      ...(env.STEPGUARD_ALLOWED_RETURN_ORIGINS ? { allowedReturnOrigins: env.STEPGUARD_ALLOWED_RETURN_ORIGINS.split(',') } : {}),
    },
    auditFile: env.STEPGUARD_AUDIT_FILE || undefined,
    ...(env.REDIS_KEY_PREFIX ? { redisKeyPrefix: env.REDIS_KEY_PREFIX } : {}),
    benchUsers: env.DEMO_BENCH_USERS ? Number(env.DEMO_BENCH_USERS) : undefined,
    sessionSecret,
    pepper: env.STEPGUARD_PEPPER,
    encryptionKey: env.STEPGUARD_ENCRYPTION_KEY,
    smsProviders,
    metricsToken: env.METRICS_TOKEN || undefined,
    metricsPublic: flag(env.METRICS_PUBLIC),
    allowMemoryDurableStores: flag(env.STEPGUARD_ALLOW_MEMORY_STORES),
    oidc: { ...(env.OIDC_JWKS_FILE ? { jwksFile: env.OIDC_JWKS_FILE } : {}) },
    logger,
    appOrigin: env.APP_ORIGIN ?? `http://localhost:${port}`,
    trustProxy,
    environment: production ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development',
    // !!! DEMO ONLY, NEVER IN A REAL APP !!! The console makes a passkey bound with the password
    // alone wait 72 h (adminRouter firstFactorWaitSeconds) before it counts; the demo's operator
    // olivia has nothing else, so outside production the demo turns the wait off to let you try
    // the console now. Production keeps the library default.
    ...(production ? {} : { adminFirstFactorWaitSeconds: 0 }),
  });
  // With a shared Redis, `stepguard factors ...` and `audit ...` (REDIS_URL) reach this node: it runs them through its service.
  const adminChannel = redis ? guard.listenForAdminCommands() : undefined;
  const server = app.listen(port, () => {
    const hint = production ? 'no demo accounts in production' : `sign in as ${DEMO_ACCOUNT.username} / ${DEMO_ACCOUNT.password}; SMS codes print here`;
    logger.info({ event: 'listening', port }, `stepguard demo on http://localhost:${port} — ${hint}`);
  });
  const stop = () => {
    server.close(async () => {
      await adminChannel?.close().catch(() => undefined);
      // Buffered stats and queued audit records out before the Redis connection goes.
      await guard.close(2000).catch(() => undefined);
      void redis?.quit().catch(() => undefined);
      void mongo?.close().catch(() => undefined);
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function pumpingMode(value: string): 'enforce' | 'observe' {
  if (value === 'enforce' || value === 'observe') return value;
  throw new StepGuardConfigError(`SMS_PUMPING_MODE: "${value}" is not a mode; use enforce or observe.`);
}

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n');
}

/** The file's lines, each checked here so that a bad one is named by variable, file and line (the option's own check names only the option). */
function readIpListFile(variable: string, path: string): string[] {
  const lines = readLines(path);
  lines.forEach((line, i) => {
    try {
      ipListFrom([line]);
    } catch (err) {
      throw new StepGuardConfigError(`${variable}: ${path}:${i + 1}: ${(err as Error).message.replace(/^IP list: /, '')}`);
    }
  });
  return lines;
}

function parseTrustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}

// The demo sets these options from the environment: a refusal names both.
const ENV_OF_OPTION: [RegExp, string][] = [
  [/^secrets\.pepper\b/, 'STEPGUARD_PEPPER'],
  [/^secrets\.sessionSecret\b/, 'SESSION_SECRET'],
  [/^secrets\.encryptionKeys\b/, 'STEPGUARD_ENCRYPTION_KEY'],
  [/^stores\b/, 'MONGODB_URI (and REDIS_URL), or STEPGUARD_ALLOW_MEMORY_STORES=true for a throw-away demo'],
  [/^sms\.provider/, 'SMS_PROVIDER'],
  [/^metricsHandler\b/, 'METRICS_TOKEN, or METRICS_PUBLIC=true'],
];

function withEnvNames(message: string): string {
  const env = ENV_OF_OPTION.find(([option]) => option.test(message))?.[1];
  return env ? `${message}\n(The demo sets this from the environment: ${env}.)` : message;
}

function flag(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? withEnvNames(err.message) : String(err);
  process.stderr.write(`stepguard demo could not start:\n${message}\n`);
  process.exit(1);
});
