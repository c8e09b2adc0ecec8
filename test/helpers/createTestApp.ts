import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import type { Cluster, Redis } from 'ioredis';
import { createDemoApp, DEMO_ACCOUNT, type DemoAppOptions } from '../../src/demo/createDemoApp';
import { createMemoryDurableStores, createMemoryStores } from '../../src/stores/memory/createMemoryStores';
import type { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import { createRedisStores } from '../../src/stores/redis/createRedisStores';
import type { StepGuardStores } from '../../src/stores/types';
import { combineStores } from '../../src/stores/combineStores';
import type { SmsProvider } from '../../src/sms/types';
import { fakeClock, type FakeClock } from './fakeClock';
import { RecordingSmsProvider } from './RecordingSmsProvider';
import { connectTestRedis } from './withRedis';

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/**
 * The demo server as tests drive it: injected fake clock, recording SMS provider, logs captured
 * as text, and (with `redis: true`) real Redis under a key prefix of its own.
 */
export async function createTestApp(
  options: {
    redis?: boolean | Redis | Cluster;
    keyPrefix?: string;
    guardOptions?: DemoAppOptions['guardOptions'];
    trustProxy?: boolean;
    /** Providers in priority order instead of the recording one (which `sms` still names). */
    smsProviders?: SmsProvider[];
    /** The demo-only console wait (`npm start` sets 0 outside production); the library default otherwise. */
    adminFirstFactorWaitSeconds?: number;
  } = {},
) {
  const clock: FakeClock = fakeClock();
  const sms = new RecordingSmsProvider();
  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, callback) {
        logLines.push(chunk.toString());
        callback();
      },
    }),
  );
  let redis: Redis | Cluster | undefined;
  let keyPrefix = options.keyPrefix;
  let ownsRedis = false;
  if (options.redis === true) {
    const connected = await connectTestRedis();
    redis = connected.redis;
    keyPrefix ??= connected.keyPrefix;
    ownsRedis = true;
  } else if (options.redis) {
    redis = options.redis;
  }
  // Durable stores in memory, held here so tests can read the audit trail; Redis (when asked for)
  // carries the ephemeral ones.
  const durable = createMemoryDurableStores();
  const ephemeral = redis ? createRedisStores(redis, keyPrefix) : createMemoryStores();
  const stores: StepGuardStores = combineStores(ephemeral, durable);
  const { app, guard, users } = await createDemoApp({
    stores,
    ...(options.guardOptions ? { guardOptions: options.guardOptions } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    ...(options.adminFirstFactorWaitSeconds !== undefined ? { adminFirstFactorWaitSeconds: options.adminFirstFactorWaitSeconds } : {}),
    redis,
    redisKeyPrefix: keyPrefix,
    sessionSecret: 'test-session-secret-that-is-long-enough-0123456789',
    pepper: 'test-pepper-that-is-long-enough-for-validation-0123',
    ...(options.smsProviders ? { smsProviders: options.smsProviders } : { smsProvider: sms }),
    clock,
    logger,
    environment: 'test',
  });

  /**
   * A browser-like client: keeps cookies, fetches a CSRF token, speaks JSON. Tokens are bound to
   * the session and rotate on login and step-up, so it keeps the newest one any answer carried
   * (`csrfToken` in JSON, `_csrf` in a page).
   */
  async function client() {
    const agent = request.agent(app);
    let csrfToken = '';
    agent.on('response', (res: { body?: unknown; text?: string }) => {
      const fromJson = (res.body as { csrfToken?: unknown } | undefined)?.csrfToken;
      const fromPage = typeof res.text === 'string' ? /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1] : undefined;
      if (typeof fromJson === 'string') csrfToken = fromJson;
      else if (fromPage) csrfToken = fromPage;
    });
    const refreshCsrf = async () => (await agent.get('/auth/csrf').expect(200)).body.csrfToken as string;
    await refreshCsrf();
    const post = (path: string, body?: object) => {
      const req = agent.post(path).set('x-csrf-token', csrfToken).set('accept', 'application/json');
      return body === undefined ? req : req.send(body);
    };
    return {
      agent,
      /** The newest token this session was given. */
      get csrfToken() {
        return csrfToken;
      },
      /** Asks for a token again (after a redirect that changed the session without a page or JSON answer). */
      refreshCsrf,
      post,
      get: (path: string) => agent.get(path).set('accept', 'application/json'),
      login: (username = DEMO_ACCOUNT.username, password = DEMO_ACCOUNT.password) =>
        post('/auth/login', { username, password }),
      send: (body?: object) => post('/auth/2fa/sms/send', body ?? {}),
      verify: (code: unknown) => post('/auth/2fa/sms/verify', { code }),
      /** Login, send, verify: a session at aal2. */
      async stepUp() {
        await post('/auth/login', { username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password }).expect(200);
        await post('/auth/2fa/sms/send', {}).expect(202);
        await post('/auth/2fa/sms/verify', { code: sms.lastCode() }).expect(200);
      },
      cookie(name: string): string | undefined {
        const found = agent.jar.getCookie(name, { domain: '127.0.0.1', path: '/', secure: false, script: false });
        return found?.value;
      },
    };
  }

  return {
    app,
    guard,
    users,
    stores,
    audit: durable.audit as MemoryAuditStore,
    clock,
    sms,
    redis,
    keyPrefix,
    logs: () => logLines.join(''),
    client,
    async close() {
      if (ownsRedis) await redis?.quit().catch(() => undefined);
    },
  };
}

/** A code that is certainly not `code`, of the same length. */
export function wrongCode(code: string): string {
  return code.split('').map((d) => String((Number(d) + 1) % 10)).join('');
}
