import fc from 'fast-check';
import { Cluster, Redis } from 'ioredis';
import { useCheapPasswordHashing } from '../helpers/cheapPasswordHashing';
import { TEST_REDIS_URL, TEST_REDIS_CLUSTER_NODES } from '../helpers/withRedis';
import { FAIL_FAST_REDIS_OPTIONS } from '../../src/stores/redis/createRedisClient';
import { modelCommands } from '../helpers/attackerModel/modelCommands';
import { initialModel, type AttackerKind } from '../helpers/attackerModel/modelTypes';
import { World, type Coverage } from '../helpers/attackerModel/World';

/**
 * Issue 11 item 5: random sequences of the owner's commands (login, step-ups, TOTP, phone,
 * backup codes, factor removal, trusted devices, passkey options, transfers, logout, sign out
 * everywhere, cancelling a recovery, the clock) interleaved with an attacker's (issue 14: starting
 * and completing a self-service recovery too), driven over HTTP against the real demo
 * on memory, Redis and the Redis Cluster. After every step: no attacker session reaches aal2,
 * no attacker gets a 200 from /account or /transfer, no attacker changes alice's factors, and
 * every change the owner makes is audited (factor_changed), told to the host hook and noticed
 * to the number bound before it; revoked sessions stay revoked; a recovery the attacker starts is
 * told to alice's number and the hook at once, and the attacker never completes one that alice
 * cancelled in time, nor one before its wait and reminder (test/helpers/attackerModel/recoveryMoves.ts).
 *
 * Reproduce a failure with the seed and path it prints:
 *   STEPGUARD_MODEL_SEED=<seed> STEPGUARD_MODEL_PATH=<path> npx jest test/integration/attackerModel.test.ts -t '<suite>'
 * More runs: `npm run test:deep` (STEPGUARD_MODEL_RUNS=3000, a new seed each time).
 * One family of invariants only (diagnosis): STEPGUARD_MODEL_CHECKS=attacker,revocation,accounting,cooloff,errors
 */

// Speed only, as for scrypt: a TOTP setup renders its QR code as a PNG (most of a run's CPU);
// the model reads the secret, never the picture.
jest.mock('qrcode', () => ({ __esModule: true, default: { toDataURL: async () => 'data:image/png;base64,' } }));
useCheapPasswordHashing();

const RUNS = Number(process.env.STEPGUARD_MODEL_RUNS ?? 300);
const deep = process.env.STEPGUARD_MODEL_RUNS !== undefined;
const runsFor = { memory: RUNS, redis: Number(process.env.STEPGUARD_MODEL_REDIS_RUNS ?? (deep ? RUNS / 4 : 30)), cluster: Number(process.env.STEPGUARD_MODEL_CLUSTER_RUNS ?? (deep ? RUNS / 10 : 20)) };
const SEED = process.env.STEPGUARD_MODEL_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.STEPGUARD_MODEL_SEED ?? 20260115);
const PATH = process.env.STEPGUARD_MODEL_PATH;
const MAX_COMMANDS = 15;

const KINDS: { kind: AttackerKind; title: string }[] = [
  { kind: 'password', title: '(a) an attacker who knows only alice\'s password' },
  { kind: 'stolen-cookie', title: '(b) an attacker replaying a session cookie captured from alice' },
  { kind: 'other-user', title: '(c) a second signed-in user (bob) acting on alice\'s factors' },
];

type Target = 'memory' | 'redis' | 'cluster';
const clusterNodes = TEST_REDIS_CLUSTER_NODES;
const available: Record<Target, boolean> = { memory: true, redis: Boolean(TEST_REDIS_URL), cluster: Boolean(clusterNodes) };

for (const target of ['memory', 'redis', 'cluster'] as Target[]) {
  const suite = available[target] ? describe : describe.skip;
  // eslint-disable-next-line no-console
  if (!available[target]) console.warn(`SKIPPED (no redis-server): attacker model [${target}]`);

  suite(`attacker model [${target}]`, () => {
    let redis: Redis | Cluster | undefined;
    beforeAll(async () => {
      if (target === 'redis') {
        redis = new Redis(TEST_REDIS_URL as string, { ...FAIL_FAST_REDIS_OPTIONS, lazyConnect: true });
        redis.on('error', () => undefined);
        await redis.connect();
      } else if (target === 'cluster') {
        redis = new Cluster(clusterNodes ?? [], { redisOptions: { maxRetriesPerRequest: 1 } });
        redis.on('error', () => undefined);
      }
    });
    afterAll(async () => {
      await redis?.quit().catch(() => undefined);
    });

    describe.each(KINDS)('$title', ({ kind }) => {
      const coverage: Coverage = {};
      const numRuns = runsFor[target];
      let passed = false;

      it(`holds every invariant over ${numRuns} random sequences (seed ${SEED})`, async () => {
        const started = Date.now();
        await fc.assert(
          fc.asyncProperty(modelCommands(kind, MAX_COMMANDS), async (commands) => {
            const world = await World.create(kind, redis, coverage);
            coverage.runs = (coverage.runs ?? 0) + 1;
            try {
              await fc.asyncModelRun(() => ({ model: initialModel(), real: world }), commands);
            } finally {
              await world.close();
            }
          }),
          { seed: SEED, numRuns, ...(PATH ? { path: PATH } : {}) },
        );
        passed = true;
        // eslint-disable-next-line no-console
        if (deep || process.env.STEPGUARD_MODEL_STATS) console.log(`attacker model [${target}] ${kind}: ${numRuns} runs in ${Date.now() - started} ms (seed ${SEED}); ${JSON.stringify(coverage)}`);
      }, Math.max(60_000, numRuns * 3000));

      // The invariants above hold vacuously if nothing happens: prove the runs reached the states that matter.
      it('exercised owner changes and attacker moves', () => {
        // A failed property is already red; its partial counts say nothing.
        if (!passed || PATH) return;
        const count = (prefix: string) => Object.entries(coverage).filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
        expect(coverage.runs).toBeGreaterThanOrEqual(numRuns);
        expect(count('attacker move:')).toBeGreaterThan(numRuns);
        const wanted = ['owner change: totp_added', 'owner change: phone_changed', 'owner change: backup_codes_regenerated', 'owner change: phone_removed', 'owner step-up: sms'];
        expect(wanted.filter((k) => !coverage[k])).toEqual([]);
        // Recovery needs a start, a cancel and a late complete in one sequence: counted where the runs are many.
        if (kind === 'password' && target === 'memory') {
          const recovery = ['recovery: started by the attacker', 'recovery: cancelled by alice', 'recovery: complete refused after alice cancelled'];
          expect(recovery.filter((k) => !coverage[k])).toEqual([]);
        }
      });
    });
  });
}
