import type { Redis } from 'ioredis';
import request from 'supertest';
import { createFloorApp, floorRevokedKey, STEPGUARD_SESSION_CONTENTS } from '../../bench/floor/floorApp';
import type { StepGuardSessionState } from '../../src/http/sessionState';
import { countRedisWork } from '../helpers/redisCommandCounter';
import { connectTestRedis, describeWithRedis } from '../helpers/withRedis';

// Checked by the compiler: the reference session keeps the shape stepguard writes, so a change
// to the state type shows here before the bench's reference row drifts from the demo's session.
const contents: { stepguard: StepGuardSessionState; stepguardCsrf: string } = STEPGUARD_SESSION_CONTENTS;

/**
 * The bench's floor and its two reference variants (bench/floor/floorApp.ts, issue 12): each
 * reference must add exactly its one part to the floor, or its row in `npm run bench` measures
 * something else.
 */
describeWithRedis('bench floor references: each variant adds its one part to the floor', () => {
  let redis: Redis;
  let keyPrefix: string;
  beforeEach(async () => {
    ({ redis, keyPrefix } = await connectTestRedis());
  });
  afterEach(() => redis.quit());

  async function signedIn(variant: { revocationRead?: boolean; stepguardSession?: boolean }) {
    const app = createFloorApp({ redis, keyPrefix: `${keyPrefix}:`, ...variant });
    const agent = request.agent(app);
    await agent.post('/login').send({ username: 'alice' }).expect(200);
    const sessionKeys = await redis.keys(`${keyPrefix}:sess:*`);
    expect(sessionKeys).toHaveLength(1);
    const sessionId = (sessionKeys[0] as string).slice(`${keyPrefix}:sess:`.length);
    return { agent, sessionId, stored: JSON.parse((await redis.get(sessionKeys[0] as string)) as string) as Record<string, unknown> };
  }

  it('the floor reads only its session (GET) and touches it (EXPIRE): no revocation read, no stepguard state', async () => {
    const { agent, stored } = await signedIn({});
    expect(stored).not.toHaveProperty('stepguard');
    const counter = countRedisWork(redis, `${keyPrefix}:`);
    await agent.get('/me').expect(200);
    expect(counter.take().list.map((c) => c.name).sort()).toEqual(['EXPIRE', 'GET']);
  });

  it('the revocation reference adds one MGET, sent with the session GET, and refuses a session marked revoked', async () => {
    const { agent, sessionId, stored } = await signedIn({ revocationRead: true });
    expect(stored).not.toHaveProperty('stepguard');
    const counter = countRedisWork(redis, `${keyPrefix}:`);
    await agent.get('/me').expect(200);
    const work = counter.take();
    expect(work.list.filter((c) => c.roundTrip === 1).map((c) => c.name)).toEqual(['GET', 'MGET']);
    expect(work.list.map((c) => c.name).sort()).toEqual(['EXPIRE', 'GET', 'MGET']);
    await redis.set(floorRevokedKey(`${keyPrefix}:`, sessionId), '1');
    await agent.get('/me').expect(401, { error: 'session_revoked' });
  });

  it("the session reference stores a stepped-up demo session's contents and reads like the floor", async () => {
    const plain = await signedIn({});
    await redis.del(...(await redis.keys(`${keyPrefix}:sess:*`)));
    const { agent, stored } = await signedIn({ stepguardSession: true });
    expect(stored).toMatchObject(contents);
    // Session 10 measured the demo's at 490 bytes against the floor's 200.
    expect(JSON.stringify(stored).length).toBeGreaterThan(2 * JSON.stringify(plain.stored).length);
    const counter = countRedisWork(redis, `${keyPrefix}:`);
    await agent.get('/me').expect(200);
    expect(counter.take().list.map((c) => c.name).sort()).toEqual(['EXPIRE', 'GET']);
  });

  it('both at once: the session contents and the revocation read, still refusing a revoked session', async () => {
    const { agent, sessionId, stored } = await signedIn({ revocationRead: true, stepguardSession: true });
    expect(stored).toMatchObject(contents);
    const counter = countRedisWork(redis, `${keyPrefix}:`);
    await agent.get('/me').expect(200);
    expect(counter.take().list.filter((c) => c.roundTrip === 1).map((c) => c.name)).toEqual(['GET', 'MGET']);
    await redis.set(floorRevokedKey(`${keyPrefix}:`, sessionId), '1');
    await agent.get('/me').expect(401);
  });
});
